package peertest

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
)

// Baresip is a headless baresip desk phone driven over its ctrl_tcp module
// (see shared/REAL-PEERS.md §1).
type Baresip struct {
	t      testing.TB
	dir    string
	sipURI string
	cmd    *exec.Cmd
	done   chan struct{}
	conn   net.Conn

	mu     sync.Mutex // guards events
	events []map[string]any
	r      *bufio.Reader
}

// StartBaresip starts baresip registered as ext to the appliance at sipPort,
// playing a tone of freq Hz as its microphone.
func StartBaresip(t testing.TB, ext, password string, sipPort int, freq int) *Baresip {
	t.Helper()
	bin := Binary(t, "baresip")
	sox := Binary(t, "sox")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.MkdirAll(filepath.Join(dir, "rec"), 0o755)
	mic := filepath.Join(dir, "mic.wav")
	if out, err := exec.Command(sox, "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", mic,
		"synth", "60", "sine", strconv.Itoa(freq), "vol", "0.5").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	sipListen := FreePorts(t, 2)
	ctrl := FreePorts(t, 1)
	rtp := FreePorts(t, 20)
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

	p := &Baresip{t: t, dir: dir, sipURI: fmt.Sprintf("sip:%s@127.0.0.1:%d", ext, sipPort), done: make(chan struct{})}
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
	t.Cleanup(p.Stop)

	deadline := time.Now().Add(15 * time.Second)
	for {
		p.conn, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ctrl))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("baresip control port never opened: %v\n%s", err, p.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.r = bufio.NewReader(p.conn)
	go p.readEvents()
	return p
}

// Log is baresip's output so far.
func (p *Baresip) Log() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "log"))
	return string(b)
}

func (p *Baresip) readEvents() {
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

// Command sends a ctrl_tcp command.
func (p *Baresip) Command(cmd, params string) {
	p.t.Helper()
	b, _ := json.Marshal(map[string]string{"command": cmd, "params": params, "token": cmd})
	if _, err := fmt.Fprintf(p.conn, "%d:%s,", len(b), b); err != nil {
		p.t.Fatalf("baresip %s: %v", cmd, err)
	}
}

// WaitFor polls the events and responses until match returns true.
func (p *Baresip) WaitFor(what string, timeout time.Duration, match func(map[string]any) bool) {
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
	p.t.Fatalf("baresip %s: no %s within %s; events: %v\nlog:\n%s", p.sipURI, what, timeout, p.events, p.Log())
}

// WaitRegistered polls reginfo until the account shows OK.
func (p *Baresip) WaitRegistered() {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		p.Command("reginfo", "")
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
	p.t.Fatalf("baresip %s never registered:\n%s", p.sipURI, p.Log())
}

// EventType matches the ctrl_tcp event of that type.
func EventType(typ string) func(map[string]any) bool {
	return func(e map[string]any) bool { return e["event"] == true && e["type"] == typ }
}

// Stop quits baresip, killing it after 5 s.
func (p *Baresip) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	if p.conn != nil {
		p.Command("quit", "")
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}

// Heard returns the samples of the newest recording of what the phone
// heard (sndfile's *-dec.wav).
func (p *Baresip) Heard() []int16 {
	p.t.Helper()
	files, _ := filepath.Glob(filepath.Join(p.dir, "rec", "*-dec.wav"))
	if len(files) == 0 {
		p.t.Fatalf("baresip %s recorded nothing:\n%s", p.sipURI, p.Log())
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

// ToneLevel is the Goertzel power of freq in samples (8 kHz), relative to
// the total power: close to 1 for a pure tone at freq, near 0 otherwise.
func ToneLevel(samples []int16, freq float64) float64 {
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
