package sip

import (
	"strings"

	"github.com/emiago/sipgo/sip"
)

// sipVersion is the only protocol version the appliance speaks.
const sipVersion = "SIP/2.0"

// single are the header fields that may appear once at most (RFC 3261
// §7.3.1: only comma-separated lists may repeat).
var single = [...]string{"From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Length", "Content-Type", "Expires"}

// uriSchemes are the Request-URI schemes the appliance routes.
var uriSchemes = []string{"sip", "sips", "tel"}

// rejection is why a request is refused before any handler sees it: the
// status and, for 420, the option tags for the Unsupported header.
type rejection struct {
	code        int
	reason      string
	unsupported []string
}

// validate checks what sipgo parses but does not enforce (RFC 3261 §8.2.1
// to §8.2.2.3, RFC 4475 §3.1.2.16 to 18 and §3.3): the version, the
// mandatory and single header fields, the CSeq method, the Request-URI
// scheme and the extensions required. It returns nil for a request to
// handle.
func validate(req *sip.Request) *rejection {
	if req.SipVersion != sipVersion {
		return &rejection{code: 505, reason: "Version Not Supported"}
	}
	// The header fields every request carries (RFC 3261 §8.1.1), read as
	// the handlers read them.
	if name := missingHeader(req); name != "" {
		return &rejection{code: 400, reason: "Missing " + name}
	}
	if name := repeatedHeader(req); name != "" {
		return &rejection{code: 400, reason: "Multiple " + name}
	}
	// sipgo upper-cases the request's method but not the CSeq's.
	if !strings.EqualFold(string(req.CSeq().MethodName), string(req.Method)) {
		return &rejection{code: 400, reason: "CSeq Method Mismatch"}
	}
	if !containsFold(uriSchemes, req.Recipient.Scheme) {
		return &rejection{code: 416, reason: "Unsupported URI Scheme"}
	}
	// RFC 3261 §8.2.2.3: the appliance supports no extension, so any
	// option tag a request requires is unsupported; ACK and CANCEL are
	// not checked.
	if req.Method != sip.ACK && req.Method != sip.CANCEL {
		var tags []string
		for _, h := range req.GetHeaders("Require") {
			for tag := range strings.SplitSeq(h.Value(), ",") {
				if tag = strings.TrimSpace(tag); tag != "" {
					tags = append(tags, tag)
				}
			}
		}
		if len(tags) > 0 {
			return &rejection{code: 420, reason: "Bad Extension", unsupported: tags}
		}
	}
	return nil
}

// missingHeader names the first mandatory header field req lacks, or "".
func missingHeader(req *sip.Request) string {
	switch {
	case req.Via() == nil:
		return "Via"
	case req.From() == nil:
		return "From"
	case req.To() == nil:
		return "To"
	case req.CallID() == nil:
		return "Call-ID"
	case req.CSeq() == nil:
		return "CSeq"
	}
	return ""
}

// repeatedHeader names the first single header field req repeats, or "";
// one pass over the header fields, without allocating (it runs on every
// request).
func repeatedHeader(req *sip.Request) string {
	var seen [len(single)]bool
	for _, h := range req.Headers() {
		for i, name := range single {
			if strings.EqualFold(h.Name(), name) {
				if seen[i] {
					return name
				}
				seen[i] = true
				break
			}
		}
	}
	return ""
}

// reject answers req as r says, statelessly; an ACK gets no answer.
func (s *Server) reject(req *sip.Request, tx sip.ServerTransaction, r *rejection) {
	defer tx.Terminate()
	s.log.Debug("sip: refused a request", "method", req.Method, "source", req.Source(), "status", r.code, "reason", r.reason)
	if req.IsAck() {
		return
	}
	res := sip.NewResponseFromRequest(req, r.code, r.reason, nil)
	res.SipVersion = sipVersion
	if len(r.unsupported) > 0 {
		res.AppendHeader(sip.NewHeader("Unsupported", strings.Join(r.unsupported, ", ")))
	}
	tx.Respond(res)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
