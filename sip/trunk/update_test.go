package trunk

import (
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// registrar is an in-process provider accepting every REGISTER, over UDP
// or TCP; it reports each as "user expires" and its Contact.
type registrar struct {
	addr     string
	seen     chan string
	contacts chan string
}

func newRegistrar(t *testing.T, network string) *registrar {
	t.Helper()
	srv, err := sipgo.NewServer(newUA(t, "provider-test"), sipgo.WithServerLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	r := &registrar{seen: make(chan string, 20), contacts: make(chan string, 20)}
	srv.OnRegister(func(req *sip.Request, tx sip.ServerTransaction) {
		exp := req.GetHeader("Expires").Value()
		r.seen <- req.From().Address.User + " " + exp
		r.contacts <- req.GetHeader("Contact").Value()
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		res.AppendHeader(sip.NewHeader("Expires", exp))
		tx.Respond(res)
	})
	var sock io.Closer
	served := make(chan struct{})
	if network == "tcp" {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		r.addr, sock = l.Addr().String(), l
		go func() { defer close(served); srv.ServeTCP(l) }()
	} else {
		conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		r.addr, sock = conn.LocalAddr().String(), conn
		go func() { defer close(served); srv.ServeUDP(conn) }()
	}
	t.Cleanup(func() {
		sock.Close()
		<-served
	})
	return r
}

// next returns the next REGISTER seen, failing after 5 s.
func (r *registrar) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-r.seen:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no REGISTER within 5 s")
		return ""
	}
}

// TestUpdateFollowsConfiguration: trunks added, changed and removed while
// the manager runs are registered, re-registered after the old
// registration is removed, and unregistered; peers match at once.
func TestUpdateFollowsConfiguration(t *testing.T) {
	reg := newRegistrar(t, "udp")
	m, err := New(newClient(t), nil, Config{Logger: quiet(), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	runManager(t, m)
	provider := Trunk{Name: "provider", Type: TypeRegister, Host: reg.addr, Username: "alice", Password: "p", Expiry: time.Minute}
	gateway := Trunk{Name: "gw", Type: TypePeer, Host: "192.0.2.10"}

	if err := m.Update([]Trunk{provider, gateway}); err != nil {
		t.Fatal(err)
	}
	if got := reg.next(t); got != "alice 60" {
		t.Fatalf("REGISTER %q, want alice 60", got)
	}
	if tr, ok := m.MatchPeer(netip.MustParseAddrPort("192.0.2.10:5060")); !ok || tr.Name != "gw" {
		t.Fatalf("added peer not matched: %+v", tr)
	}
	waitState(t, m, "provider", StateRegistered)

	// Unchanged trunks are left alone by an Update.
	if err := m.Update([]Trunk{provider, gateway}); err != nil {
		t.Fatal(err)
	}
	changed := provider
	changed.Username = "bob"
	if err := m.Update([]Trunk{changed}); err != nil {
		t.Fatal(err)
	}
	if got := reg.next(t); got != "alice 0" {
		t.Fatalf("REGISTER %q, want alice 0 (the old registration removed first)", got)
	}
	if got := reg.next(t); got != "bob 60" {
		t.Fatalf("REGISTER %q, want bob 60", got)
	}
	if _, ok := m.MatchPeer(netip.MustParseAddrPort("192.0.2.10:5060")); ok {
		t.Fatal("removed peer still matched")
	}
	waitState(t, m, "provider", StateRegistered)

	if err := m.Update(nil); err != nil {
		t.Fatal(err)
	}
	if got := reg.next(t); got != "bob 0" {
		t.Fatalf("REGISTER %q, want bob 0", got)
	}
	if st := m.Status(); len(st) != 0 {
		t.Fatalf("status of removed trunks: %+v", st)
	}
	if err := m.Update([]Trunk{gateway, gateway}); err == nil || !strings.Contains(err.Error(), "used twice") {
		t.Fatalf("duplicate trunks: %v", err)
	}
	select {
	case s := <-reg.seen:
		t.Fatalf("unexpected REGISTER %q", s)
	case <-time.After(200 * time.Millisecond):
	}
}

// waitState waits up to 5 s for trunk name to reach state.
func waitState(t *testing.T, m *Manager, name, state string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, st := range m.Status() {
			if st.Trunk == name && st.State == state {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("trunk %s never %s: %+v", name, state, m.Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRegisterOverTCP: a tcp register trunk registers through Config.TCP
// even when the main client must send from a port a TCP listener holds
// (the SIP server's), and its Contact asks for TCP.
func TestRegisterOverTCP(t *testing.T) {
	reg := newRegistrar(t, "tcp")
	listener, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	ua := newUA(t, "switchboard-test")
	bound, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(quiet()),
		sipgo.WithClientConnectionAddr(listener.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	provider := Trunk{Name: "provider", Type: TypeRegister, Host: reg.addr, Username: "alice", Password: "p", Transport: "tcp", Expiry: time.Minute}
	m, err := New(bound, []Trunk{provider}, Config{Logger: quiet(), Timeout: 2 * time.Second, TCP: tcp})
	if err != nil {
		t.Fatal(err)
	}
	runManager(t, m)
	if got := reg.next(t); got != "alice 60" {
		t.Fatalf("REGISTER %q, want alice 60", got)
	}
	if c := <-reg.contacts; !strings.Contains(c, ";transport=tcp") {
		t.Fatalf("Contact %q does not ask for TCP", c)
	}
	waitState(t, m, "provider", StateRegistered)
}
