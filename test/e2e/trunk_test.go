package e2e

import (
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/media/dtmf"
)

// The addresses playing the phone network: the provider and the FXO
// gateway are other hosts than the phones (127.0.0.1), as trunks are matched
// by source address; strangers have no trunk.
const (
	providerIP = "127.0.0.2"
	strangerIP = "127.0.0.3"
	gatewayIP  = "127.0.0.4"
)

// importConfig applies a YAML configuration to data with the CLI.
func importConfig(t *testing.T, data, yaml string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "--data", data, "config", "import", path)
}

// trunkSipp runs sipp on a scenario of test/e2e/testdata, or of
// sip/trunk/testdata when it starts with "trunk/", in dir.
func trunkSipp(t *testing.T, dir, scenario string, args ...string) func() error {
	t.Helper()
	path := filepath.Join("testdata", scenario)
	if name, ok := strings.CutPrefix(scenario, "trunk/"); ok {
		path = filepath.Join("..", "..", "sip", "trunk", "testdata", name)
	}
	return peertest.Sipp(t, dir, path, append([]string{"-timeout", "30"}, args...)...)
}

// providerUAS starts sipp as a provider on providerIP:port taking calls
// calls and waits until its port is bound.
func providerUAS(t *testing.T, scenario string, port, calls int) func() error {
	t.Helper()
	return providerUASIn(t, t.TempDir(), scenario, port, calls)
}

// providerUASIn is providerUAS running in dir (where its audio files are)
// with extra sipp arguments; with "-t t1" it serves TCP.
func providerUASIn(t *testing.T, dir, scenario string, port, calls int, extra ...string) func() error {
	t.Helper()
	args := append([]string{"-i", providerIP, "-p", strconv.Itoa(port),
		"-mi", providerIP, "-mp", strconv.Itoa(freeUDPPort(t)), "-m", strconv.Itoa(calls)}, extra...)
	wait := trunkSipp(t, dir, scenario, args...)
	tcp := slices.Contains(extra, "t1")
	for range 100 {
		var c io.Closer
		var err error
		if tcp {
			c, err = net.Listen("tcp4", fmt.Sprintf("%s:%d", providerIP, port))
		} else {
			c, err = net.ListenPacket("udp4", fmt.Sprintf("%s:%d", providerIP, port))
		}
		if err != nil {
			return wait
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("sipp %s never bound %s:%d", scenario, providerIP, port)
	return nil
}

// cdrs returns every CDR, newest first, as CSV fields keyed by column.
func cdrs(t *testing.T, data string) []map[string]string {
	t.Helper()
	out := mustCLI(t, "--data", data, "cdr", "export", "--csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("cdr export: %v\n%s", err, out)
	}
	var recs []map[string]string
	for _, row := range rows[1:] {
		rec := map[string]string{}
		for i, k := range rows[0] {
			rec[k] = row[i]
		}
		recs = append(recs, rec)
	}
	return recs
}

// closedCDRs waits until data holds n CDRs, all closed, and returns them
// newest first.
func closedCDRs(t *testing.T, data string, n int) []map[string]string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		recs := cdrs(t, data)
		open := 0
		for _, r := range recs {
			if r["ended_at"] == "" {
				open++
			}
		}
		if len(recs) == n && open == 0 {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d closed CDRs, have %d (%d open): %v", n, len(recs), open, recs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// writeUlaw writes 8 kHz G.711 µ-law audio for sipp's rtp_stream: the
// samples of each part in turn.
func writeUlaw(t *testing.T, path string, parts ...[]int16) {
	t.Helper()
	var pcm []byte
	for _, p := range parts {
		for _, s := range p {
			pcm = binary.LittleEndian.AppendUint16(pcm, uint16(s))
		}
	}
	if err := os.WriteFile(path, g711.EncodeUlaw(pcm), 0o644); err != nil {
		t.Fatal(err)
	}
}

// silence is d of silence at 8 kHz.
func silence(d time.Duration) []int16 { return make([]int16, int(d.Seconds()*8000)) }

// sine is d of a tone at freq Hz and 8 kHz.
func sine(freq float64, d time.Duration) []int16 {
	s := make([]int16, int(d.Seconds()*8000))
	for i := range s {
		s[i] = int16(8000 * math.Sin(2*math.Pi*freq*float64(i)/8000))
	}
	return s
}

// dtmfTone is the in-band tone of key held for d at 8 kHz.
func dtmfTone(t *testing.T, key rune, d time.Duration) []int16 {
	t.Helper()
	g, err := dtmf.NewToneGenerator(key, 5000, 8000)
	if err != nil {
		t.Fatal(err)
	}
	s := make([]int16, int(d.Seconds()*8000))
	g.Read(s)
	return s
}

// sendRaw sends one SIP message over UDP from a fresh socket on localIP and
// returns the status line of the first final response, or "" when none
// came within wait.
func sendRaw(t *testing.T, sipPort int, localIP, msg string, wait time.Duration) string {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(localIP)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg = strings.ReplaceAll(msg, "PORT", strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port))
	if _, err := c.WriteToUDP([]byte(msg), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sipPort}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	deadline := time.Now().Add(wait)
	for {
		c.SetReadDeadline(deadline)
		n, err := c.Read(buf)
		if err != nil {
			return ""
		}
		line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
		if !strings.HasPrefix(line, "SIP/2.0 1") {
			return line
		}
	}
}

func TestTrunkRegisterAndStatus(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	good, bad := freeUDPPort(t), freeUDPPort(t)
	importConfig(t, data, fmt.Sprintf(`trunks:
  - {name: provider, type: register, host: "%[1]s:%[2]d", username: u, password: p}
  - {name: suspended, type: register, host: "%[1]s:%[3]d", username: u, password: p}
`, providerIP, good, bad))
	// The provider challenges with 401 and grants 10 s, twice: the second
	// registration is the refresh, due 7.5 s after the first.
	waitGood := providerUAS(t, "trunk/provider_register.xml", good, 1)
	waitBad := providerUAS(t, "trunk/provider_reject.xml", bad, 1)
	srv := startServer(t, nil, binPath, data)

	status := func() map[string]string { return trunkStatus(t, data) }
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := status()
		if strings.Contains(st["provider"], "registered") && strings.Contains(st["suspended"], "failing") {
			t.Logf("trunk status:\n%s\n%s", st["provider"], st["suspended"])
			if !strings.Contains(st["suspended"], "403 Account Suspended") {
				t.Errorf("failing trunk's reason missing: %q", st["suspended"])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("trunk status never showed provider registered and suspended failing: %v\nserver:\n%s", st, srv.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	start := time.Now()
	if err := waitGood(); err != nil {
		t.Fatalf("provider did not see the authenticated refresh: %v\nserver:\n%s", err, srv.output())
	}
	t.Logf("refresh with digest auth completed %.1f s after the first registration was seen", time.Since(start).Seconds())
	if st := status(); !strings.Contains(st["provider"], "registered") {
		t.Errorf("after the refresh: %q", st["provider"])
	}
	if err := waitBad(); err != nil {
		t.Errorf("suspended provider: %v", err)
	}
}

func TestTrunkInboundCalls(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	importConfig(t, data, fmt.Sprintf(`extensions:
  - {number: "1002", password: callee-pass2}
trunks:
  - {name: provider, type: peer, host: "%s"}
  - {name: gateway, type: peer, host: "%s", dtmf: inband}
routes:
  inbound:
    - {did: "+33123456789", to: "extension:1002"}
    - {did: "+33123456700", to: "queue:support"}
    - {did: "+33999999999", to: "extension:1002", trunk: gateway}
`, providerIP, gatewayIP))
	srv := startServer(t, nil, binPath, data)
	answerAs1002 := func(t *testing.T) func() error { return sippCallee(t, srv, "1002", "callee-pass2") }
	// call runs the trunk side of a call to did from ip, streaming audio.
	call := func(t *testing.T, ip, did string, audio ...[]int16) func() error {
		callDir := t.TempDir()
		writeUlaw(t, filepath.Join(callDir, "audio.ulaw"), audio...)
		return trunkSipp(t, callDir, "trunk_provider_call.xml", fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", did,
			"-i", ip, "-p", strconv.Itoa(freeUDPPort(t)), "-mi", ip, "-mp", strconv.Itoa(freeUDPPort(t)), "-m", "1")
	}

	t.Run("DID rings the extension with anchored media", func(t *testing.T) {
		waitUAS := answerAs1002(t)
		if err := call(t, providerIP, "0123456789", sine(440, 2*time.Second))(); err != nil {
			t.Fatalf("provider's call failed: %v\nserver:\n%s", err, srv.output())
		}
		if err := waitUAS(); err != nil {
			t.Fatalf("extension 1002: %v", err)
		}
		rec := closedCDRs(t, data, 1)[0]
		t.Logf("CDR: %s → %s via %s (%s) %s, packets %s/%s", rec["caller"], rec["callee"], rec["trunk"], rec["trunk_number"],
			rec["disposition"], rec["packets_a_to_b"], rec["packets_b_to_a"])
		if rec["caller"] != "0612345678" || rec["callee"] != "1002" || rec["trunk"] != "provider" || rec["trunk_number"] != "+33123456789" ||
			rec["disposition"] != "answered" {
			t.Fatalf("CDR = %v", rec)
		}
		for _, col := range []string{"packets_a_to_b", "packets_b_to_a"} {
			if n, _ := strconv.Atoi(rec[col]); n < 50 {
				t.Errorf("CDR %s = %s: media not anchored both ways", col, rec[col])
			}
		}
	})

	t.Run("gateway's in-band DTMF reaches the appliance", func(t *testing.T) {
		waitUAS := answerAs1002(t)
		gap := silence(200 * time.Millisecond)
		audio := [][]int16{silence(500 * time.Millisecond)}
		for _, k := range "159#" {
			audio = append(audio, dtmfTone(t, k, 150*time.Millisecond), gap)
		}
		if err := call(t, gatewayIP, "0999999999", audio...)(); err != nil {
			t.Fatalf("gateway's call failed: %v\nserver:\n%s", err, srv.output())
		}
		if err := waitUAS(); err != nil {
			t.Fatalf("extension 1002: %v", err)
		}
		rec := closedCDRs(t, data, 2)[0]
		if rec["trunk"] != "gateway" || rec["trunk_number"] != "+33999999999" || rec["disposition"] != "answered" {
			t.Fatalf("CDR = %v", rec)
		}
		var got string
		for _, line := range strings.Split(srv.output(), "\n") {
			if strings.Contains(line, "digit from the caller") && strings.Contains(line, "trunk=gateway") {
				_, d, _ := strings.Cut(line, "digit=")
				got += strings.Trim(strings.Fields(d)[0], `"`)
			}
		}
		if got != "159#" {
			t.Fatalf("digits detected %q, want 159#\nserver:\n%s", got, srv.output())
		}
	})

	t.Run("queue destination that does not exist: 480", func(t *testing.T) {
		msg := invite("0123456700", providerIP)
		if got := sendRaw(t, srv.sipPort, providerIP, msg, 3*time.Second); !strings.HasPrefix(got, "SIP/2.0 480") {
			t.Fatalf("answered %q, want 480\nserver:\n%s", got, srv.output())
		}
		if rec := closedCDRs(t, data, 3)[0]; rec["disposition"] != "unavailable" || rec["callee"] != "queue:support" {
			t.Fatalf("CDR = %v", rec)
		}
	})

	t.Run("unknown sources and malformed INVITEs create no call", func(t *testing.T) {
		before := len(closedCDRs(t, data, 3))
		cases := []struct {
			name, msg, want string
		}{
			{"DID from a stranger", invite("0123456789", strangerIP), "SIP/2.0 403"},
			{"E.164 DID from a stranger", invite("+33999999999", strangerIP), "SIP/2.0 403"},
			{"stranger with forged credentials", strings.Replace(invite("0123456789", strangerIP), "Max-Forwards",
				`Proxy-Authorization: Digest username="1002", realm="switchboard.local", nonce="x", uri="sip:x", response="00"`+"\r\nMax-Forwards", 1), "SIP/2.0 40"},
			{"no Call-ID", strings.Replace(invite("0123456789", strangerIP), "Call-ID", "X-Call", 1), ""},
			{"no From", strings.Replace(invite("0123456789", strangerIP), "From:", "X-From:", 1), ""},
			{"bad Request-URI", strings.Replace(invite("0123456789", strangerIP), "INVITE sip:", "INVITE :::", 1), ""},
		}
		for _, c := range cases {
			got := sendRaw(t, srv.sipPort, strangerIP, c.msg, 2*time.Second)
			t.Logf("%s: %q", c.name, got)
			if got != "" && !strings.HasPrefix(got, "SIP/2.0 4") || c.want != "" && !strings.HasPrefix(got, c.want) {
				t.Errorf("%s: answered %q, want %q", c.name, got, c.want)
			}
		}
		if n := len(cdrs(t, data)); n != before {
			t.Errorf("%d CDRs after the refused INVITEs, want %d", n, before)
		}
		if !strings.Contains(srv.output(), "call from an unknown source refused") {
			t.Errorf("no log line about the unknown source:\n%s", srv.output())
		}
	})
}

// sippCallee registers a sipp UAS echoing RTP as extension ext, answering
// one call, and returns the wait for its end.
func sippCallee(t *testing.T, srv *server, ext, password string) func() error {
	t.Helper()
	uasPort := freeUDPPort(t)
	wait := trunkSipp(t, t.TempDir(), "uas_answer.xml", "-i", "127.0.0.1", "-p", strconv.Itoa(uasPort),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(freeUDPPort(t)), "-rtp_echo", "-m", "1")
	if err := sippRegisterContact(t, srv.sipPort, ext, password, "127.0.0.1", freeUDPPort(t), uasPort); err != nil {
		t.Fatalf("registering %s:\n%s", ext, srv.output())
	}
	return wait
}

// sippDial places calls calls from extension ext to number with sipp
// (trunk_uac.xml: answered calls last 1.5 s, refusals are fine) and returns
// its outcome.
func sippDial(t *testing.T, srv *server, ext, password, number string, calls int) error {
	t.Helper()
	csvPath := filepath.Join(t.TempDir(), "users.csv")
	line := fmt.Sprintf("SEQUENTIAL\n%s;[authentication username=%s password=%s]\n", ext, ext, password)
	if err := os.WriteFile(csvPath, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	return trunkSipp(t, t.TempDir(), "trunk_uac.xml", fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", number, "-inf", csvPath,
		"-i", "127.0.0.1", "-p", strconv.Itoa(freeUDPPort(t)), "-mi", "127.0.0.1", "-mp", strconv.Itoa(freeUDPPort(t)),
		"-m", strconv.Itoa(calls), "-l", strconv.Itoa(calls), "-r", "20")()
}

// trunkStatus returns the lines of `trunk status` by trunk name.
func trunkStatus(t *testing.T, data string) map[string]string {
	t.Helper()
	out := mustCLI(t, "--data", data, "trunk", "status")
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if f := strings.Fields(line); len(f) >= 2 {
			got[f[0]] = line
		}
	}
	return got
}

// invite is a provider-style INVITE to number from ip (PORT is the sending
// port), without credentials.
func invite(number, ip string) string {
	sdp := "v=0\r\no=- 1 1 IN IP4 " + ip + "\r\ns=-\r\nc=IN IP4 " + ip + "\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	return "INVITE sip:" + number + "@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + ip + ":PORT;branch=z9hG4bK-" + id + ";rport\r\n" +
		"From: <sip:0612345678@" + ip + ">;tag=" + id + "\r\n" +
		"To: <sip:" + number + "@127.0.0.1>\r\n" +
		"Call-ID: " + id + "@" + ip + "\r\n" +
		"CSeq: 1 INVITE\r\n" +
		"Contact: <sip:gw@" + ip + ":PORT>\r\n" +
		"Max-Forwards: 70\r\n" +
		"Content-Type: application/sdp\r\n" +
		"Content-Length: " + strconv.Itoa(len(sdp)) + "\r\n\r\n" + sdp
}

func TestTrunkOutboundCalls(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	primary, flaky, backup, busy := freeUDPPort(t), freeUDPPort(t), freeUDPPort(t), freeUDPPort(t)
	importConfig(t, data, fmt.Sprintf(`extensions:
  - {number: "1001", password: national-pw1}
  - {number: "1003", password: internal-pw3}
  - {number: "1004", password: intl-pass-4}
trunks:
  - {name: main, type: peer, host: "%[1]s:%[2]d", username: u, password: p, dids: ["+33100000000"]}
  - {name: flaky, type: peer, host: "%[1]s:%[3]d"}
  - {name: backup, type: peer, host: "%[1]s:%[4]d", username: u, password: p}
  - {name: busy, type: peer, host: "%[1]s:%[5]d"}
routes:
  outbound:
    - {pattern: "01XXXXXXXX", trunks: [main]}
    - {pattern: "02XXXXXXXX", trunks: [flaky, backup]}
    - {pattern: "03XXXXXXXX", trunks: [busy, backup]}
    - {pattern: "00.", trunks: [main]}
    - {pattern: "112", trunks: [main], emergency: true}
  international_allowlist: ["+44"]
permissions:
  - {extension: "1003", class: internal}
  - {extension: "1004", class: international, max_concurrent: 2}
`, providerIP, primary, flaky, backup, busy))
	srv := startServer(t, nil, binPath, data)
	users := map[string]string{"1001": "national-pw1", "1003": "internal-pw3", "1004": "intl-pass-4"}
	dial := func(t *testing.T, ext, number string, calls int) error {
		t.Helper()
		return sippDial(t, srv, ext, users[ext], number, calls)
	}
	total := 0
	check := func(t *testing.T, want map[string]string) {
		t.Helper()
		total++
		rec := closedCDRs(t, data, total)[0]
		t.Logf("CDR: %s → %s via %q (%s) %s %s (%s)", rec["caller"], rec["callee"], rec["trunk"], rec["trunk_number"],
			rec["disposition"], rec["sip_status"], rec["hangup_cause"])
		for k, v := range want {
			if rec[k] != v {
				t.Fatalf("CDR %s = %q, want %q: %v\nserver:\n%s", k, rec[k], v, rec, srv.output())
			}
		}
	}

	t.Run("answered through the trunk after its 407", func(t *testing.T) {
		waitP := providerUAS(t, "trunk_provider_answer.xml", primary, 1)
		if err := dial(t, "1001", "0123456789", 1); err != nil {
			t.Fatalf("extension's call: %v\nserver:\n%s", err, srv.output())
		}
		if err := waitP(); err != nil {
			t.Fatalf("provider: %v\nserver:\n%s", err, srv.output())
		}
		check(t, map[string]string{"caller": "1001", "callee": "0123456789", "trunk": "main", "trunk_number": "+33123456789",
			"disposition": "answered", "sip_status": "200", "hangup_cause": "caller hung up"})
	})

	t.Run("503 fails over to the next trunk", func(t *testing.T) {
		waitFlaky := providerUAS(t, "trunk/provider_503.xml", flaky, 1)
		waitBackup := providerUAS(t, "trunk_provider_answer.xml", backup, 1)
		if err := dial(t, "1001", "0223456789", 1); err != nil {
			t.Fatalf("extension's call: %v\nserver:\n%s", err, srv.output())
		}
		if err := waitFlaky(); err != nil {
			t.Fatalf("flaky provider: %v", err)
		}
		if err := waitBackup(); err != nil {
			t.Fatalf("backup provider: %v", err)
		}
		check(t, map[string]string{"trunk": "backup", "disposition": "answered", "trunk_number": "+33223456789"})
	})

	t.Run("486 does not fail over", func(t *testing.T) {
		waitBusy := providerUAS(t, "trunk/provider_486.xml", busy, 1)
		if err := dial(t, "1001", "0323456789", 1); err != nil {
			t.Fatalf("extension's call: %v\nserver:\n%s", err, srv.output())
		}
		if err := waitBusy(); err != nil {
			t.Fatalf("busy provider: %v", err)
		}
		check(t, map[string]string{"trunk": "busy", "disposition": "busy", "sip_status": "486"})
	})

	t.Run("internal class refused an external number", func(t *testing.T) {
		if err := dial(t, "1003", "0123456789", 1); err != nil {
			t.Fatalf("extension's call: %v\nserver:\n%s", err, srv.output())
		}
		check(t, map[string]string{"caller": "1003", "callee": "0123456789", "trunk": "", "disposition": "rejected", "sip_status": "403"})
	})

	t.Run("emergency number goes out from the internal class", func(t *testing.T) {
		waitP := providerUAS(t, "trunk_provider_answer.xml", primary, 1)
		if err := dial(t, "1003", "112", 1); err != nil {
			t.Fatalf("extension's call: %v\nserver:\n%s", err, srv.output())
		}
		if err := waitP(); err != nil {
			t.Fatalf("provider: %v", err)
		}
		check(t, map[string]string{"caller": "1003", "callee": "112", "trunk": "main", "disposition": "answered"})
	})

	t.Run("national class refused an international number", func(t *testing.T) {
		if err := dial(t, "1001", "0044201234567", 1); err != nil {
			t.Fatalf("extension's call: %v\nserver:\n%s", err, srv.output())
		}
		check(t, map[string]string{"caller": "1001", "callee": "0044201234567", "trunk": "", "disposition": "rejected", "sip_status": "403"})
	})

	t.Run("international destination off the allowlist refused", func(t *testing.T) {
		if err := dial(t, "1004", "0012125550100", 1); err != nil {
			t.Fatalf("extension's call: %v\nserver:\n%s", err, srv.output())
		}
		check(t, map[string]string{"caller": "1004", "trunk_number": "+12125550100", "trunk": "", "disposition": "rejected", "sip_status": "403"})
		if !strings.Contains(srv.output(), "international destination not allowed") {
			t.Errorf("no alert in the log:\n%s", srv.output())
		}
	})

	t.Run("burst of international calls trips the concurrent limit", func(t *testing.T) {
		waitP := providerUAS(t, "trunk_provider_answer.xml", primary, 2)
		if err := dial(t, "1004", "0044201234567", 3); err != nil {
			t.Fatalf("extension's calls: %v\nserver:\n%s", err, srv.output())
		}
		if err := waitP(); err != nil {
			t.Fatalf("provider: %v", err)
		}
		total += 3
		recs := closedCDRs(t, data, total)[:3]
		outcome := map[string]int{}
		for _, r := range recs {
			outcome[r["disposition"]+" "+r["sip_status"]]++
		}
		t.Logf("burst outcomes: %v", outcome)
		if outcome["answered 200"] != 2 || outcome["unavailable 503"] != 1 {
			t.Fatalf("burst outcomes %v, want 2 answered and 1 refused with 503\nserver:\n%s", outcome, srv.output())
		}
		if !strings.Contains(srv.output(), "tollfraud: limit tripped") {
			t.Errorf("no alert in the log:\n%s", srv.output())
		}
	})
}
