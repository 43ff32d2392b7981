// Package transfer reads and writes the messages of call transfer: the
// Refer-To header of a REFER (RFC 3515), with the Replaces header field
// an attended transfer puts in its URI (RFC 3891), and the NOTIFY
// requests whose message/sipfrag bodies report the transfer's progress
// to the transferor (RFC 3515 §2.4.4, RFC 5589).
package transfer

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// Errors of ParseReferTo: ErrBadReferTo is answered 400 Bad Request,
// ErrUnsupported 501 Not Implemented.
var (
	ErrBadReferTo  = errors.New("transfer: bad Refer-To")
	ErrUnsupported = errors.New("transfer: unsupported Refer-To")
)

// maxNumber bounds the length of a transfer target's number.
const maxNumber = 64

// Target is what a REFER asks to call.
type Target struct {
	// Number is the user part of the Refer-To URI: an extension, the
	// number of a flow or queue, or a number on the phone network.
	Number string
	// Replaces names the dialog the target's call replaces (attended
	// transfer); nil for a blind transfer.
	Replaces *Replaces
}

// Replaces identifies a dialog (RFC 3891 §6.1).
type Replaces struct {
	CallID    string
	ToTag     string
	FromTag   string
	EarlyOnly bool
}

// ParseReferTo reads the Refer-To header values of a REFER: exactly one
// (RFC 3515 §2.4.1), a sip, sips or tel URI whose user part is a number,
// with no method other than INVITE.
func ParseReferTo(values []string) (Target, error) {
	if len(values) != 1 {
		return Target{}, fmt.Errorf("%w: %d Refer-To headers", ErrBadReferTo, len(values))
	}
	raw := addrSpec(values[0])
	if raw == "" {
		return Target{}, fmt.Errorf("%w: empty", ErrBadReferTo)
	}
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok {
		return Target{}, fmt.Errorf("%w: no scheme", ErrBadReferTo)
	}
	switch strings.ToLower(scheme) {
	case "tel":
		return telTarget(rest)
	case "sip", "sips":
	default:
		return Target{}, fmt.Errorf("%w: scheme %q", ErrUnsupported, scheme)
	}
	var u sip.Uri
	if err := sip.ParseUri(raw, &u); err != nil {
		return Target{}, fmt.Errorf("%w: %v", ErrBadReferTo, err)
	}
	if m, ok := u.UriParams.Get("method"); ok && !strings.EqualFold(m, "INVITE") {
		return Target{}, fmt.Errorf("%w: method %q", ErrUnsupported, m)
	}
	user, err := url.PathUnescape(u.User)
	if err != nil {
		return Target{}, fmt.Errorf("%w: user part: %v", ErrBadReferTo, err)
	}
	t := Target{Number: user}
	if err := checkNumber(t.Number); err != nil {
		return Target{}, err
	}
	if u.Headers != nil {
		if v, ok := u.Headers.Get("Replaces"); ok {
			r, err := ParseReplaces(v)
			if err != nil {
				return Target{}, err
			}
			t.Replaces = &r
		}
	}
	return t, nil
}

// addrSpec returns the URI of a name-addr ("Name" <uri>;params) or the
// addr-spec of a header value without angle brackets (its header
// parameters cut off).
func addrSpec(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return ""
		}
		return strings.TrimSpace(v[i+1 : i+j])
	}
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// telTarget reads a tel URI's number (RFC 3966), its visual separators
// dropped and its parameters ignored.
func telTarget(rest string) (Target, error) {
	number, _, _ := strings.Cut(rest, ";")
	number = strings.Map(func(r rune) rune {
		if strings.ContainsRune("-.()", r) {
			return -1
		}
		return r
	}, number)
	if err := checkNumber(number); err != nil {
		return Target{}, err
	}
	return Target{Number: number}, nil
}

// checkNumber accepts the numbers a phone may dial: digits, letters, and
// + * # . _ -, at most maxNumber of them.
func checkNumber(n string) error {
	if n == "" || len(n) > maxNumber {
		return fmt.Errorf("%w: number %q", ErrBadReferTo, n)
	}
	for _, r := range n {
		ok := r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("+*#._-", r)
		if !ok {
			return fmt.Errorf("%w: number %q", ErrBadReferTo, n)
		}
	}
	return nil
}

// ParseReplaces reads a Replaces value, %-escaped as in a URI header
// field or not: call-id;to-tag=…;from-tag=…[;early-only].
func ParseReplaces(v string) (Replaces, error) {
	s, err := url.PathUnescape(v)
	if err != nil {
		return Replaces{}, fmt.Errorf("%w: Replaces: %v", ErrBadReferTo, err)
	}
	parts := strings.Split(s, ";")
	r := Replaces{CallID: strings.TrimSpace(parts[0])}
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(k) {
		case "to-tag":
			r.ToTag = val
		case "from-tag":
			r.FromTag = val
		case "early-only":
			r.EarlyOnly = true
		}
	}
	if r.CallID == "" || r.ToTag == "" || r.FromTag == "" {
		return Replaces{}, fmt.Errorf("%w: Replaces %q lacks the call-id or a tag", ErrBadReferTo, s)
	}
	return r, nil
}

// Frag is the message/sipfrag body of a NOTIFY reporting status code and
// reason (RFC 3515 §2.4.5): the status line of the referred call.
func Frag(code int, reason string) []byte {
	return []byte("SIP/2.0 " + strconv.Itoa(code) + " " + reason + "\r\n")
}

// ParseFrag reads the status line of a message/sipfrag body.
func ParseFrag(body []byte) (code int, reason string, err error) {
	line, _, _ := strings.Cut(string(body), "\n")
	line = strings.TrimSuffix(line, "\r")
	rest, ok := strings.CutPrefix(line, "SIP/2.0 ")
	if !ok {
		return 0, "", fmt.Errorf("transfer: sipfrag %q is no status line", line)
	}
	num, reason, _ := strings.Cut(rest, " ")
	code, err = strconv.Atoi(num)
	if err != nil || len(num) != 3 || code < 100 || code > 699 {
		return 0, "", fmt.Errorf("transfer: sipfrag %q has no status code", line)
	}
	return code, reason, nil
}

// Notify builds the NOTIFY sent to target in the REFER's dialog that
// reports the referred call's status: final (≥ 200) ends the implicit
// subscription.
func Notify(target sip.Uri, code int, reason string) *sip.Request {
	req := sip.NewRequest(sip.NOTIFY, target)
	req.AppendHeader(sip.NewHeader("Event", "refer"))
	state := "active;expires=60"
	if code >= 200 {
		state = "terminated;reason=noresource"
	}
	req.AppendHeader(sip.NewHeader("Subscription-State", state))
	req.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
	req.SetBody(Frag(code, reason))
	return req
}
