package e2e

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// ivrVoiceYAML has two flows on the same menu (ivrVoiceFlow): main behind
// a calendar open all week, night behind one whose holiday is today
// (%[1]s, UTC). The gateway trunk (in-band DTMF, %[2]s) reaches main by
// its DID.
const ivrVoiceYAML = `
extensions:
  - {number: "1001", password: caller-pass1}
agents:
  - {name: ann}
queues:
  - {name: sales, members: [ann]}
  - {name: operator, members: [ann]}
  - {name: closed, members: [ann]}
calendars:
  - {name: always, timezone: UTC, hours: {"mon-sun": "00:00-24:00"}}
  - {name: holiday, timezone: UTC, hours: {"mon-sun": "00:00-24:00"}, holidays: ["%[1]s"]}
trunks:
  - {name: gateway, type: peer, host: "%[2]s", dtmf: inband}
routes:
  inbound:
    - {did: "+33999999999", to: "flow:main", trunk: gateway}
flows:
`

// ivrVoiceFlow is flow %[1]s at number %[2]s: calendar %[3]s open leads to
// a menu whose 1 is sales and whose invalid fallback, after one retry, is
// the operator queue; closed leads to the closed queue.
const ivrVoiceFlow = `  - name: %[1]s
    number: "%[2]s"
    start: hours
    nodes:
      hours: {type: hours, calendar: %[3]s, open: welcome, closed: shut}
      welcome: {type: menu, prompt: welcome, title: "How can we help?", options: {"1": sales}, retries: 1, timeout: 6s, invalid: operator}
      sales: {type: queue, queue: sales, intent: buy}
      operator: {type: queue, queue: operator, intent: operator}
      shut: {type: queue, queue: closed, intent: closed}
`

// dtmfVia is how ivrKeys sends keys.
type dtmfVia int

const (
	viaRFC4733 dtmfVia = iota // telephone-events in the RTP (sipp's pcaps)
	viaINFO                   // SIP INFO application/dtmf-relay
)

// ivrKeys runs sipp as extension 1001 (password caller-pass1) calling
// number on srv: once answered it presses keys ('0'-'9', '*', '#') 1.5 s
// apart, sent via, stays hold more, then hangs up.
func ivrKeys(t *testing.T, srv *server, number, keys string, via dtmfVia, hold time.Duration) func() error {
	t.Helper()
	if _, err := os.Stat("/usr/share/sip-tester/dtmf_2833_star.pcap"); err != nil {
		peertest.Missing(t, "sipp's DTMF pcaps (Debian sip-tester)")
	}
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(users, []byte("SEQUENTIAL\n1001;[authentication username=1001 password=caller-pass1]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var play strings.Builder
	for i, k := range []rune(keys) {
		play.WriteString("  <pause milliseconds=\"1500\"/>\n")
		if via == viaRFC4733 {
			fmt.Fprintf(&play, "  <nop><action><exec play_pcap_audio=\"%s\"/></action></nop>\n", keyPcap(t, dir, k, i))
			continue
		}
		fmt.Fprintf(&play, infoKey, 10+i, string(k))
	}
	tmpl, err := os.ReadFile(filepath.Join("testdata", "uac_ivr_keys.xml"))
	if err != nil {
		t.Fatal(err)
	}
	marker := "  <!-- KEYS: the test puts a pause and a play_pcap_audio of each key here -->\n"
	scenario := filepath.Join(dir, "caller.xml")
	if err := os.WriteFile(scenario, []byte(strings.Replace(string(tmpl), marker, play.String(), 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return peertest.Sipp(t, dir, scenario, "-timeout", "40", "-i", "127.0.0.1", "-p", strconv.Itoa(freeUDPPort(t)),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(freeUDPPort(t)), "-m", "1", "-d", strconv.Itoa(int(hold.Milliseconds())),
		fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", number, "-inf", users)
}

// infoKey is a SIP INFO carrying one key (CSeq %[1]d, key %[2]s) and its
// 200, in sipp's scenario syntax.
const infoKey = `  <send retrans="500">
    <![CDATA[
      INFO [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: "Caller [field0]" <sip:[field0]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: %[1]d INFO
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal=%[2]s
      Duration=160
    ]]>
  </send>
  <recv response="200"/>
`

// keyPcap writes the i-th key of a sequence as a pcap in dir and returns
// its path: sipp's dtmf_2833 pcap of key with the RTP timestamps and
// sequence numbers moved past those of the keys before it. sipp replays a
// pcap's RTP headers as they are, and each file starts at its own fixed
// timestamp: a key repeated, or a key whose file starts earlier than the
// previous one's, would reach the appliance as a retransmission of an old
// event (RFC 4733 §2.5.1.2) and rightly be dropped.
func keyPcap(t *testing.T, dir string, key rune, i int) string {
	t.Helper()
	name := map[rune]string{'*': "star", '#': "pound"}[key]
	if name == "" {
		name = string(key)
	}
	b, err := os.ReadFile("/usr/share/sip-tester/dtmf_2833_" + name + ".pcap")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(b[20:]) != 1 {
		t.Fatalf("dtmf_2833_%s.pcap: not a little-endian Ethernet pcap", name)
	}
	for off := 24; off+16 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[off+8:]))
		pkt := b[off+16 : off+16+n]
		ip := pkt[14:]
		udp := ip[int(ip[0]&0x0f)*4:]
		udp[6], udp[7] = 0, 0 // no UDP checksum (IPv4): the payload changes
		rtp := udp[8:]
		binary.BigEndian.PutUint16(rtp[2:], binary.BigEndian.Uint16(rtp[2:])+uint16(1000*(i+1)))
		binary.BigEndian.PutUint32(rtp[4:], binary.BigEndian.Uint32(rtp[4:])+uint32(0x100000*(i+1)))
		off += 16 + n
	}
	path := filepath.Join(dir, fmt.Sprintf("key%d.pcap", i))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// funnelReport runs `report funnel FLOW` and returns its rows as
// "NODE FACE ENTERED LEFT CHOICES…" with single spaces, keyed by
// "NODE/FACE".
func funnelReport(t *testing.T, data, flow string) map[string]string {
	t.Helper()
	out := mustCLI(t, "--data", data, "report", "funnel", flow)
	t.Logf("funnel %s:\n%s", flow, out)
	rows := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) >= 4 {
			rows[f[0]+"/"+f[1]] = strings.Join(f, " ")
		}
	}
	return rows
}

// checkFunnel fails t unless the report of flow has exactly the rows want.
func checkFunnel(t *testing.T, data, flow string, want ...string) {
	t.Helper()
	got := funnelReport(t, data, flow)
	for _, w := range want {
		f := strings.Fields(w)
		key := f[0] + "/" + f[1]
		if got[key] != w {
			t.Errorf("funnel %s row %s = %q, want %q", flow, key, got[key], w)
		}
		delete(got, key)
	}
	for k, v := range got {
		t.Errorf("funnel %s has an unexpected row %s: %q", flow, k, v)
	}
}

// entered counts the distributor's entered events by queue.
func entered(evs []stats.Event) map[string]int {
	n := map[string]int{}
	for _, e := range evs {
		if e.Kind == stats.Entered {
			n[e.Queue]++
		}
	}
	return n
}

// TestIVRVoiceInvalidClosedAndInband runs three phone calls through the
// flows of a running appliance. A caller pressing 9 twice at a menu with
// one retry hears the menu again, then is handed to the menu's invalid
// fallback (the operator queue). A caller of the flow whose calendar has
// today as a holiday goes down the closed branch into the closed queue
// without hearing the menu. A gateway trunk with in-band DTMF streams a
// "1" tone as audio and its caller reaches the sales queue. The funnel
// report and the queues' entered events count exactly these three walks.
func TestIVRVoiceInvalidClosedAndInband(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	importConfig(t, data, fmt.Sprintf(ivrVoiceYAML, time.Now().UTC().Format(time.DateOnly), gatewayIP)+
		fmt.Sprintf(ivrVoiceFlow, "main", "800", "always")+fmt.Sprintf(ivrVoiceFlow, "night", "801", "holiday"))
	srv := startServer(t, nil, binPath, data)

	t.Run("invalid choice replays the menu, then the fallback runs", func(t *testing.T) {
		// A desk phone sending its keys as SIP INFO.
		if err := ivrKeys(t, srv, "800", "99", viaINFO, 2*time.Second)(); err != nil {
			t.Fatalf("caller: %v\nserver:\n%s", err, srv.output())
		}
		if n := entered(acdEvents(t, data, 2)); n["operator"] != 1 || len(n) != 1 {
			t.Fatalf("entered events by queue %v, want operator: 1\nserver:\n%s", n, srv.output())
		}
	})

	t.Run("after hours the caller gets the closed branch", func(t *testing.T) {
		if err := ivrKeys(t, srv, "801", "", viaRFC4733, 2*time.Second)(); err != nil {
			t.Fatalf("caller: %v\nserver:\n%s", err, srv.output())
		}
		if n := entered(acdEvents(t, data, 4)); n["closed"] != 1 || len(n) != 2 {
			t.Fatalf("entered events by queue %v, want operator: 1, closed: 1\nserver:\n%s", n, srv.output())
		}
	})

	t.Run("in-band DTMF from a gateway trunk reaches the right queue", func(t *testing.T) {
		audio := [][]int16{silence(1500 * time.Millisecond), dtmfTone(t, '1', 200*time.Millisecond), silence(time.Second)}
		callDir := t.TempDir()
		writeUlaw(t, filepath.Join(callDir, "audio.ulaw"), audio...)
		call := trunkSipp(t, callDir, "trunk_provider_call.xml", fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "0999999999",
			"-i", gatewayIP, "-p", strconv.Itoa(freeUDPPort(t)), "-mi", gatewayIP, "-mp", strconv.Itoa(freeUDPPort(t)), "-m", "1")
		if err := call(); err != nil {
			t.Fatalf("gateway's call: %v\nserver:\n%s", err, srv.output())
		}
		if n := entered(acdEvents(t, data, 6)); n["sales"] != 1 || len(n) != 3 {
			t.Fatalf("entered events by queue %v, want operator: 1, closed: 1, sales: 1\nserver:\n%s", n, srv.output())
		}
	})

	checkFunnel(t, data, "main",
		"hours voice 2 0",
		"welcome voice 2 0 1=1 invalid=2",
		"operator voice 1 0",
		"sales voice 1 0")
	checkFunnel(t, data, "night",
		"hours voice 1 0",
		"shut voice 1 0")
}
