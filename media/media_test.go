package media

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/zaf/g711"
)

func sdpBody(port int, dir string, formats string, extra ...string) []byte {
	s := fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP %s\r\n", port, formats)
	for _, e := range extra {
		s += e + "\r\n"
	}
	if dir != "" {
		s += "a=" + dir + "\r\n"
	}
	return []byte(s)
}

func TestParseSDP(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		codecs  []string
		dtmf    uint8
		dir     string
		port    uint16
		wantErr bool
	}{
		{"pcmu pcma dtmf", sdpBody(4000, "", "0 8 101", "a=rtpmap:101 telephone-event/8000"), []string{"PCMU", "PCMA"}, 101, SendRecv, 4000, false},
		{"static without rtpmap", sdpBody(4000, "sendonly", "8"), []string{"PCMA"}, 0, SendOnly, 4000, false},
		{"unknown codec only", sdpBody(4000, "", "96", "a=rtpmap:96 opus/48000/2"), []string{"OPUS"}, 0, SendRecv, 4000, false},
		{"port zero", sdpBody(0, "", "0"), []string{"PCMU"}, 0, SendRecv, 0, false},
		{"empty", nil, nil, 0, "", 0, true},
		{"garbage", []byte("hello world"), nil, 0, "", 0, true},
		{"no audio", []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 4000 RTP/AVP 96\r\n"), nil, 0, "", 0, true},
		{"port too big", sdpBody(70000, "", "0"), nil, 0, "", 0, true},
		{"broadcast", []byte(strings.Replace(string(sdpBody(4000, "", "0")), "c=IN IP4 127.0.0.1", "c=IN IP4 255.255.255.255", 1)), nil, 0, "", 0, true},
		{"huge", append(sdpBody(4000, "", "0"), make([]byte, maxSDP)...), nil, 0, "", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseSDP(tc.body)
			if tc.wantErr {
				if !errors.Is(err, ErrBadSDP) {
					t.Fatalf("err = %v, want ErrBadSDP", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range d.Codecs {
				names = append(names, c.Name)
			}
			if fmt.Sprint(names) != fmt.Sprint(tc.codecs) || d.DTMFPayloadType != tc.dtmf || d.Direction != tc.dir || d.Addr.Port() != tc.port {
				t.Fatalf("got %+v", d)
			}
		})
	}
}

// portableEngines makes newTestEngine's engines read each socket in its
// own goroutine, as on systems without the epoll readers
// (TestPortableRelay).
var portableEngines bool

func newTestEngine(t testing.TB, inactivity time.Duration) *Engine {
	t.Helper()
	return newTestEngineOn(t, "127.0.0.1", inactivity)
}

// newTestEngineOn returns an engine bound to bindIP ("" for every
// address) on a port range of its own.
func newTestEngineOn(t testing.TB, bindIP string, inactivity time.Duration) *Engine {
	t.Helper()
	lo := 40000 + (int(time.Now().UnixNano()/1000)%500)*20
	e, err := NewEngine(Config{BindIP: bindIP, PortMin: lo, PortMax: lo + 200, InactivityTimeout: inactivity})
	if err != nil {
		t.Fatal(err)
	}
	e.portable = portableEngines
	return e
}

// testPhone is a UDP socket standing for a phone's RTP endpoint.
type testPhone struct {
	conn *net.UDPConn
	seq  uint16
}

func newTestPhone(t testing.TB) *testPhone {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &testPhone{conn: c}
}

func (p *testPhone) port() int { return p.conn.LocalAddr().(*net.UDPAddr).Port }

func (p *testPhone) send(t *testing.T, to int, pt uint8, ssrc uint32, payload []byte) {
	t.Helper()
	pkt := make([]byte, 12+len(payload))
	pkt[0] = 0x80
	pkt[1] = pt
	binary.BigEndian.PutUint16(pkt[2:], p.seq)
	binary.BigEndian.PutUint32(pkt[4:], uint32(p.seq)*160)
	binary.BigEndian.PutUint32(pkt[8:], ssrc)
	copy(pkt[12:], payload)
	p.seq++
	if _, err := p.conn.WriteToUDP(pkt, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: to}); err != nil {
		t.Fatal(err)
	}
}

func (p *testPhone) recv(t *testing.T) []byte {
	t.Helper()
	buf := make([]byte, 1500)
	p.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, err := p.conn.Read(buf)
	if err != nil {
		t.Fatalf("phone received nothing: %v", err)
	}
	return buf[:n]
}

func TestBridgeTranscodesAndKeepsStreamsContinuous(t *testing.T) {
	e := newTestEngine(t, 0)
	a, err := e.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := e.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	alice, bob := newTestPhone(t), newTestPhone(t)
	lo := netip.MustParseAddr("127.0.0.1")

	// Alice offers PCMU; the appliance offers Bob what Alice has; Bob answers PCMA only.
	offerA, _ := ParseSDP(sdpBody(alice.port(), "", "0 8 101", "a=rtpmap:101 telephone-event/8000"))
	offerB, err := b.Offer(lo, offerA)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(offerB), fmt.Sprintf("m=audio %d RTP/AVP 0 8 101", b.LocalPort())) {
		t.Fatalf("offer to B:\n%s", offerB)
	}
	ansB, _ := ParseSDP(sdpBody(bob.port(), "", "8"))
	if err := b.SetRemote(ansB); err != nil {
		t.Fatal(err)
	}
	ansA, err := a.Answer(offerA, lo)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ansA), "a=rtpmap:0 PCMU/8000") {
		t.Fatalf("answer to A:\n%s", ansA)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Bridge(ctx, a, b) }()

	pcm := make([]byte, 320)
	for i := range 160 {
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(int16(8000*(i%20-10))))
	}
	ulaw := g711.EncodeUlaw(pcm)
	alice.send(t, a.LocalPort(), 0, 1111, ulaw)
	got := bob.recv(t)
	if got[1]&0x7f != 8 {
		t.Fatalf("bob got payload type %d, want 8 (PCMA)", got[1]&0x7f)
	}
	if want := g711.Ulaw2Alaw(ulaw); string(got[12:]) != string(want) {
		t.Fatalf("bob's A-law payload differs from the transcoded µ-law")
	}
	firstSeq := binary.BigEndian.Uint16(got[2:])
	ssrc := binary.BigEndian.Uint32(got[8:])
	// A new source on Alice's side (e.g. her phone restarted its stream):
	// Bob still sees one SSRC and the next sequence number.
	alice.send(t, a.LocalPort(), 0, 2222, ulaw)
	got = bob.recv(t)
	if binary.BigEndian.Uint32(got[8:]) != ssrc || binary.BigEndian.Uint16(got[2:]) != firstSeq+1 {
		t.Fatalf("stream toward bob not continuous: ssrc %x seq %d, want %x %d", binary.BigEndian.Uint32(got[8:]), binary.BigEndian.Uint16(got[2:]), ssrc, firstSeq+1)
	}
	// Bob's A-law reaches Alice as µ-law, sent from the port the appliance
	// advertised to her (symmetric RTP).
	bob.send(t, b.LocalPort(), 8, 3333, g711.EncodeAlaw(pcm))
	buf := make([]byte, 1500)
	alice.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, from, err := alice.conn.ReadFromUDP(buf)
	if err != nil {
		t.Fatal(err)
	}
	if from.Port != a.LocalPort() || buf[1]&0x7f != 0 || n != 12+160 {
		t.Fatalf("alice got pt %d from port %d, want pt 0 from %d", buf[1]&0x7f, from.Port, a.LocalPort())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Bridge = %v after cancel, want nil", err)
	}
	if st := a.Stats(); st.PacketsIn != 2 || st.PacketsOut != 1 || st.Codec != "PCMU" {
		t.Fatalf("stats A = %+v", st)
	}
}

func TestBridgeLatchesToTheRealSource(t *testing.T) {
	e := newTestEngine(t, 0)
	a, _ := e.NewSession()
	defer a.Close()
	b, _ := e.NewSession()
	defer b.Close()
	alice, natted, bob := newTestPhone(t), newTestPhone(t), newTestPhone(t)
	offerA, _ := ParseSDP(sdpBody(alice.port(), "", "0"))
	a.Answer(offerA, netip.MustParseAddr("127.0.0.1"))
	ansB, _ := ParseSDP(sdpBody(bob.port(), "", "0"))
	b.SetRemote(ansB)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Bridge(ctx, a, b)

	// Alice's SDP names one port, but behind NAT she sends from another:
	// Bob's audio must go where she really sends from.
	natted.send(t, a.LocalPort(), 0, 1, make([]byte, 160))
	bob.recv(t)
	bob.send(t, b.LocalPort(), 0, 2, make([]byte, 160))
	natted.recv(t)
}

func TestBridgeEndsOnInactivity(t *testing.T) {
	e := newTestEngine(t, 300*time.Millisecond)
	a, _ := e.NewSession()
	defer a.Close()
	b, _ := e.NewSession()
	defer b.Close()
	pa, pb := newTestPhone(t), newTestPhone(t)
	offer, _ := ParseSDP(sdpBody(pa.port(), "", "0"))
	a.Answer(offer, netip.MustParseAddr("127.0.0.1"))
	ans, _ := ParseSDP(sdpBody(pb.port(), "", "0"))
	b.SetRemote(ans)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Bridge(ctx, a, b); !errors.Is(err, ErrInactive) {
		t.Fatalf("Bridge = %v, want ErrInactive", err)
	}
	// A held call is exempt.
	held, _ := ParseSDP(sdpBody(pb.port(), "recvonly", "0"))
	b.SetRemote(held)
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	if err := Bridge(ctx2, a, b); err != nil {
		t.Fatalf("held Bridge = %v, want nil at context end", err)
	}
}

func TestAnswerRefusesUnknownCodecs(t *testing.T) {
	e := newTestEngine(t, 0)
	s, _ := e.NewSession()
	defer s.Close()
	offer, _ := ParseSDP(sdpBody(4000, "", "96", "a=rtpmap:96 opus/48000/2"))
	if _, err := s.Answer(offer, netip.MustParseAddr("127.0.0.1")); !errors.Is(err, ErrNoCommonCodec) {
		t.Fatalf("Answer = %v, want ErrNoCommonCodec", err)
	}
	hold, _ := ParseSDP(sdpBody(4000, "sendonly", "0"))
	ans, err := s.Answer(hold, netip.MustParseAddr("127.0.0.1"))
	if err != nil || !strings.Contains(string(ans), "a=recvonly") {
		t.Fatalf("hold answer = %v\n%s", err, ans)
	}
}

func TestEnginePortsAreEvenAndReleased(t *testing.T) {
	e, err := NewEngine(Config{BindIP: "127.0.0.1", PortMin: 45001, PortMax: 45008})
	if err != nil {
		t.Fatal(err)
	}
	var ss []*Session
	for {
		s, err := e.NewSession()
		if errors.Is(err, ErrNoPorts) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if s.LocalPort()%2 != 0 {
			t.Fatalf("odd RTP port %d", s.LocalPort())
		}
		ss = append(ss, s)
	}
	if len(ss) == 0 {
		t.Skip("ports 45002-45008 busy on this machine")
	}
	for _, s := range ss {
		s.Close()
	}
	if e.InUse() != 0 {
		t.Fatalf("%d ports still in use", e.InUse())
	}
}

func FuzzParseSDP(f *testing.F) {
	f.Add(sdpBody(4000, "", "0 8 101", "a=rtpmap:101 telephone-event/8000"))
	f.Add(sdpBody(0, "inactive", "8"))
	f.Add([]byte("v=0\r\nm=audio 1 RTP/AVP 0\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseSDP(b)
		if err != nil {
			if !errors.Is(err, ErrBadSDP) {
				t.Fatalf("error %v does not wrap ErrBadSDP", err)
			}
			return
		}
		if !d.Addr.Addr().IsValid() {
			t.Fatalf("accepted description without an address: %+v", d)
		}
		// Whatever was accepted can be answered or refused cleanly, and an
		// answer parses again.
		e, _ := NewEngine(Config{})
		s := &Session{eng: e, port: 4000}
		ans, err := s.Answer(d, netip.MustParseAddr("127.0.0.1"))
		if err != nil {
			if !errors.Is(err, ErrNoCommonCodec) && !errors.Is(err, ErrBadSDP) {
				t.Fatalf("Answer: %v", err)
			}
			return
		}
		if _, err := ParseSDP(ans); err != nil {
			t.Fatalf("our answer does not parse: %v\n%s", err, ans)
		}
	})
}
