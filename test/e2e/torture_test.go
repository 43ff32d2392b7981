package e2e

import (
	"bufio"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// tortureCase is one message of RFC 4475 (testdata/torture/NAME.dat) and
// the answers the appliance, a registrar and B2BUA that challenges every
// REGISTER and INVITE, may give it: a status code, "drop" (no answer; the
// RFC allows it for responses matching no transaction and for datagrams
// that cannot be parsed) or, over TCP only, "closed" (the connection is
// closed: a stream whose framing is broken has no message boundary left).
type tortureCase struct {
	name, section string
	udp, tcp      []string
}

// Answers shared by many cases.
var (
	dropped    = []string{"drop"}
	badRequest = []string{"400", "drop"}
	badStream  = []string{"400", "closed"}
)

// tortureCases lists RFC 4475 §3.1.1 (valid), §3.1.2 (invalid syntax),
// §3.2 (transaction layer) and §3.3 (application layer) messages.
var tortureCases = []tortureCase{
	// §3.1.1: valid messages get the answer their method gets.
	// sipgo reads wsinv's "tag = 98asjd8" as a parameter named "tag " and,
	// the branch lacking the RFC 3261 cookie, answers 400 itself for want
	// of a From tag to key the transaction with.
	{"wsinv", "3.1.1.1 short tortuous INVITE", []string{"407", "400"}, []string{"407", "400"}},
	{"intmeth", "3.1.1.2 wide range of valid characters", []string{"405", "501"}, []string{"405", "501"}},
	{"esc01", "3.1.1.3 valid use of % escaping", []string{"407"}, []string{"407"}},
	{"escnull", "3.1.1.4 escaped nulls in URIs", []string{"401"}, []string{"401"}},
	{"esc02", "3.1.1.5 use of % when it is not an escape", []string{"405", "501"}, []string{"405", "501"}},
	{"lwsdisp", "3.1.1.6 message with no LWS between display name and <", []string{"200"}, []string{"200"}},
	{"longreq", "3.1.1.7 long values in header fields", []string{"407"}, []string{"407"}},
	// Over TCP dblreq is two messages, the second's body 5 bytes longer
	// than its Content-Length: the stream breaks and sipgo closes the
	// connection, its handlers racing the close.
	{"dblreq", "3.1.1.8 extra trailing octets in a UDP datagram", []string{"401"}, []string{"401", "closed"}},
	{"semiuri", "3.1.1.9 semicolon-separated parameters in URI user part", []string{"200"}, []string{"200"}},
	{"transports", "3.1.1.10 varied and unknown transport types", []string{"200"}, []string{"200"}},
	{"mpart01", "3.1.1.11 multipart MIME message", []string{"405", "501"}, []string{"405", "501"}},
	{"unreason", "3.1.1.12 unusual reason phrase", dropped, dropped},
	{"noreason", "3.1.1.13 empty reason phrase", dropped, dropped},
	// §3.1.2: invalid syntax gets 400, or is dropped when it cannot be
	// parsed at all.
	{"badinv01", "3.1.2.1 extraneous header field separators", badRequest, badStream},
	{"clerr", "3.1.2.2 Content-Length larger than message", badRequest, []string{"400", "closed", "drop"}},
	{"ncl", "3.1.2.3 negative Content-Length", badRequest, badStream},
	{"scalar02", "3.1.2.4 request scalar fields with overlarge values", badRequest, badStream},
	{"scalarlg", "3.1.2.5 response scalar fields with overlarge values", dropped, []string{"drop", "closed"}},
	{"quotbal", "3.1.2.6 unterminated quoted string in display name", badRequest, badStream},
	{"ltgtruri", "3.1.2.7 <> enclosing Request-URI", badRequest, badStream},
	{"lwsruri", "3.1.2.8 malformed Request-URI (embedded LWS)", badRequest, badStream},
	{"lwsstart", "3.1.2.9 multiple SP separating Request-Line elements", badRequest, badStream},
	{"trws", "3.1.2.10 SP characters at end of Request-Line", badRequest, badStream},
	// The RFC lets an element ignore escruri's escaped headers and infer
	// regbadct's angle brackets.
	{"escruri", "3.1.2.11 escaped headers in SIP Request-URI", []string{"400", "407"}, []string{"400", "407"}},
	{"baddate", "3.1.2.12 invalid time zone in Date header field", []string{"400", "407", "drop"}, []string{"400", "407", "closed"}},
	{"regbadct", "3.1.2.13 failure to enclose name-addr URI in <>", []string{"400", "401"}, []string{"400", "401"}},
	{"badaspec", "3.1.2.14 spaces within addr-spec", badRequest, badStream},
	// A stream parser that cannot finish baddn's header waits for more.
	{"baddn", "3.1.2.15 non-token characters in display name", badRequest, []string{"400", "closed", "drop"}},
	{"badvers", "3.1.2.16 unknown protocol version", []string{"505", "400", "drop"}, []string{"505", "400", "closed"}},
	{"mismatch01", "3.1.2.17 start line and CSeq method mismatch", badRequest, badStream},
	{"mismatch02", "3.1.2.18 unknown method with CSeq method mismatch", badRequest, badStream},
	{"bigcode", "3.1.2.19 overlarge response code", dropped, []string{"drop", "closed"}},
	// §3.2: a pre-RFC 3261 branch is still a request to answer.
	{"badbranch", "3.2.1 missing transaction identifier", []string{"200"}, []string{"200"}},
	// §3.3: what a registrar and UAS make of well-formed but odd requests.
	{"insuf", "3.3.1 missing required header fields", badRequest, badStream},
	{"unkscm", "3.3.2 Request-URI with unknown scheme", []string{"416", "400", "drop"}, []string{"416", "400", "closed"}},
	{"novelsc", "3.3.3 Request-URI with known but atypical scheme", []string{"416", "400", "drop"}, []string{"416", "400", "closed"}},
	{"unksm2", "3.3.4 unknown URI schemes in header fields", []string{"401", "400", "drop"}, []string{"401", "400", "closed"}},
	{"bext01", "3.3.5 Proxy-Require and Require", []string{"420"}, []string{"420"}},
	{"invut", "3.3.6 unknown Content-Type", []string{"415", "407"}, []string{"415", "407"}},
	{"regaut01", "3.3.7 unknown authorization scheme", []string{"401"}, []string{"401"}},
	{"multi01", "3.3.8 multiple values in single value required fields", badRequest, badStream},
	{"mcl01", "3.3.9 multiple Content-Length values", badRequest, badStream},
	{"bcast", "3.3.10 200 OK response with broadcast Via", dropped, dropped},
	{"zeromf", "3.3.11 Max-Forwards of zero", []string{"200", "483"}, []string{"200", "483"}},
	{"cparam01", "3.3.12 REGISTER with a contact header parameter", []string{"401"}, []string{"401"}},
	{"cparam02", "3.3.13 REGISTER with a url parameter", []string{"401"}, []string{"401"}},
	{"regescrt", "3.3.14 REGISTER with a URL escaped header", []string{"401"}, []string{"401"}},
	{"sdp01", "3.3.15 unacceptable Accept offering", []string{"407", "406"}, []string{"407", "406"}},
	// inv2543's From has no tag: sipgo cannot key an RFC 2543
	// transaction without it and answers 400.
	{"inv2543", "3.4.1 INVITE with RFC 2543 syntax", []string{"407", "400"}, []string{"407", "400", "closed"}},
}

// tortureWait is how long a message that may be dropped waits for its
// answer; silence after it counts as dropped. A message that must be
// answered waits up to answerWait (its answer ends the wait), so that a
// busy machine is not read as a drop.
const (
	tortureWait = 700 * time.Millisecond
	answerWait  = 5 * time.Second
)

// statusCode is the code of a response's status line ("SIP/2.0 200 OK"
// gives "200").
func statusCode(line string) string {
	f := strings.Fields(line)
	if len(f) < 2 {
		return line
	}
	return f[1]
}

// finalOf reads responses from r until a final one and returns its status
// line and the whole response, or "drop" at the deadline and "closed"
// when the peer closes.
func finalOf(r io.Reader, udp bool) (string, string) {
	buf := make([]byte, 65536)
	var stream []byte
	for {
		n, err := r.Read(buf)
		if udp {
			stream = nil
		}
		stream = append(stream, buf[:n]...)
		for {
			head, rest, ok := strings.Cut(string(stream), "\r\n\r\n")
			if !ok {
				break
			}
			line, _, _ := strings.Cut(head, "\r\n")
			stream = []byte(rest)
			if !strings.HasPrefix(line, "SIP/2.0 1") {
				return line, head
			}
		}
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return "drop", ""
		case err != nil:
			return "closed", ""
		}
	}
}

// topVia finds the sent-by host and port of a message's first Via, in
// any of the forms RFC 4475 tortures it into (compact name, LWS and line
// folds around the slashes).
var topVia = regexp.MustCompile(`(?i)(?:^|\r\n)(?:via|v)[ \t]*:[ \t]*SIP[ \t\r\n]*/[ \t\r\n]*[0-9.]+[ \t\r\n]*/[ \t\r\n]*[a-z]+[ \t\r\n]+([^;,\s]+)`)

// sentBy makes the first Via of data name 127.0.0.1:port: over UDP the
// answer goes to the Via's port (RFC 3261 §18.2.2), and the RFC's hosts
// are not ours.
func sentBy(data []byte, port int) []byte {
	m := topVia.FindSubmatchIndex(data)
	if m == nil {
		return data
	}
	out := slices.Clone(data[:m[2]])
	out = fmt.Appendf(out, "127.0.0.1:%d", port)
	return append(out, data[m[3]:]...)
}

// sendUDP sends data in one datagram from a fresh socket, its top Via
// naming that socket, and returns the final answer (see finalOf).
func sendUDP(t *testing.T, sipPort int, data []byte, wait time.Duration) (string, string) {
	t.Helper()
	c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sipPort})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(sentBy(data, c.LocalAddr().(*net.UDPAddr).Port)); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(wait))
	return finalOf(c, true)
}

// sendTCP sends data on a fresh connection and returns the final answer
// (see finalOf).
func sendTCP(t *testing.T, sipPort int, data []byte, wait time.Duration) (string, string) {
	t.Helper()
	c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", sipPort))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(data); err != nil {
		return "closed", ""
	}
	c.SetReadDeadline(time.Now().Add(wait))
	return finalOf(c, false)
}

// plainOptions is a well-formed OPTIONS over transport (UDP or TCP).
func plainOptions(transport string) []byte {
	id := time.Now().UnixNano()
	return fmt.Appendf(nil, "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/%s 127.0.0.1:9;branch=z9hG4bK-%d;rport\r\n"+
		"From: <sip:probe@127.0.0.1>;tag=%d\r\nTo: <sip:127.0.0.1>\r\nCall-ID: %d@torture\r\nCSeq: 1 OPTIONS\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", transport, id, id, id)
}

// alive fails the test unless the server runs and answers an OPTIONS over
// both transports.
func (s *server) alive(t *testing.T, after string) {
	t.Helper()
	select {
	case <-s.done:
		t.Fatalf("the server exited after %s:\n%s", after, s.output())
	default:
	}
	for _, tr := range []string{"UDP", "TCP"} {
		send := sendUDP
		if tr == "TCP" {
			send = sendTCP
		}
		if got, _ := send(t, s.sipPort, plainOptions(tr), 3*time.Second); got != "SIP/2.0 200 OK" {
			t.Fatalf("after %s, OPTIONS over %s answered %q:\n%s", after, tr, got, s.output())
		}
	}
}

// leaks reports what in a response or the server's output reveals a crash
// or an internal error.
func leaks(text string) string {
	for _, w := range []string{"panic", "goroutine ", "runtime error", "%!", "sip: ", "err="} {
		if strings.Contains(text, w) {
			return w
		}
	}
	return ""
}

func TestTortureMessages(t *testing.T) {
	srv := startServer(t, nil, binPath, t.TempDir())
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-11s %-5s %-40s %s\n", "message", "via", "answer", "RFC 4475")
	for _, tc := range tortureCases {
		data, err := os.ReadFile(filepath.Join("testdata", "torture", tc.name+".dat"))
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range []string{"UDP", "TCP"} {
			send, want := sendUDP, tc.udp
			if tr == "TCP" {
				send, want = sendTCP, tc.tcp
			}
			wait := answerWait
			if slices.Contains(want, "drop") {
				wait = tortureWait
			}
			line, head := send(t, srv.sipPort, data, wait)
			fmt.Fprintf(&table, "%-11s %-5s %-40.40s %s\n", tc.name, tr, line, tc.section)
			if !slices.Contains(want, statusCode(line)) && !slices.Contains(want, line) {
				t.Errorf("%s over %s (%s): answered %q, want one of %v", tc.name, tr, tc.section, line, want)
			}
			if w := leaks(line); w != "" || strings.HasPrefix(statusCode(line), "5") && statusCode(line) != "505" {
				t.Errorf("%s over %s: the answer %q shows an internal error:\n%s", tc.name, tr, line, head)
			}
			srv.alive(t, tc.name+" over "+tr)
		}
	}
	t.Log(table.String())
	sc := bufio.NewScanner(strings.NewReader(srv.output()))
	for sc.Scan() {
		if strings.Contains(sc.Text(), "panic") || strings.Contains(sc.Text(), "level=ERROR") {
			t.Errorf("server logged: %s", sc.Text())
		}
	}
}

// challengeParam finds a parameter of a digest challenge.
var challengeParam = regexp.MustCompile(`(realm|nonce|opaque|qop)="?([^",]*)"?`)

// register registers ext with password from localIP over network (udp4
// or tcp4) on a fresh socket; see registerOn.
func register(t *testing.T, sipPort int, network, localIP, ext, password string) string {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if network == "udp4" {
		d.LocalAddr = &net.UDPAddr{IP: net.ParseIP(localIP)}
	} else {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(localIP)}
	}
	c, err := d.Dial(network, fmt.Sprintf("127.0.0.1:%d", sipPort))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return registerOn(t, c, sipPort, ext, password)
}

// registerOn registers ext with password on c (UDP or TCP, connected to
// the appliance), which becomes the extension's contact, the way a phone
// does: REGISTER, 401, REGISTER with digest credentials. It returns the
// final status line.
func registerOn(t *testing.T, c net.Conn, sipPort int, ext, password string) string {
	t.Helper()
	uri := fmt.Sprintf("sip:127.0.0.1:%d", sipPort)
	transport, udp := "TCP", c.LocalAddr().Network() == "udp"
	if udp {
		transport = "UDP"
	}
	local := c.LocalAddr().String()
	req := func(cseq int, auth string) []byte {
		return fmt.Appendf(nil, "REGISTER %s SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=z9hG4bK-reg%d-%d\r\n"+
			"From: <sip:%s@127.0.0.1>;tag=t%d\r\nTo: <sip:%s@127.0.0.1>\r\nCall-ID: reg-%s\r\nCSeq: %d REGISTER\r\n"+
			"Contact: <sip:%s@%s;transport=%s>\r\nExpires: 300\r\nMax-Forwards: 70\r\n%sContent-Length: 0\r\n\r\n",
			uri, transport, local, cseq, time.Now().UnixNano(), ext, cseq, ext, local, cseq, ext, local, strings.ToLower(transport), auth)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(req(1, "")); err != nil {
		t.Fatal(err)
	}
	line, head := finalOf(c, udp)
	if statusCode(line) != "401" {
		return line
	}
	if _, err := c.Write(req(2, "Authorization: "+digestAnswer(head, "WWW-Authenticate", ext, password, "REGISTER", uri)+"\r\n")); err != nil {
		t.Fatal(err)
	}
	line, _ = finalOf(c, udp)
	return line
}

// digestAnswer answers the MD5 challenge in header of a response's head
// for method on uri (RFC 2617, qop auth when offered).
func digestAnswer(head, header, user, password, method, uri string) string {
	params := map[string]string{}
	for _, l := range strings.Split(head, "\r\n") {
		if name, v, _ := strings.Cut(l, ":"); strings.EqualFold(name, header) && strings.Contains(v, "MD5") {
			for _, m := range challengeParam.FindAllStringSubmatch(v, -1) {
				params[m[1]] = m[2]
			}
		}
	}
	md5hex := func(s string) string { return fmt.Sprintf("%x", md5.Sum([]byte(s))) }
	ha1 := md5hex(user + ":" + params["realm"] + ":" + password)
	ha2 := md5hex(method + ":" + uri)
	auth := fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=MD5`,
		user, params["realm"], params["nonce"], uri)
	if params["qop"] != "" {
		auth += fmt.Sprintf(`, qop=auth, nc=00000001, cnonce="c0ffee", response="%s"`,
			md5hex(ha1+":"+params["nonce"]+":00000001:c0ffee:auth:"+ha2))
	} else {
		auth += fmt.Sprintf(`, response="%s"`, md5hex(ha1+":"+params["nonce"]+":"+ha2))
	}
	if params["opaque"] != "" {
		auth += fmt.Sprintf(`, opaque="%s"`, params["opaque"])
	}
	return auth
}

// call has ext (password) call callee over UDP: INVITE with an offer,
// 407, INVITE with credentials. It returns once the second INVITE is
// sent, with a function that waits for the call's final answer, ACKs it
// and returns its status line.
func call(t *testing.T, sipPort int, ext, password, callee string) func() string {
	t.Helper()
	c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sipPort})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	local := c.LocalAddr().String()
	uri := fmt.Sprintf("sip:%s@127.0.0.1:%d", callee, sipPort)
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	invite := func(cseq int, auth string) []byte {
		return fmt.Appendf(nil, "INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-inv%d-%d;rport\r\n"+
			"From: <sip:%s@127.0.0.1>;tag=c%d\r\nTo: <sip:%s@127.0.0.1>\r\nCall-ID: call-%s\r\nCSeq: %d INVITE\r\n"+
			"Contact: <sip:%s@%s>\r\nMax-Forwards: 70\r\n%sContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
			uri, local, cseq, time.Now().UnixNano(), ext, cseq, callee, local, cseq, ext, local, auth, len(sdp), sdp)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(invite(1, "")); err != nil {
		t.Fatal(err)
	}
	line, head := finalOf(c, true)
	if statusCode(line) != "407" {
		t.Fatalf("INVITE without credentials answered %q", line)
	}
	if _, err := c.Write(invite(2, "Proxy-Authorization: "+digestAnswer(head, "Proxy-Authenticate", ext, password, "INVITE", uri)+"\r\n")); err != nil {
		t.Fatal(err)
	}
	return func() string {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		line, head := finalOf(c, true)
		ack := "ACK " + uri + " SIP/2.0\r\n"
		for _, l := range strings.Split(head, "\r\n")[1:] {
			name, _, _ := strings.Cut(l, ":")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "via", "from", "to", "call-id":
				ack += l + "\r\n"
			}
		}
		c.Write([]byte(ack + "CSeq: 2 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"))
		return line
	}
}

// busy waits for an INVITE on a phone's socket and answers it 486 Busy
// Here. It returns the INVITE's request line, or "" when none came within
// wait.
func busy(t *testing.T, phone net.Conn, wait time.Duration) string {
	t.Helper()
	phone.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 65536)
	for {
		n, err := phone.Read(buf)
		if err != nil {
			return ""
		}
		head, _, _ := strings.Cut(string(buf[:n]), "\r\n\r\n")
		lines := strings.Split(head, "\r\n")
		if !strings.HasPrefix(lines[0], "INVITE ") {
			continue
		}
		res := "SIP/2.0 486 Busy Here\r\n"
		for _, l := range lines[1:] {
			name, _, _ := strings.Cut(l, ":")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "via", "v", "from", "f", "call-id", "i", "cseq":
				res += l + "\r\n"
			case "to", "t":
				res += l + ";tag=busy\r\n"
			}
		}
		if _, err := phone.Write([]byte(res + "Content-Length: 0\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		return lines[0]
	}
}

// closedWithin reports whether the server closes c within wait.
func closedWithin(c net.Conn, wait time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 4096)
	for {
		_, err := c.Read(buf)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return false
		}
		if err != nil {
			return true
		}
	}
}

// rss is the resident memory of process pid in bytes.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for l := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// profiler reads a running appliance's Go profiler (serve --pprof).
type profiler string

// profiled starts the server on data with its Go profiler on a free
// loopback port.
func profiled(t *testing.T, data string) (*server, profiler) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", peertest.FreePorts(t, 1))
	return startServer(t, nil, binPath, data, "--pprof", addr), profiler(addr)
}

// get returns the lines of one of the profiler's pages.
func (p profiler) get(t *testing.T, page string) []string {
	t.Helper()
	res, err := http.Get("http://" + string(p) + page)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(body), "\n")
}

// goroutines counts the appliance's goroutines.
func (p profiler) goroutines(t *testing.T) int {
	t.Helper()
	first := p.get(t, "/debug/pprof/goroutine?debug=1")[0]
	n, err := strconv.Atoi(strings.TrimPrefix(first, "goroutine profile: total "))
	if err != nil {
		t.Fatalf("goroutine profile starts %q", first)
	}
	return n
}

// heap is the appliance's heap in use, in bytes, after a garbage
// collection: what it holds, not what it has yet to collect.
func (p profiler) heap(t *testing.T) int64 {
	t.Helper()
	for _, l := range p.get(t, "/debug/pprof/heap?gc=1&debug=1") {
		if v, ok := strings.CutPrefix(l, "# HeapInuse = "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no HeapInuse in the heap profile")
	return 0
}

// settles waits until the server runs at most limit goroutines and
// returns how many it runs then (more than limit after wait).
func settles(count func() int, limit int, wait time.Duration) int {
	deadline := time.Now().Add(wait)
	for {
		n := count()
		if n <= limit || time.Now().After(deadline) {
			return n
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// The server's TCP limits at their defaults (sip.TCPLimits).
const (
	tcpMessageTimeout = 10 * time.Second
	tcpPerSource      = 128
)

func TestTortureTCP(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "--data", data, "extension", "add", "1001", "--password", "right-pass1")
	srv, prof := profiled(t, data)
	goroutines := func() int { return prof.goroutines(t) }
	addr := fmt.Sprintf("127.0.0.1:%d", srv.sipPort)
	before, baseline := rss(t, srv.cmd.Process.Pid), goroutines()

	// Connections that each stall in their own way, all at once so the
	// waits overlap.
	const attacker = "127.0.0.6"
	dial := func(localIP string) net.Conn {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	head := "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-stall\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\n"
	stalls := map[string][]byte{
		"half a request":                      []byte(head),
		"Content-Length 60000, 10 bytes sent": []byte(head + "To: <sip:b@127.0.0.1>\r\nCall-ID: cl\r\nCSeq: 1 OPTIONS\r\nContent-Length: 60000\r\n\r\n0123456789"),
		"Content-Length 10^12":                []byte(head + "To: <sip:b@127.0.0.1>\r\nCall-ID: cl\r\nCSeq: 1 OPTIONS\r\nContent-Length: 1000000000000\r\n\r\n0123456789"),
		"1 MB header line":                    append([]byte(head+"X-Long: "), strings.Repeat("a", 1<<20)...),
		"one byte at a time":                  []byte("O"),
	}
	// closed tells when the server closed each stalled connection (or
	// that it did not within twice the message timeout).
	type closing struct {
		name string
		ok   bool
		took time.Duration
	}
	closed := make(chan closing, len(stalls)+1)
	var slow net.Conn
	start := time.Now()
	for name, b := range stalls {
		c := dial("127.0.0.1")
		if name == "one byte at a time" {
			slow = c
		}
		go c.Write(b) // the server may stop reading, leaving the write blocked until it closes
		go func() {
			ok := closedWithin(c, 2*tcpMessageTimeout)
			closed <- closing{name, ok, time.Since(start)}
		}()
	}
	// A slow sender that keeps feeding one byte a second must still be
	// closed once its message is overdue.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := slow.Write([]byte("P")); err != nil {
					return
				}
			}
		}
	}()
	// A peer that sends requests without ever reading the answers: once
	// the answers fill the connection's buffers the server stops taking
	// its requests and closes it. It writes until the server closes it,
	// 20,000 requests at most; their 4 KB Call-ID, copied into each
	// answer, fills the buffers in a few thousand.
	go func() {
		c := dial("127.0.0.8")
		pad := strings.Repeat("x", 4096)
		sent := 0
		for sent < 20000 {
			id := time.Now().UnixNano()
			if _, err := fmt.Fprintf(c, "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.8:9;branch=z9hG4bK-%d\r\n"+
				"From: <sip:a@127.0.0.8>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: %d%s@noread\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", id, id, pad); err != nil {
				break
			}
			sent++
		}
		closed <- closing{fmt.Sprintf("never reads (%d requests sent)", sent), sent < 20000, time.Since(start)}
	}()
	// 100 connections from another source that each announce a 60 KB body
	// and send 10 bytes of it: what sipgo holds for them meanwhile.
	const pinned = 100
	for range pinned {
		c := dial("127.0.0.7")
		go c.Write(stalls["Content-Length 60000, 10 bytes sent"])
	}
	// 500 idle connections from one source.
	var idle []net.Conn
	for range 500 {
		idle = append(idle, dial(attacker))
	}
	// A phone elsewhere registers meanwhile.
	if got := register(t, srv.sipPort, "tcp4", "127.0.0.1", "1001", "right-pass1"); got != "SIP/2.0 200 OK" {
		t.Fatalf("with 500 idle connections open, REGISTER over TCP answered %q:\n%s", got, srv.output())
	}
	closedAtOnce := 0
	for _, c := range idle {
		if closedWithin(c, 50*time.Millisecond) {
			closedAtOnce++
		}
	}
	t.Logf("500 idle connections from %s: %d closed at once (cap %d a source)", attacker, closedAtOnce, tcpPerSource)
	if closedAtOnce != 500-tcpPerSource {
		t.Errorf("%d of 500 idle connections from one source were closed at once, want %d", closedAtOnce, 500-tcpPerSource)
	}
	holding := rss(t, srv.cmd.Process.Pid)
	t.Logf("RSS %d MB while the stalled connections, %d holding a 60 KB body and %d idle ones, are open", holding>>20, pinned, tcpPerSource)
	if holding-before > 100<<20 {
		t.Errorf("RSS grew by %d MB while connections stalled", (holding-before)>>20)
	}
	for range len(stalls) + 1 {
		c := <-closed
		t.Logf("%-36s closed %v, %v after it was sent", c.name, c.ok, c.took.Round(100*time.Millisecond))
		if !c.ok {
			t.Errorf("%s: still open after %v", c.name, 2*tcpMessageTimeout)
		}
	}
	for i, c := range idle {
		if !closedWithin(c, 2*tcpMessageTimeout) {
			t.Fatalf("idle connection %d still open after %v", i, 2*tcpMessageTimeout)
		}
	}
	// Their source may connect again once they are gone.
	if got, _ := sendTCP(t, srv.sipPort, plainOptions("TCP"), 3*time.Second); got != "SIP/2.0 200 OK" {
		t.Fatalf("OPTIONS over TCP after the idle connections answered %q", got)
	}
	after := rss(t, srv.cmd.Process.Pid)
	left := settles(goroutines, baseline+3, 15*time.Second)
	t.Logf("RSS %d MB before, %d MB after; %d goroutines before, %d after", before>>20, after>>20, baseline, left)
	if after-before > 100<<20 {
		t.Errorf("RSS grew by %d MB", (after-before)>>20)
	}
	if left > baseline+3 {
		t.Errorf("%d goroutines before the abuse, %d after it", baseline, left)
	}
	srv.alive(t, "TCP abuse")
}

// TestTortureTCPViaNotDialled sends OPTIONS over TCP whose Via names
// another host, a listener of the test on 127.0.0.9, each connection reset
// as soon as its request is written: the appliance, finding the
// connection to answer on gone, must not connect to the Via's host (RFC
// 3261 §18.2.2 answers to the request's source, never to a host the
// message names; else any request could make it open connections anywhere)
// and says so once in its log.
func TestTortureTCPViaNotDialled(t *testing.T) {
	srv := startServer(t, nil, binPath, t.TempDir())
	target, err := net.Listen("tcp4", "127.0.0.9:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	accepted := make(chan string, 1)
	go func() {
		c, err := target.Accept()
		if err != nil {
			return
		}
		accepted <- c.RemoteAddr().String()
		c.Close()
	}()
	const refusal, requests = "refused to connect over TCP", 20
	port := target.Addr().(*net.TCPAddr).Port
	for range requests {
		c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", srv.sipPort))
		if err != nil {
			t.Fatal(err)
		}
		id := time.Now().UnixNano()
		fmt.Fprintf(c, "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.9:%d;branch=z9hG4bK-%d\r\n"+
			"From: <sip:a@127.0.0.1>;tag=%d\r\nTo: <sip:127.0.0.1>\r\nCall-ID: %d@via\r\nCSeq: 1 OPTIONS\r\n"+
			"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", port, id, id, id)
		c.(*net.TCPConn).SetLinger(0) // close with a reset
		c.Close()
	}
	if !logged(srv, refusal, 5*time.Second) {
		t.Errorf("no refused connect logged: none of %d requests found its connection gone by its answer?", requests)
	}
	select {
	case from := <-accepted:
		t.Fatalf("the appliance connected to the Via's host from %s", from)
	case <-time.After(3 * time.Second):
	}
	out := srv.output()
	if n := strings.Count(out, refusal); n > 1 {
		t.Errorf("the refused connects to 127.0.0.9 logged %d times, want once:\n%s", n, out)
	}
	srv.alive(t, "requests naming another host in their Via")
}

// TestTCPPhoneCalledAfterItsConnectionCloses registers a phone over TCP
// from 127.0.0.5, its Contact naming its own listener there, then closes
// the connection it registered on: a call to it still reaches it, the
// appliance connecting to the address it registered from (what its TCP
// dial policy allows besides trunks and recent sources).
func TestTCPPhoneCalledAfterItsConnectionCloses(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "--data", data, "extension", "add", "1001", "--password", "right-pass1")
	mustCLI(t, "--data", data, "extension", "add", "1002", "--password", "right-pass2")
	srv := startServer(t, nil, binPath, data)
	phone, err := net.Listen("tcp4", "127.0.0.5:0")
	if err != nil {
		t.Fatal(err)
	}
	defer phone.Close()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 5)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", srv.sipPort))
	if err != nil {
		t.Fatal(err)
	}
	if got := registerOn(t, contactConn{c, phone.Addr()}, srv.sipPort, "1001", "right-pass1"); got != "SIP/2.0 200 OK" {
		t.Fatalf("REGISTER over TCP answered %q:\n%s", got, srv.output())
	}
	c.Close()
	answer := call(t, srv.sipPort, "1002", "right-pass2", "1001")
	phone.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	in, err := phone.Accept()
	if err != nil {
		t.Fatalf("the appliance did not connect to the phone's contact: %v\n%s", err, srv.output())
	}
	defer in.Close()
	if got := busy(t, in, 5*time.Second); got == "" {
		t.Fatalf("no INVITE on the connection to the phone:\n%s", srv.output())
	}
	if got := answer(); statusCode(got) != "486" {
		t.Fatalf("the caller got %q, want the phone's 486", got)
	}
}

// contactConn is a connection whose local address, named in Via and
// Contact by registerOn, is the phone's listener.
type contactConn struct {
	net.Conn
	contact net.Addr
}

func (c contactConn) LocalAddr() net.Addr { return c.contact }

// logged reports whether the server's output has text within wait.
func logged(s *server, text string, wait time.Duration) bool {
	for deadline := time.Now().Add(wait); !strings.Contains(s.output(), text); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// garbage is what a UDP flood sends besides OPTIONS: noise, truncated and
// broken SIP, stray responses, RFC 4475's invalid messages.
func garbage(t *testing.T) [][]byte {
	t.Helper()
	out := [][]byte{
		[]byte("\x00\x01\x02\xff\xfe"),
		[]byte(strings.Repeat("A", 1400)),
		[]byte("INVITE sip:1001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9\r\n"),
		[]byte("REGISTER sip:127.0.0.1 SIP/2.0\r\nContent-Length: 999999\r\n\r\nshort"),
		[]byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKstray\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: stray\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"),
		[]byte("BYE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKbye\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: nodialog\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n"),
	}
	for _, name := range []string{"ncl", "badinv01", "scalar02", "bigcode", "mcl01", "insuf"} {
		b, err := os.ReadFile(filepath.Join("testdata", "torture", name+".dat"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestTortureUDPFlood(t *testing.T) {
	const (
		garbageCount   = 20000
		optionsCount   = 5000
		statelessCount = 10000 // MESSAGE and CANCEL
		sources        = 500   // source ports the flood comes from
	)
	data := t.TempDir()
	mustCLI(t, "--data", data, "extension", "add", "1001", "--password", "right-pass1")
	mustCLI(t, "--data", data, "extension", "add", "1002", "--password", "right-pass2")
	srv, prof := profiled(t, data)
	goroutines := func() int { return prof.goroutines(t) }
	phone, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: srv.sipPort})
	if err != nil {
		t.Fatal(err)
	}
	defer phone.Close()
	if got := registerOn(t, phone, srv.sipPort, "1001", "right-pass1"); got != "SIP/2.0 200 OK" {
		t.Fatalf("REGISTER before the flood answered %q", got)
	}
	pid := srv.cmd.Process.Pid
	before, logBefore, baseline, heapBefore := rss(t, pid), strings.Count(srv.output(), "\n"), goroutines(), prof.heap(t)

	junk := garbage(t)
	var conns []*net.UDPConn
	for range sources {
		c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: srv.sipPort})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	start := time.Now()
	sent := 0
	for i := range garbageCount + optionsCount + statelessCount {
		c := conns[i%sources]
		port := c.LocalAddr().(*net.UDPAddr).Port
		var msg []byte
		switch i % 7 {
		case 4:
			msg = sentBy(plainOptions("UDP"), port)
		case 5, 6:
			// Requests that reach no call: an unknown method (405) and a
			// CANCEL of nothing (481), each a new transaction.
			method := [...]string{"MESSAGE", "CANCEL"}[i%7-5]
			msg = fmt.Appendf(nil, "%s sip:1001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-f%d;rport\r\n"+
				"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:1001@127.0.0.1>\r\nCall-ID: f%d\r\nCSeq: 1 %s\r\nContent-Length: 0\r\n\r\n",
				method, port, i, i, method)
		default:
			msg = junk[i%len(junk)]
		}
		if _, err := c.Write(msg); err == nil {
			sent++
		}
		if i%2000 == 1999 {
			// The appliance reads one socket; pacing a little keeps the
			// test about what it does with the datagrams, not about the
			// kernel dropping them.
			time.Sleep(20 * time.Millisecond)
		}
	}
	took := time.Since(start)
	srv.alive(t, "the flood")
	if got := register(t, srv.sipPort, "udp4", "127.0.0.1", "1002", "right-pass2"); got != "SIP/2.0 200 OK" {
		t.Fatalf("REGISTER after the flood answered %q:\n%s", got, srv.output())
	}
	after, heapAfter := rss(t, pid), prof.heap(t)
	logged := strings.Count(srv.output(), "\n") - logBefore
	left := settles(goroutines, baseline+3, 15*time.Second)
	// The phone registered before the flood still gets a call.
	answer := call(t, srv.sipPort, "1002", "right-pass2", "1001")
	if got := busy(t, phone, 5*time.Second); got == "" {
		t.Fatalf("the phone got no INVITE after the flood:\n%s", srv.output())
	}
	if got := answer(); statusCode(got) != "486" {
		t.Errorf("the caller heard %q, want the phone's 486", got)
	}
	t.Logf("sent %d datagrams (%d garbage, %d OPTIONS, %d MESSAGE and CANCEL) from %d ports in %v; RSS %d MB before, %d MB after; heap in use %d MB before, %d MB after; %d log lines; %d goroutines before, %d after",
		sent, garbageCount, optionsCount, statelessCount, sources, took.Round(time.Millisecond), before>>20, after>>20,
		heapBefore>>20, heapAfter>>20, logged, baseline, left)
	// What the flood's transactions would hold through Timer J (32 s,
	// about 4 KB each) if they were kept.
	if heapAfter-heapBefore > 20<<20 {
		t.Errorf("the heap in use grew by %d MB", (heapAfter-heapBefore)>>20)
	}
	if left > baseline+3 {
		t.Errorf("%d goroutines before the flood, %d after it", baseline, left)
	}
	if after-before > 100<<20 {
		t.Errorf("RSS grew by %d MB", (after-before)>>20)
	}
	if logged > 100 {
		t.Errorf("the flood wrote %d log lines:\n%s", logged, srv.output())
	}
}
