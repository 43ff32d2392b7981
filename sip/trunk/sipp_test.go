package trunk

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// freeUDPPort returns a port free at the time of the call: sipp must be
// given a port number.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// sippProvider starts sipp as a UAS playing scenario on a free port and
// returns its host:port and a function waiting for its exit.
func sippProvider(t *testing.T, scenario string, extra ...string) (string, func() error) {
	t.Helper()
	sipp := peertest.Binary(t, "sipp")
	scen, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	port := freeUDPPort(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	args := append([]string{"-sf", scen, "-i", "127.0.0.1", "-p", fmt.Sprint(port),
		"-m", "1", "-nostdin", "-timeout", "40", "-timeout_error", "-trace_err"}, extra...)
	cmd := exec.CommandContext(ctx, sipp, args...)
	cmd.Dir = dir
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); cancel() }()
	t.Cleanup(func() { cancel(); <-done; done <- nil })
	// Ready once the port is taken (bounded: 5 s).
	tcp := slices.Contains(extra, "t1")
	for range 100 {
		var c io.Closer
		var err error
		if tcp {
			c, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		} else {
			c, err = net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		}
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Sprintf("127.0.0.1:%d", port), func() error {
		var err error
		select {
		case err = <-done:
			done <- err
		case <-time.After(45 * time.Second):
			err = errors.New("sipp did not finish in 45 s")
		}
		if err != nil {
			logs, _ := filepath.Glob(filepath.Join(dir, "*errors.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("%s:\n%s", filepath.Base(l), b)
			}
			t.Logf("sipp output:\n%s", out)
		}
		return err
	}
}

// newUA returns a quiet user agent closed when the test ends.
func newUA(t *testing.T, name string) *sipgo.UserAgent {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent(name),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet())),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ua.Close() })
	return ua
}

func newClient(t *testing.T) *sipgo.Client {
	t.Helper()
	c, err := sipgo.NewClient(newUA(t, "switchboard-test"), sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runManager runs m until the test ends and checks that Run returns.
func runManager(t *testing.T, m *Manager) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
}

// TestRegisterAgainstSipp: sipp plays a provider demanding digest auth on
// every REGISTER and granting 10 s; the trunk registers, then refreshes
// before expiry with the same Call-ID (sipp's scenario is one call of four
// REGISTERs, two of them with verified credentials).
func TestRegisterAgainstSipp(t *testing.T) {
	addr, wait := sippProvider(t, "provider_register.xml")
	reported := make(chan Status, 10)
	m, err := New(newClient(t), []Trunk{{Name: "provider", Type: TypeRegister, Host: addr, Username: "u", Password: "p", Expiry: 10 * time.Second}},
		Config{Logger: quiet(), Timeout: 5 * time.Second, MinBackoff: 500 * time.Millisecond, OnStatus: func(s Status) { reported <- s }})
	if err != nil {
		t.Fatal(err)
	}
	if st := m.Status()[0]; st.State != StateRegistering {
		t.Fatalf("status before Run = %+v", st)
	}
	runManager(t, m)
	if err := wait(); err != nil {
		t.Fatalf("sipp: %v", err)
	}
	st := m.Status()[0]
	if st.State != StateRegistered || st.Reason != "" {
		t.Fatalf("status = %+v, want registered", st)
	}
	if left := time.Until(st.Expires); left <= 0 || left > 10*time.Second {
		t.Fatalf("expires in %v, want within the granted 10 s", left)
	}
	// The refresh landed before the first registration lapsed.
	first, second := <-reported, <-reported
	if first.State != StateRegistered || second.State != StateRegistered || !second.Expires.After(first.Expires) {
		t.Fatalf("reports %+v then %+v, want two registrations", first, second)
	}
	if refreshed := second.Expires.Add(-10 * time.Second); !refreshed.Before(first.Expires) {
		t.Fatalf("refreshed at %v, after the first registration lapsed at %v", refreshed, first.Expires)
	}
}

// TestRegisterFailureBacksOff: sipp refuses the account with 403; the trunk
// reports failing with the reason and retries after a backoff.
func TestRegisterFailureBacksOff(t *testing.T) {
	addr, wait := sippProvider(t, "provider_reject.xml")
	reported := make(chan Status, 10)
	m, err := New(newClient(t), []Trunk{{Name: "provider", Type: TypeRegister, Host: addr, Username: "u", Password: "p"}},
		Config{Logger: quiet(), Timeout: 5 * time.Second, MinBackoff: time.Second, OnStatus: func(s Status) { reported <- s }})
	if err != nil {
		t.Fatal(err)
	}
	runManager(t, m)
	if err := wait(); err != nil { // two REGISTERs seen: the retry came
		t.Fatalf("sipp: %v", err)
	}
	st := m.Status()[0]
	if st.State != StateFailing || !strings.Contains(st.Reason, "403 Account Suspended") {
		t.Fatalf("status = %+v, want failing with 403 Account Suspended", st)
	}
	if r := <-reported; r.State != StateFailing || r.Trunk != "provider" {
		t.Fatalf("OnStatus got %+v", r)
	}
}

// TestInviteAnswersProxyChallenge: sipp plays a provider answering 407 to
// an INVITE and 200 to the authorised retry (it verifies the credentials).
// Both transports: UDP, and TCP (sipp -t t1) for trunks set to tcp.
func TestInviteAnswersProxyChallenge(t *testing.T) {
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) { inviteWithChallenge(t, transport) })
	}
}

func inviteWithChallenge(t *testing.T, transport string) {
	var extra []string
	if transport == "tcp" {
		extra = []string{"-t", "t1"}
	}
	addr, wait := sippProvider(t, "provider_invite.xml", extra...)
	client := newClient(t)
	m, err := New(client, []Trunk{{Name: "provider", Type: TypePeer, Host: addr, Username: "u", Password: "p", Transport: transport}}, Config{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := m.Trunk("provider")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sdp := []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n")
	req := m.NewInvite(tr, "+33123456789", "+33100000000", sdp)
	tx, err := m.Request(ctx, tr, req)
	if err != nil {
		t.Fatal(err)
	}
	res := final(ctx, t, tx)
	tx.Terminate()
	if res.StatusCode != sip.StatusProxyAuthRequired {
		t.Fatalf("first answer %d, want 407", res.StatusCode)
	}
	tx, err = m.Authorize(ctx, tr, req, res)
	if err != nil {
		t.Fatal(err)
	}
	res = final(ctx, t, tx)
	tx.Terminate()
	if res.StatusCode != sip.StatusOK {
		t.Fatalf("answer after auth %d %s, want 200", res.StatusCode, res.Reason)
	}
	checkDigest(t, req, "u", "p", "provider.test")
	ack := sip.NewRequest(sip.ACK, res.Contact().Address)
	ack.AppendHeader(sip.HeaderClone(req.From()))
	ack.AppendHeader(sip.HeaderClone(res.To()))
	ack.AppendHeader(sip.HeaderClone(req.CallID()))
	ack.AppendHeader(&sip.CSeqHeader{SeqNo: req.CSeq().SeqNo, MethodName: sip.ACK})
	ack.SetDestination(addr)
	ack.SetTransport(tr.transport())
	if err := client.WriteRequest(ack); err != nil {
		t.Fatal(err)
	}
	if err := wait(); err != nil {
		t.Fatalf("sipp: %v", err)
	}
}

// checkDigest recomputes the RFC 2617 response (no qop) of the request's
// Proxy-Authorization with the known password.
func checkDigest(t *testing.T, req *sip.Request, user, password, realm string) {
	t.Helper()
	h := req.GetHeader("Proxy-Authorization")
	if h == nil {
		t.Fatal("no Proxy-Authorization on the retry")
	}
	params := map[string]string{}
	for _, kv := range strings.Split(strings.TrimPrefix(h.Value(), "Digest "), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		params[k] = strings.Trim(v, `"`)
	}
	md5hex := func(s string) string { return fmt.Sprintf("%x", md5.Sum([]byte(s))) }
	want := md5hex(md5hex(user+":"+realm+":"+password) + ":" + params["nonce"] + ":" + md5hex("INVITE:"+params["uri"]))
	if params["username"] != user || params["realm"] != realm || params["response"] != want {
		t.Fatalf("Proxy-Authorization %q: want response %s", h.Value(), want)
	}
}

func final(ctx context.Context, t *testing.T, tx sip.ClientTransaction) *sip.Response {
	t.Helper()
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			return res
		case <-tx.Done():
			t.Fatalf("transaction ended: %v", tx.Err())
		case <-ctx.Done():
			t.Fatal("no final response")
		}
	}
}
