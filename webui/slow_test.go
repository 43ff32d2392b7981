package webui

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/webui/auth"
)

// serving starts the panel configured by cfg on 127.0.0.1:0 and returns
// it and its address; the server stops with the test.
func serving(t *testing.T, cfg Config) (*fixture, string) {
	t.Helper()
	f := newFixture(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	if err := f.s.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return f, f.s.Addr().String()
}

// dial connects to addr; the connection is closed with the test, and
// fails its reads and writes after 10 s at the latest.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	return dialFrom(t, "", addr)
}

// dialFrom is dial from the local address ip ("" for any).
func dialFrom(t *testing.T, ip, addr string) net.Conn {
	t.Helper()
	var d net.Dialer
	if ip != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(ip)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// closedByServer reads c until the server closes it, and fails when the
// guard deadline of dial comes first.
func closedByServer(t *testing.T, c net.Conn) string {
	t.Helper()
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open (read %q)", b)
	}
	return string(b)
}

// trickle writes s a byte at a time until the server stops reading it or
// s ends; it returns when done.
func trickle(c net.Conn, s string) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range len(s) {
			if _, err := c.Write([]byte{s[i]}); err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return done
}

// TestSlowClients: the panel's HTTP server cuts off a client trickling its
// header (slowloris) or its body, closes a kept-alive connection left
// idle, and refuses an oversized header.
func TestSlowClients(t *testing.T) {
	const short = 200 * time.Millisecond
	_, addr := serving(t, Config{ReadHeaderTimeout: short, BodyTimeout: short, IdleTimeout: short})
	t.Run("header trickled", func(t *testing.T) {
		c := dial(t, addr)
		done := trickle(c, "GET /login HTTP/1.1\r\nHost: x\r\n"+strings.Repeat("X-Slow: 1\r\n", 40))
		closedByServer(t, c)
		c.Close()
		<-done
	})
	t.Run("body trickled", func(t *testing.T) {
		c := dial(t, addr)
		body := strings.Repeat("username=a&", 40)
		if _, err := io.WriteString(c, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		done := trickle(c, body)
		closedByServer(t, c)
		c.Close()
		<-done
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		c := dial(t, addr)
		br := bufio.NewReader(c)
		if status := exchange(t, c, br, "GET /login HTTP/1.1\r\nHost: x\r\n\r\n"); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		if _, err := br.Peek(1); !errors.Is(err, io.EOF) {
			t.Fatalf("idle connection: %v, want EOF", err)
		}
	})
	t.Run("huge header", func(t *testing.T) {
		c := dial(t, addr)
		done := make(chan struct{})
		go func() {
			defer close(done)
			io.WriteString(c, "GET /login HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", maxHeaderBytes+8192)+"\r\n\r\n")
		}()
		defer func() { c.Close(); <-done }()
		if got := closedByServer(t, c); !strings.HasPrefix(got, "HTTP/1.1 431") {
			t.Fatalf("answer %.80q, want 431", got)
		}
	})
	t.Run("body in time", func(t *testing.T) {
		c := dial(t, addr)
		req := "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 30\r\n\r\nusername=nobody&password=wrong"
		if status := exchange(t, c, bufio.NewReader(c), req); status >= 500 {
			t.Fatalf("status %d", status)
		}
	})
}

// exchange writes req on c and returns the status of the answer read
// from br (c's reader), its body read.
func exchange(t *testing.T, c net.Conn, br *bufio.Reader, req string) int {
	t.Helper()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestBodyDeadlineLifted: once a body is read, its deadline no longer
// applies (net/http lifts it): a handler answering after it keeps its
// request and connection.
func TestBodyDeadlineLifted(t *testing.T) {
	const timeout = 50 * time.Millisecond
	srv := httptest.NewServer(bodyDeadline(timeout, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case <-r.Context().Done():
			http.Error(w, "cancelled", http.StatusInternalServerError)
		case <-time.After(6 * timeout):
			io.WriteString(w, "done")
		}
	})))
	defer srv.Close()
	res, err := srv.Client().Post(srv.URL, "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "done" {
		t.Fatalf("answer %d %q, want done", res.StatusCode, b)
	}
}

// TestConnectionsPerAddress: an address holding MaxConnsPerIP connections
// has its next one closed at once; a connection closed gives its place
// back.
func TestConnectionsPerAddress(t *testing.T) {
	_, addr := serving(t, Config{MaxConnsPerIP: 3})
	var held []net.Conn
	for range 3 {
		c := dial(t, addr)
		br := bufio.NewReader(c)
		if status := exchange(t, c, br, "GET /login HTTP/1.1\r\nHost: x\r\n\r\n"); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		held = append(held, c)
	}
	if got := closedByServer(t, dial(t, addr)); got != "" {
		t.Fatalf("fourth connection answered %.80q", got)
	}
	held[0].Close()
	waitPlace(t, addr)
}

// TestConnectionsTotal: once MaxConns connections are open, whatever
// their addresses (127.0.0.1, .2 and .3 here, each under MaxConnsPerIP),
// the next is closed at once; a connection closed gives its place back.
func TestConnectionsTotal(t *testing.T) {
	_, addr := serving(t, Config{MaxConns: 3, MaxConnsPerIP: 2})
	var held []net.Conn
	for _, ip := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.2"} {
		c := dialFrom(t, ip, addr)
		if status := exchange(t, c, bufio.NewReader(c), "GET /login HTTP/1.1\r\nHost: x\r\n\r\n"); status != http.StatusOK {
			t.Fatalf("%s: status %d", ip, status)
		}
		held = append(held, c)
	}
	if got := closedByServer(t, dialFrom(t, "127.0.0.3", addr)); got != "" {
		t.Fatalf("fourth connection answered %.80q", got)
	}
	held[1].Close()
	waitPlace(t, addr)
}

// waitPlace waits up to 5 s for a connection to addr to be served, and
// returns once that connection has given its place back.
func waitPlace(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := dial(t, addr)
		// Connection: close, and read to the end: the server gives the
		// probe's place back before it closes, so once the end is read the
		// place is free for the caller's next connection.
		_, err := io.WriteString(c, "GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if err == nil {
			if res, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
				res.Body.Close()
				closedByServer(t, c)
				c.Close()
				return
			}
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("no place for a new connection")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestEventStreamClientNotReading: a supervisor's event stream whose
// client reads nothing ends after EventWriteTimeout and frees its
// connection (the only one its address may hold here).
func TestEventStreamClientNotReading(t *testing.T) {
	f, addr := serving(t, Config{MaxConnsPerIP: 1, EventWriteTimeout: 100 * time.Millisecond})
	sup := f.login(t, "sup1", auth.RoleSupervisor)
	c := dial(t, addr)
	if err := c.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nCookie: "+sup.cookie.String()+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, ": connected") {
			break
		}
	}
	// Far more than the socket buffers hold, none of it read.
	big := strings.Repeat("e", 64<<10)
	for range 200 {
		f.bus.Publish("wallboard", big)
	}
	waitPlace(t, addr)
}
