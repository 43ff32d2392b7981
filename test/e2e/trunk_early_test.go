package e2e

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// rtpPacket is one RTP packet received by an rtpSink.
type rtpPacket struct {
	at      time.Time
	ssrc    uint32
	seq     uint16
	samples []int16 // the µ-law payload decoded
}

// rtpSink receives the RTP a caller's SDP points at, on 127.0.0.1.
type rtpSink struct {
	conn *net.UDPConn
	done chan struct{}

	mu   sync.Mutex // guards pkts
	pkts []rtpPacket
}

// newRTPSink listens on a free port until the test ends.
func newRTPSink(t *testing.T) *rtpSink {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := &rtpSink{conn: conn, done: make(chan struct{})}
	go s.read()
	t.Cleanup(s.close)
	return s
}

func (s *rtpSink) port() int { return s.conn.LocalAddr().(*net.UDPAddr).Port }

func (s *rtpSink) read() {
	defer close(s.done)
	buf := make([]byte, 1500)
	for {
		n, err := s.conn.Read(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil || n < 12 || buf[0]>>6 != 2 || buf[1]&0x7f != 0 {
			continue
		}
		pcm := g711.DecodeUlaw(buf[12:n])
		samples := make([]int16, len(pcm)/2)
		for i := range samples {
			samples[i] = int16(binary.LittleEndian.Uint16(pcm[2*i:]))
		}
		p := rtpPacket{at: time.Now(), seq: binary.BigEndian.Uint16(buf[2:]), ssrc: binary.BigEndian.Uint32(buf[8:]), samples: samples}
		s.mu.Lock()
		s.pkts = append(s.pkts, p)
		s.mu.Unlock()
	}
}

// close stops the reader and waits for it.
func (s *rtpSink) close() {
	s.conn.Close()
	<-s.done
}

// packets returns what arrived so far.
func (s *rtpSink) packets() []rtpPacket {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]rtpPacket(nil), s.pkts...)
}

// The tones of the early-media test: the network's ringback before the
// answer, the callee's voice after it.
const (
	ringbackHz = 425
	voiceHz    = 1000
)

func TestTrunkEarlyMedia(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	port := freeUDPPort(t)
	importConfig(t, data, fmt.Sprintf(`extensions:
  - {number: "1001", password: early-pw-1}
trunks:
  - {name: main, type: peer, host: "%s:%d"}
routes:
  outbound:
    - {pattern: "01XXXXXXXX", trunks: [main]}
`, providerIP, port))
	srv := startServer(t, nil, binPath, data)

	provDir := t.TempDir()
	writeUlaw(t, filepath.Join(provDir, "early.ulaw"), sine(ringbackHz, time.Second))
	writeUlaw(t, filepath.Join(provDir, "answer.ulaw"), sine(voiceHz, time.Second))
	waitP := providerUASIn(t, provDir, "trunk_provider_early.xml", port, 1)

	sink := newRTPSink(t)
	csvPath := filepath.Join(t.TempDir(), "users.csv")
	line := fmt.Sprintf("SEQUENTIAL\n1001;[authentication username=1001 password=early-pw-1];%d\n", sink.port())
	if err := os.WriteFile(csvPath, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	err := trunkSipp(t, t.TempDir(), "trunk_uac_early.xml", fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "0123456789",
		"-inf", csvPath, "-i", "127.0.0.1", "-p", strconv.Itoa(freeUDPPort(t)), "-mi", "127.0.0.1", "-mp", strconv.Itoa(freeUDPPort(t)), "-m", "1")()
	if err != nil {
		t.Fatalf("caller (183 with SDP expected before the 200): %v\nserver:\n%s", err, srv.output())
	}
	if err := waitP(); err != nil {
		t.Fatalf("provider: %v\nserver:\n%s", err, srv.output())
	}
	rec := closedCDRs(t, data, 1)[0]
	if rec["trunk"] != "main" || rec["disposition"] != "answered" || rec["sip_status"] != "200" {
		t.Fatalf("CDR = %v", rec)
	}

	var early, voice []rtpPacket
	pkts := sink.packets()
	for _, p := range pkts {
		switch {
		case peertest.ToneLevel(p.samples, ringbackHz) > 0.5:
			early = append(early, p)
		case peertest.ToneLevel(p.samples, voiceHz) > 0.5:
			voice = append(voice, p)
		}
	}
	if len(early) < 40 || len(voice) < 40 {
		t.Fatalf("caller heard %d packets of ringback and %d of voice (of %d), want 40 of each\nserver:\n%s",
			len(early), len(voice), len(pkts), srv.output())
	}
	span := early[len(early)-1].at.Sub(early[0].at)
	gap := voice[0].at.Sub(early[len(early)-1].at)
	t.Logf("early media: %d packets over %v, then %v of silence before the answer's %d packets", len(early), span.Round(time.Millisecond),
		gap.Round(time.Millisecond), len(voice))
	// Relayed as it came, not flushed when the call was answered: spread
	// over the second it lasted, and over well before the answer (the
	// provider answers 1.5 s after the tone ends).
	if span < 700*time.Millisecond || gap < time.Second {
		t.Errorf("early media arrived over %v and %v before the answer's audio: not relayed before the answer", span, gap)
	}
	// The answer continues the same stream: one SSRC, no sequence jump.
	for i := 1; i < len(pkts); i++ {
		if pkts[i].ssrc != pkts[0].ssrc || pkts[i].seq != pkts[i-1].seq+1 {
			t.Fatalf("packet %d: SSRC %08x seq %d after SSRC %08x seq %d: the stream to the caller restarted",
				i, pkts[i].ssrc, pkts[i].seq, pkts[i-1].ssrc, pkts[i-1].seq)
		}
	}
}
