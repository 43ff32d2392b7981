package e2e

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// TestRecordedExtension calls a recorded extension (1001, record: true)
// from one that is not (1002), two baresip phones each sending its own
// tone: the call's CDR names a stereo WAV with the caller's tone on the
// left and the callee's on the right, and the panel's API downloads the
// same file.
func TestRecordedExtension(t *testing.T) {
	peertest.Binary(t, "baresip")
	data := t.TempDir()
	importConfig(t, data, `extensions:
  - {number: "1001", password: alice-pass1, record: true}
  - {number: "1002", password: bob-pass22}
`)
	srv := startServer(t, nil, binPath, data)
	web := regexp.MustCompile(`web=(http://[0-9.:]+)/`).FindStringSubmatch(srv.output())
	if web == nil {
		t.Fatalf("no web address in:\n%s", srv.output())
	}
	token := adminToken(t, data)

	const callerTone, calleeTone = 1000, 440
	alice := peertest.StartBaresip(t, "1001", "alice-pass1", srv.sipPort, calleeTone)
	bob := peertest.StartBaresip(t, "1002", "bob-pass22", srv.sipPort, callerTone)
	alice.WaitRegistered()
	bob.WaitRegistered()
	talk(srv.sipPort, bob, alice, "1001")

	cdr := lastCDR(t, data)
	if cdr["caller"] != "1002" || cdr["callee"] != "1001" || cdr["recording"] == "" {
		t.Fatalf("CDR = %v, want 1002 → 1001 with a recording\nserver:\n%s", cdr, srv.output())
	}
	onDisk, err := os.ReadFile(filepath.Join(data, "recordings", cdr["recording"]))
	if err != nil {
		t.Fatalf("recording named in the CDR: %v", err)
	}
	req, _ := http.NewRequest("GET", web[1]+"/api/v1/cdrs/"+cdr["id"]+"/recording", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	wav, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(wav) != string(onDisk) {
		t.Fatalf("GET recording: %d, %d bytes, want the %d bytes on disk", res.StatusCode, len(wav), len(onDisk))
	}
	checkChannels(t, wav, callerTone, calleeTone)
}

// checkChannels checks that a recording of a 3 s call holds the caller's
// tone alone on the left and the callee's alone on the right, past its
// first second (call setup, jitter buffers).
func checkChannels(t *testing.T, wav []byte, callerTone, calleeTone float64) {
	t.Helper()
	left, right := stereo(t, wav)
	if len(left) < 16000 {
		t.Fatalf("recording holds %.1f s, want the 3 s call", float64(len(left))/8000)
	}
	left, right = left[8000:], right[8000:]
	for _, ch := range []struct {
		name          string
		samples       []int16
		want, another float64
	}{{"left (caller)", left, callerTone, calleeTone}, {"right (callee)", right, calleeTone, callerTone}} {
		got, wrong := peertest.ToneLevel(ch.samples, ch.want), peertest.ToneLevel(ch.samples, ch.another)
		t.Logf("%s: %.0f Hz at %.2f of its power, %.0f Hz at %.2f", ch.name, ch.want, got, ch.another, wrong)
		if got < 0.5 || wrong > 0.1 {
			t.Errorf("%s channel: %.0f Hz at %.2f, %.0f Hz at %.2f: want its own phone's tone alone", ch.name, ch.want, got, ch.another, wrong)
		}
	}
}

// talk has caller dial number on the appliance at sipPort, lets the two
// phones talk for 3 s once both see the call established, hangs up on the
// caller's side and stops both phones once the callee saw the end.
func talk(sipPort int, caller, callee *peertest.Baresip, number string) {
	caller.Command("dial", fmt.Sprintf("sip:%s@127.0.0.1:%d", number, sipPort))
	caller.WaitFor("CALL_ESTABLISHED", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	callee.WaitFor("CALL_ESTABLISHED", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	time.Sleep(3 * time.Second) // let audio flow both ways
	caller.Command("hangup", "")
	callee.WaitFor("CALL_CLOSED", 15*time.Second, peertest.EventType("CALL_CLOSED"))
	caller.Stop()
	callee.Stop()
}

// stereo splits a 16-bit stereo WAV with a 44-byte header into its
// channels.
func stereo(t *testing.T, wav []byte) (left, right []int16) {
	t.Helper()
	if len(wav) < 44 || string(wav[:4]) != "RIFF" || binary.LittleEndian.Uint16(wav[22:]) != 2 || binary.LittleEndian.Uint16(wav[34:]) != 16 {
		t.Fatalf("not a 16-bit stereo WAV: % x", wav[:min(len(wav), 44)])
	}
	pcm := wav[44:]
	for i := 0; i+4 <= len(pcm); i += 4 {
		left = append(left, int16(binary.LittleEndian.Uint16(pcm[i:])))
		right = append(right, int16(binary.LittleEndian.Uint16(pcm[i+2:])))
	}
	return left, right
}
