package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// phone is a headless baresip desk phone driven over its ctrl_tcp module
// (see shared/REAL-PEERS.md §1).
type phone struct {
	t      *testing.T
	dir    string
	sipURI string
	cmd    *exec.Cmd
	done   chan struct{}
	conn   net.Conn

	mu     sync.Mutex // guards events
	events []map[string]any
	r      *bufio.Reader
}

// newPhone starts baresip registered as ext to the appliance at sipPort,
// playing a tone of freq Hz as its microphone.
func newPhone(t *testing.T, ext, password string, sipPort int, freq int) *phone {
	t.Helper()
	bin := peertest.Binary(t, "baresip")
	sox := peertest.Binary(t, "sox")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.MkdirAll(filepath.Join(dir, "rec"), 0o755)
	mic := filepath.Join(dir, "mic.wav")
	if out, err := exec.Command(sox, "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", mic,
		"synth", "60", "sine", strconv.Itoa(freq), "vol", "0.5").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	sipListen := freeTCPPair(t)
	ctrl := freeTCPPair(t)
	rtp := 30000 + 20*(int(time.Now().UnixNano()/1000)%1000)
	cfg := fmt.Sprintf(`poll_method epoll
sip_listen 127.0.0.1:%d
net_interface 127.0.0.1
dns_server 127.0.0.1:53
call_local_timeout 120
call_max_calls 4
audio_player alsa,null
audio_source aufile,%s
audio_alert alsa,null
ausrc_srate 8000
auplay_srate 8000
ausrc_channels 1
auplay_channels 1
audio_level no
ausrc_format s16
auplay_format s16
auenc_format s16
audec_format s16
audio_buffer 20-160
rtp_ports %d-%d
rtcp_mux no
jitter_buffer_delay 5-10
rtp_stats no
module_path /usr/lib/baresip/modules
module g711.so
module sndfile.so
module alsa.so
module aufile.so
module_tmp uuid.so
module_tmp account.so
module_app contact.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:%d
snd_path %s
statmode_default off
`, sipListen, mic, rtp, rtp+19, ctrl, filepath.Join(dir, "rec"))
	os.WriteFile(filepath.Join(dir, "config"), []byte(cfg), 0o644)
	acct := fmt.Sprintf("<sip:%s@127.0.0.1:%d>;auth_pass=%s;regint=60;answermode=auto\n", ext, sipPort, password)
	os.WriteFile(filepath.Join(dir, "accounts"), []byte(acct), 0o644)
	os.WriteFile(filepath.Join(dir, "contacts"), nil, 0o644)

	p := &phone{t: t, dir: dir, sipURI: fmt.Sprintf("sip:%s@127.0.0.1:%d", ext, sipPort), done: make(chan struct{})}
	logf, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, "-f", dir)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); logf.Close(); close(p.done) }()
	t.Cleanup(p.stop)

	deadline := time.Now().Add(15 * time.Second)
	for {
		p.conn, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ctrl))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("baresip control port never opened: %v\n%s", err, p.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.r = bufio.NewReader(p.conn)
	go p.readEvents()
	return p
}

// freeTCPPair returns a port whose TCP port and the next one (baresip's TLS
// listener) were free a moment ago.
func freeTCPPair(t *testing.T) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port+1))
		l.Close()
		if err != nil {
			continue
		}
		l2.Close()
		return port
	}
	t.Fatal("no free port pair")
	return 0
}

func (p *phone) log() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "log"))
	return string(b)
}

func (p *phone) readEvents() {
	for {
		n, err := p.r.ReadString(':')
		if err != nil {
			return
		}
		size, err := strconv.Atoi(n[:len(n)-1])
		if err != nil || size > 1<<20 {
			return
		}
		buf := make([]byte, size+1)
		if _, err := io.ReadFull(p.r, buf); err != nil {
			return
		}
		var m map[string]any
		if json.Unmarshal(buf[:size], &m) == nil {
			p.mu.Lock()
			p.events = append(p.events, m)
			p.mu.Unlock()
		}
	}
}

// command sends a ctrl_tcp command.
func (p *phone) command(cmd, params string) {
	p.t.Helper()
	b, _ := json.Marshal(map[string]string{"command": cmd, "params": params, "token": cmd})
	if _, err := fmt.Fprintf(p.conn, "%d:%s,", len(b), b); err != nil {
		p.t.Fatalf("baresip %s: %v", cmd, err)
	}
}

// waitFor polls the events and responses until match returns true.
func (p *phone) waitFor(what string, timeout time.Duration, match func(map[string]any) bool) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		for _, e := range p.events {
			if match(e) {
				p.mu.Unlock()
				return
			}
		}
		p.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.t.Fatalf("baresip %s: no %s within %s; events: %v\nlog:\n%s", p.sipURI, what, timeout, p.events, p.log())
}

// waitRegistered polls reginfo until the account shows OK.
func (p *phone) waitRegistered() {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		p.command("reginfo", "")
		time.Sleep(200 * time.Millisecond)
		p.mu.Lock()
		for _, e := range p.events {
			if e["response"] == true && e["token"] == "reginfo" && strings.Contains(fmt.Sprint(e["data"]), "OK") {
				p.mu.Unlock()
				return
			}
		}
		p.events = nil
		p.mu.Unlock()
	}
	p.t.Fatalf("baresip %s never registered:\n%s", p.sipURI, p.log())
}

func eventType(typ string) func(map[string]any) bool {
	return func(e map[string]any) bool { return e["event"] == true && e["type"] == typ }
}

func (p *phone) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	if p.conn != nil {
		p.command("quit", "")
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}

// heard returns the samples of the newest recording of what the phone
// heard (sndfile's *-dec.wav).
func (p *phone) heard() []int16 {
	p.t.Helper()
	files, _ := filepath.Glob(filepath.Join(p.dir, "rec", "*-dec.wav"))
	if len(files) == 0 {
		p.t.Fatalf("baresip %s recorded nothing:\n%s", p.sipURI, p.log())
	}
	data, err := os.ReadFile(files[len(files)-1])
	if err != nil || len(data) < 44 {
		p.t.Fatalf("recording %s: %v", files[len(files)-1], err)
	}
	pcm := data[44:]
	out := make([]int16, len(pcm)/2)
	for i := range out {
		out[i] = int16(uint16(pcm[2*i]) | uint16(pcm[2*i+1])<<8)
	}
	return out
}

// toneLevel is the Goertzel power of freq in samples (8 kHz), relative to
// the total power: close to 1 for a pure tone at freq, near 0 otherwise.
func toneLevel(samples []int16, freq float64) float64 {
	if len(samples) == 0 {
		return 0
	}
	k := 2 * math.Cos(2*math.Pi*freq/8000)
	var s1, s2, total float64
	for _, v := range samples {
		x := float64(v)
		s := x + k*s1 - s2
		s2, s1 = s1, s
		total += x * x
	}
	power := s1*s1 + s2*s2 - k*s1*s2
	if total == 0 {
		return 0
	}
	return 2 * power / (float64(len(samples)) * total)
}

func TestTwoBaresipPhonesTalkThroughTheAppliance(t *testing.T) {
	peertest.Binary(t, "baresip")
	data := t.TempDir()
	mustCLI(t, "--data", data, "extension", "add", "1001", "--password", "alice-pass1")
	mustCLI(t, "--data", data, "extension", "add", "1002", "--password", "bob-pass22")
	srv := startServer(t, nil, binPath, data)

	alice := newPhone(t, "1001", "alice-pass1", srv.sipPort, 440)
	bob := newPhone(t, "1002", "bob-pass22", srv.sipPort, 1000)
	alice.waitRegistered()
	bob.waitRegistered()

	alice.command("dial", fmt.Sprintf("sip:1002@127.0.0.1:%d", srv.sipPort))
	alice.waitFor("CALL_ESTABLISHED", 15*time.Second, eventType("CALL_ESTABLISHED"))
	bob.waitFor("CALL_ESTABLISHED", 15*time.Second, eventType("CALL_ESTABLISHED"))
	time.Sleep(3 * time.Second) // let audio flow both ways
	alice.command("hangup", "")
	bob.waitFor("CALL_CLOSED", 15*time.Second, eventType("CALL_CLOSED"))
	alice.stop()
	bob.stop()

	// Skip the first half second (jitter buffer start) and check each side
	// heard the other's tone, not its own.
	checkTone := func(name string, s []int16, want, other float64) {
		if len(s) > 4000 {
			s = s[4000:]
		}
		got, wrong := toneLevel(s, want), toneLevel(s, other)
		t.Logf("%s heard %.0f Hz at %.2f of its power (%.0f Hz: %.2f), %d samples", name, want, got, other, wrong, len(s))
		if got < 0.5 || wrong > 0.1 {
			t.Errorf("%s did not hear the %.0f Hz tone clearly: level %.2f, own tone %.2f\nserver:\n%s", name, want, got, wrong, srv.output())
		}
	}
	checkTone("bob", bob.heard(), 440, 1000)
	checkTone("alice", alice.heard(), 1000, 440)

	// Twenty milliseconds a packet for seconds each way: the CDR counts the
	// anchored media in both directions.
	rec := lastCDR(t, data)
	for _, col := range []string{"packets_a_to_b", "packets_b_to_a"} {
		if n, err := strconv.Atoi(rec[col]); err != nil || n < 50 {
			t.Errorf("CDR %s = %q, want the relayed packets (≥ 50)", col, rec[col])
		}
	}
	out := mustCLI(t, "--data", data, "cdr", "list")
	if !strings.Contains(out, "1001") || !strings.Contains(out, "1002") || !strings.Contains(out, "answered") || !strings.Contains(out, "caller hung up") {
		t.Errorf("cdr list lacks the answered call:\n%s\nserver:\n%s", out, srv.output())
	}
}
