package trunk

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/sip/dialplan"
)

func TestValidate(t *testing.T) {
	ok := Trunk{Name: "provider", Type: TypeRegister, Host: "sip.example.com:5070", Username: "u", Password: "p"}
	cases := []struct {
		name   string
		modify func(*Trunk)
	}{
		{"no name", func(t *Trunk) { t.Name = "" }},
		{"bad type", func(t *Trunk) { t.Type = "magic" }},
		{"register without user", func(t *Trunk) { t.Username = "" }},
		{"register without password", func(t *Trunk) { t.Password = "" }},
		{"no host", func(t *Trunk) { t.Host = "" }},
		{"bad port", func(t *Trunk) { t.Host = "h:99999" }},
		{"bad proxy", func(t *Trunk) { t.OutboundProxy = "h:x" }},
		{"bad transport", func(t *Trunk) { t.Transport = "sctp" }},
		{"bad dtmf", func(t *Trunk) { t.DTMF = "morse" }},
		{"bad codec", func(t *Trunk) { t.Codecs = []string{"GSM-EFR"} }},
		{"codecs without G.711", func(t *Trunk) { t.Codecs = []string{"G722", "opus"} }},
		{"bad country", func(t *Trunk) { t.Country.Code = "0x" }},
		{"negative expiry", func(t *Trunk) { t.Expiry = -time.Second }},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid trunk: %v", err)
	}
	peer := Trunk{Name: "gw", Type: TypePeer, Host: "192.0.2.10", DTMF: DTMFInband, Transport: "tcp", Codecs: []string{"pcma"}}
	if err := peer.Validate(); err != nil {
		t.Fatalf("valid peer: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := ok
			c.modify(&tr)
			if err := tr.Validate(); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestMatchPeer(t *testing.T) {
	resolve := func(host string) []netip.Addr {
		if host == "sip.example.com" {
			return []netip.Addr{netip.MustParseAddr("198.51.100.7")}
		}
		return nil
	}
	m, err := New(nil, []Trunk{
		{Name: "gw", Type: TypePeer, Host: "192.0.2.10"},
		{Name: "provider", Type: TypeRegister, Host: "sip.example.com", Username: "u", Password: "p", OutboundProxy: "203.0.113.5:5080"},
		{Name: "v6", Type: TypePeer, Host: "[2001:db8::1]:5060"},
	}, Config{Resolve: resolve})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		src  string
		want string
	}{
		{"192.0.2.10:5060", "gw"},
		{"192.0.2.10:40000", "gw"},
		{"198.51.100.7:5060", "provider"},
		{"203.0.113.5:5080", "provider"},
		{"[::ffff:192.0.2.10]:5060", "gw"},
		{"[2001:db8::1]:5060", "v6"},
		{"192.0.2.11:5060", ""},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			tr, ok := m.MatchPeer(netip.MustParseAddrPort(c.src))
			if ok != (c.want != "") || tr.Name != c.want {
				t.Fatalf("MatchPeer = %q, %v; want %q", tr.Name, ok, c.want)
			}
		})
	}
	st := m.Status()
	if len(st) != 3 || st[0].State != StatePeer || st[1].State != StateRegistering {
		t.Fatalf("status = %+v", st)
	}
}

func TestRefreshResolvesAgain(t *testing.T) {
	var mu sync.Mutex
	addr := netip.MustParseAddr("198.51.100.7")
	resolve := func(string) []netip.Addr {
		mu.Lock()
		defer mu.Unlock()
		return []netip.Addr{addr}
	}
	m, err := New(nil, []Trunk{{Name: "provider", Type: TypePeer, Host: "sip.example.com"}}, Config{Resolve: resolve})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	addr = netip.MustParseAddr("198.51.100.8") // the provider moved
	mu.Unlock()
	moved := netip.MustParseAddrPort("198.51.100.8:5060")
	if _, ok := m.MatchPeer(moved); ok {
		t.Fatal("the new address matched before Refresh")
	}
	m.Refresh()
	if tr, ok := m.MatchPeer(moved); !ok || tr.Name != "provider" {
		t.Fatalf("after Refresh: MatchPeer = %q, %v", tr.Name, ok)
	}
	if _, ok := m.MatchPeer(netip.MustParseAddrPort("198.51.100.7:5060")); ok {
		t.Fatal("the old address still matches after Refresh")
	}
}

func TestNewRejectsDuplicates(t *testing.T) {
	tr := Trunk{Name: "gw", Type: TypePeer, Host: "192.0.2.10"}
	if _, err := New(nil, []Trunk{tr, tr}, Config{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestCalledNumber(t *testing.T) {
	req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "0123456789", Host: "pbx"})
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: "+33123456789", Host: "pbx"}})
	req.AppendHeader(sip.NewHeader("P-Called-Party-ID", "<sip:+33999999999@provider>"))
	req.AppendHeader(sip.NewHeader("X-Called", "tel:+33888888888;phone-context=x"))
	req.AppendHeader(sip.NewHeader("X-DID", "0477777777"))
	cases := []struct{ from, want string }{
		{"", "0123456789"},
		{"ruri", "0123456789"},
		{"to", "+33123456789"},
		{"P-Called-Party-ID", "+33999999999"},
		{"X-Called", "+33888888888"},
		{"X-DID", "0477777777"},
		{"X-Missing", ""},
	}
	for _, c := range cases {
		t.Run(c.from, func(t *testing.T) {
			if got := (Trunk{CalledFrom: c.from}).CalledNumber(req); got != c.want {
				t.Fatalf("CalledNumber = %q, want %q", got, c.want)
			}
		})
	}
}

func TestGranted(t *testing.T) {
	res := sip.NewResponse(200, "OK")
	if g := granted(res, time.Hour); g != time.Hour {
		t.Fatalf("no expiry: %v", g)
	}
	res.AppendHeader(sip.NewHeader("Expires", "120"))
	if g := granted(res, time.Hour); g != 2*time.Minute {
		t.Fatalf("Expires header: %v", g)
	}
	c := &sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: "x"}, Params: sip.NewParams()}
	c.Params.Add("expires", "60")
	res.AppendHeader(c)
	if g := granted(res, time.Hour); g != time.Minute {
		t.Fatalf("Contact expires: %v", g)
	}
	for _, c := range []struct{ granted, want time.Duration }{{10 * time.Second, 7500 * time.Millisecond}, {time.Hour, 59 * time.Minute}} {
		if got := refreshAfter(c.granted); got != c.want {
			t.Errorf("refreshAfter(%v) = %v, want %v", c.granted, got, c.want)
		}
	}
}

func TestInbound(t *testing.T) {
	m, err := New(nil, []Trunk{
		{Name: "gw", Type: TypePeer, Host: "192.0.2.10", CalledFrom: "to"},
		{Name: "provider", Type: TypePeer, Host: "198.51.100.7"},
	}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := dialplan.New(dialplan.Config{
		Inbound: []dialplan.InboundRoute{{DID: "+33123456789", To: "flow:main"}, {DID: "+33999999999", To: "extension:1001", Trunk: "gw"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	invite := func(ruri, to string) *sip.Request {
		req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: ruri, Host: "pbx"})
		req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: to, Host: "pbx"}})
		return req
	}
	cases := []struct {
		name, src string
		req       *sip.Request
		trunk     string
		dest      string
		status    int
	}{
		{"provider ruri", "198.51.100.7:5060", invite("0123456789", "x"), "provider", "flow:main", 0},
		{"gateway reads To", "192.0.2.10:5060", invite("s", "0999999999"), "gw", "extension:1001", 0},
		{"unknown source", "203.0.113.9:5060", invite("0123456789", "x"), "", "", 403},
		{"no route", "198.51.100.7:5060", invite("0555555555", "x"), "provider", "", 404},
		{"garbage number", "198.51.100.7:5060", invite("<script>", "x"), "provider", "", 484},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, dest, err := m.Inbound(netip.MustParseAddrPort(c.src), c.req, plan)
			if c.status != 0 {
				var se interface{ SIPStatus() (int, string) }
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want status %d", err, c.status)
				}
				if code, _ := se.SIPStatus(); code != c.status {
					t.Fatalf("status %d (%v), want %d", code, err, c.status)
				}
				return
			}
			if err != nil || tr.Name != c.trunk || dest.String() != c.dest {
				t.Fatalf("Inbound = %s, %v, %v; want %s, %s", tr.Name, dest, err, c.trunk, c.dest)
			}
		})
	}
}
