package trunk

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/sip/dialplan"
)

// The trunk types.
const (
	TypeRegister = "register"
	TypePeer     = "peer"
)

// The DTMF modes a trunk can use to carry digits.
const (
	DTMFRFC4733 = "rfc4733"
	DTMFInfo    = "info"
	DTMFInband  = "inband"
)

// Trunk is one connection to the phone network.
type Trunk struct {
	// Name identifies the trunk in routes.
	Name string
	// Type is TypeRegister or TypePeer.
	Type string
	// Host is the provider or gateway, "host" or "host:port" (5060 when
	// omitted).
	Host string
	// Username and Password are the digest credentials of a register trunk
	// (also answering 401/407 on outbound INVITEs of any trunk).
	Username string
	Password string
	// Transport is "udp" (default) or "tcp".
	Transport string
	// Codecs are the audio codecs offered to the trunk and accepted from
	// it, in order of preference; empty means those the other leg offers.
	// The media engine speaks PCMA and PCMU: a list needs one of them
	// (G722 and opus are accepted names, skipped). telephone-event follows
	// DTMF, whether listed or not.
	Codecs []string
	// DTMF is rfc4733 (default), info or inband.
	DTMF string
	// OutboundProxy, when set, receives every request instead of Host.
	OutboundProxy string
	// Country normalises the trunk's numbers to E.164.
	Country dialplan.Country
	// CalledFrom says where inbound calls carry the called number: "ruri"
	// (default, Request-URI user), "to" (To user) or a header name such as
	// "X-Called-Number" or "P-Called-Party-ID".
	CalledFrom string
	// Expiry is the registration lifetime asked for; 0 means 1 hour.
	Expiry time.Duration
}

// Validate checks the trunk; errors name the field.
func (t Trunk) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w %q: %s: %s", ErrInvalid, t.Name, field, fmt.Sprintf(format, args...))
	}
	if t.Name == "" || strings.ContainsAny(t.Name, " :\t\n") {
		return bad("name", "required, without spaces or colons")
	}
	switch t.Type {
	case TypeRegister:
		if t.Username == "" {
			return bad("username", "required for a register trunk")
		}
		if t.Password == "" {
			return bad("password", "required for a register trunk")
		}
	case TypePeer:
	default:
		return bad("type", "must be register or peer, got %q", t.Type)
	}
	if _, _, err := splitHost(t.Host); err != nil {
		return bad("host", "%v", err)
	}
	if t.OutboundProxy != "" {
		if _, _, err := splitHost(t.OutboundProxy); err != nil {
			return bad("outbound_proxy", "%v", err)
		}
	}
	switch t.Transport {
	case "", "udp", "tcp":
	default:
		return bad("transport", "must be udp or tcp, got %q", t.Transport)
	}
	switch t.DTMF {
	case "", DTMFRFC4733, DTMFInfo, DTMFInband:
	default:
		return bad("dtmf", "must be rfc4733, info or inband, got %q", t.DTMF)
	}
	g711 := false
	for _, c := range t.Codecs {
		switch strings.ToUpper(c) {
		case "PCMA", "PCMU":
			g711 = true
		case "G722", "OPUS", "TELEPHONE-EVENT":
		default:
			return bad("codecs", "unknown codec %q", c)
		}
	}
	if len(t.Codecs) > 0 && !g711 {
		return bad("codecs", "needs PCMA or PCMU, the codecs the media engine speaks")
	}
	if err := t.Country.Validate(); err != nil {
		return bad("country", "%v", err)
	}
	if t.Expiry < 0 {
		return bad("expiry", "must not be negative")
	}
	return nil
}

// splitHost parses "host" or "host:port".
func splitHost(hp string) (string, int, error) {
	if hp == "" {
		return "", 0, fmt.Errorf("required")
	}
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		if strings.Contains(err.Error(), "missing port") {
			return hp, 5060, nil
		}
		return "", 0, err
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p > 65535 {
		return "", 0, fmt.Errorf("bad port %q", port)
	}
	if host == "" {
		return "", 0, fmt.Errorf("empty host")
	}
	return host, p, nil
}

// transport returns the trunk's transport with the default applied.
func (t Trunk) transport() string {
	if t.Transport == "" {
		return "udp"
	}
	return t.Transport
}

// DTMFMode returns the DTMF mode with the default applied.
func (t Trunk) DTMFMode() string {
	if t.DTMF == "" {
		return DTMFRFC4733
	}
	return t.DTMF
}

func (t Trunk) expiry() time.Duration {
	if t.Expiry == 0 {
		return time.Hour
	}
	return t.Expiry
}

// uri is the trunk's SIP URI with user.
func (t Trunk) uri(user string) sip.Uri {
	host, port, _ := splitHost(t.Host)
	u := sip.Uri{Scheme: "sip", User: user, Host: host, Port: port}
	if t.transport() == "tcp" {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", "tcp")
	}
	return u
}

// destination is where requests for the trunk are sent.
func (t Trunk) destination() string {
	hp := t.Host
	if t.OutboundProxy != "" {
		hp = t.OutboundProxy
	}
	host, port, _ := splitHost(hp)
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// CalledNumber extracts the called number from an inbound INVITE as the
// trunk's CalledFrom says; "" when absent.
func (t Trunk) CalledNumber(req *sip.Request) string {
	switch strings.ToLower(t.CalledFrom) {
	case "", "ruri":
		return req.Recipient.User
	case "to":
		if to := req.To(); to != nil {
			return to.Address.User
		}
		return ""
	default:
		h := req.GetHeader(t.CalledFrom)
		if h == nil {
			return ""
		}
		var u sip.Uri
		v := strings.Trim(strings.TrimSpace(h.Value()), "<>")
		if strings.HasPrefix(v, "sip:") || strings.HasPrefix(v, "tel:") || strings.HasPrefix(v, "sips:") {
			if strings.HasPrefix(v, "tel:") {
				return strings.TrimPrefix(strings.SplitN(v, ";", 2)[0], "tel:")
			}
			if sip.ParseUri(v, &u) == nil {
				return u.User
			}
			return ""
		}
		return v
	}
}

// addrs resolves the trunk's host (and outbound proxy) to IP addresses;
// names that do not resolve yield none.
func (t Trunk) addrs(resolve func(string) []netip.Addr) []netip.Addr {
	var out []netip.Addr
	for _, hp := range []string{t.Host, t.OutboundProxy} {
		if hp == "" {
			continue
		}
		host, _, err := splitHost(hp)
		if err != nil {
			continue
		}
		if a, err := netip.ParseAddr(host); err == nil {
			out = append(out, a.Unmap())
			continue
		}
		out = append(out, resolve(host)...)
	}
	return out
}
