package webui

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// TestDownloadClientNotReading: a supervisor's client that asks for a
// large recording and reads nothing is dropped after DownloadWriteTimeout
// (its handler ends and its connection, the only one its address may
// hold here, is closed); a client that reads gets the whole file, its
// connection closed after it.
func TestDownloadClientNotReading(t *testing.T) {
	rec := t.TempDir()
	const size = 16 << 20 // far more than the socket buffers hold
	if err := os.WriteFile(filepath.Join(rec, "big.wav"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(rec, "big.wav"), size); err != nil {
		t.Fatal(err)
	}
	f, addr := serving(t, Config{Recordings: rec, MaxConnsPerIP: 1, DownloadWriteTimeout: time.Second})
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	addCDR(t, f.st, store.CDR{CallID: "a", Caller: "1001", Callee: "1002", StartedAt: day, AnsweredAt: day, EndedAt: day.Add(time.Minute),
		Disposition: "answered", Recording: "big.wav"})
	sup := f.login(t, "sup1", auth.RoleSupervisor)
	get := "GET /api/v1/cdrs/1/recording HTTP/1.1\r\nHost: x\r\nCookie: " + sup.cookie.String() + "\r\n\r\n"

	c := dial(t, addr)
	if err := c.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, get); err != nil {
		t.Fatal(err)
	}
	waitPlace(t, addr)

	c = dial(t, addr)
	if _, err := io.WriteString(c, get); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil || n != size || res.Header.Get("Content-Length") != strconv.Itoa(size) || !res.Close {
		t.Fatalf("read %d bytes (%v), headers %v, close %v; want %d and a closed connection", n, err, res.Header, res.Close, size)
	}
	if got := closedByServer(t, c); got != "" {
		t.Fatalf("after the download the connection answered %.80q", got)
	}
}

// TestDownloadRoutes: every download route writes under the download
// deadlines (its answer closes the connection).
func TestDownloadRoutes(t *testing.T) {
	f := newFixture(t, Config{Recordings: t.TempDir()})
	sup := f.login(t, "sup1", auth.RoleSupervisor)
	admin := f.login(t, "admin1", auth.RoleAdmin)
	for _, tc := range []struct {
		who  session
		path string
	}{
		{sup, "/api/v1/cdrs.csv"},
		{sup, "/api/v1/cdrs/1/recording"},
		{admin, "/api/v1/config"},
		{admin, "/api/v1/prompts/en/welcome.wav"},
		{admin, "/api/v1/prompts/music/default.wav"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			if w := f.do(t, tc.who, "GET", tc.path, "", "", false); w.Header().Get("Connection") != "close" {
				t.Fatalf("status %d, headers %v: not written as a download", w.Code, w.Header())
			}
		})
	}
	if w := f.do(t, sup, "GET", "/api/v1/cdrs", "", "", false); w.Header().Get("Connection") != "" {
		t.Fatalf("a JSON answer closes its connection: %v", w.Header())
	}
}
