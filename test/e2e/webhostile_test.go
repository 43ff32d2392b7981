package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// webHostileYAML is an appliance with a chat widget of its own origin and
// a contact page with an email form.
const webHostileYAML = `
agents: [{name: ann}]
queues: [{name: support, members: [ann]}]
chat:
  - {name: site, queue: support, origins: ["https://shop.example.com"]}
flows:
  - name: demo
    number: "800"
    phone: "+33 1 23 45 67 89"
    start: welcome
    nodes:
      welcome: {type: menu, prompt: welcome, title: "How can we help?", options: {"1": support, "2": write}, labels: {"1": help, "2": write}}
      support: {type: queue, queue: support, intent: help}
      write: {type: email-form, queue: support, intent: write, prompt: welcome, fallback: support}
`

// webClient sends requests to the running panel with the admin's token.
type webClient struct {
	t     *testing.T
	base  string
	token string
}

// do sends one request and returns its status and body (at most 1 MiB).
func (c webClient) do(method, path, ctype string, body io.Reader) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, string(b)
}

// up fails the test when the panel does not serve its login page.
func (c webClient) up(srv *server) {
	c.t.Helper()
	if code, _ := c.do("GET", "/login", "", nil); code != http.StatusOK {
		c.t.Fatalf("login page: status %d\n%s", code, srv.output())
	}
}

// TestWebHostileTraffic attacks a running appliance's web side as the
// internet would: slowloris connections and oversized headers, hostile
// bodies on every JSON route of openapi.json, escaping paths, a chat
// visitor flooding, sending oversized frames and opening chats in a loop,
// and a contact page fetched in a loop and posted header injections. The
// panel keeps serving throughout, and answers each with a 4xx, never a
// 5xx or a panic.
func TestWebHostileTraffic(t *testing.T) {
	data := t.TempDir()
	importConfig(t, data, webHostileYAML)
	srv := startServer(t, nil, binPath, data)
	web := regexp.MustCompile(`web=(http://[0-9.:]+)/`).FindStringSubmatch(srv.output())
	if web == nil {
		t.Fatalf("no web address in:\n%s", srv.output())
	}
	c := webClient{t: t, base: web[1], token: adminToken(t, data)}
	addr := strings.TrimPrefix(c.base, "http://")
	mustCLI(t, "--data", data, "agent", "login", "ann", "--channels", "chat")

	t.Run("slowloris", func(t *testing.T) {
		// 40 connections trickle a header that never ends: the panel
		// serves others meanwhile, and cuts them off after its header
		// timeout (10 s).
		var conns []net.Conn
		for range 40 {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			if _, err := io.WriteString(conn, "GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
		}
		c.up(srv)
		for i, conn := range conns {
			if _, err := io.ReadAll(conn); err != nil {
				t.Fatalf("connection %d: %v (not cut off by the server)", i, err)
			}
		}
	})

	t.Run("oversized header", func(t *testing.T) {
		req, _ := http.NewRequest("GET", c.base+"/login", nil)
		req.Header.Set("X-Big", strings.Repeat("a", 200<<10))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("status %d, want 431", res.StatusCode)
		}
	})

	t.Run("api bodies", func(t *testing.T) {
		code, doc := c.do("GET", "/api/v1/openapi.json", "", nil)
		if code != http.StatusOK {
			t.Fatalf("openapi.json: %d", code)
		}
		var spec struct {
			Paths map[string]map[string]struct {
				RequestBody *struct {
					Content map[string]any `json:"content"`
				} `json:"requestBody"`
			} `json:"paths"`
		}
		if err := json.Unmarshal([]byte(doc), &spec); err != nil {
			t.Fatalf("openapi.json: %v", err)
		}
		routes := 0
		for p, ops := range spec.Paths {
			path := "/api/v1" + regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(p, "9")
			for m, op := range ops {
				if op.RequestBody == nil || op.RequestBody.Content["application/json"] == nil {
					continue
				}
				routes++
				for _, body := range []string{`{`, `{"zz_unknown": 1}`, `[[[[[[`, "\"\xff\"", `{} {}`} {
					code, answer := c.do(strings.ToUpper(m), path, "application/json", strings.NewReader(body))
					if code >= 500 || code < 400 {
						t.Errorf("%s %s %q: status %d: %.200s", strings.ToUpper(m), path, body, code, answer)
					}
				}
			}
		}
		if routes < 10 {
			t.Fatalf("only %d JSON routes in openapi.json", routes)
		}
		code, answer := c.do("PUT", "/api/v1/queues/support", "application/json", strings.NewReader(`{"members": ["ann"], "wrap_up": {"a": 1}}`))
		if code != http.StatusBadRequest || !strings.Contains(answer, `"path":"wrap_up"`) {
			t.Errorf("wrong type: %d %s, want 400 naming wrap_up", code, answer)
		}
		if code, _ := c.do("PUT", "/api/v1/config", "application/yaml", io.LimitReader(zeros{}, 2<<20)); code != http.StatusRequestEntityTooLarge {
			t.Errorf("2 MiB config: status %d, want 413", code)
		}
		c.up(srv)
	})

	t.Run("paths", func(t *testing.T) {
		for _, p := range []string{"/api/v1/cdrs/abc/recording", "/api/v1/cdrs/-1/recording", "/api/v1/cdrs/99/recording",
			"/api/v1/prompts/..%2f..%2f..%2fetc/passwd.wav", "/api/v1/prompts/en/%2e%2e.wav", "/api/v1/prompts/en/x%00.wav",
			"/api/v1/customers/1e9", "/static/..%2f..%2fgo.mod", "/contact/..%2fdemo", "/chat/start/%2e%2e"} {
			if code, answer := c.do("GET", p, "", nil); code != http.StatusBadRequest && code != http.StatusNotFound {
				t.Errorf("GET %s: status %d: %.200s", p, code, answer)
			}
		}
	})

	t.Run("chat", func(t *testing.T) {
		ws := "ws://" + addr + "/chat/ws?widget=site"
		dial := func(origin string) (*websocket.Conn, *http.Response, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			conn, res, err := websocket.Dial(ctx, ws, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
			if conn != nil {
				t.Cleanup(func() { conn.CloseNow() })
			}
			return conn, res, err
		}
		if _, res, err := dial("https://evil.example"); err == nil || res == nil || res.StatusCode != http.StatusForbidden {
			t.Fatalf("foreign origin: %v %v", res, err)
		}
		visitor := func() *websocket.Conn {
			t.Helper()
			conn, _, err := dial("https://shop.example.com")
			if err != nil {
				t.Fatal(err)
			}
			wsWrite(t, conn, `{"type":"hello"}`)
			wsExpect(t, conn, "welcome")
			return conn
		}
		// A frame far over the message size closes the connection.
		big := visitor()
		// The server may close before the frame is all written.
		_ = big.Write(context.Background(), websocket.MessageText, []byte(`{"type":"msg","text":"`+strings.Repeat("x", 1<<20)+`"}`))
		if code := wsClosed(t, big); code != websocket.StatusMessageTooBig && code != -1 {
			t.Errorf("oversized frame: closed with %v", code)
		}
		// A flood closes the flooder's connection for policy violation.
		flood := visitor()
		for range 100 {
			if flood.Write(context.Background(), websocket.MessageText, []byte(`{"type":"typing"}`)) != nil {
				break
			}
		}
		if code := wsClosed(t, flood); code != websocket.StatusPolicyViolation && code != -1 {
			t.Errorf("flood: closed with %v", code)
		}
		// Chats opened in a loop from one address stop at 20.
		name := `<img src=x onerror=alert(1)>`
		for i := range 21 {
			v := visitor()
			wsWrite(t, v, fmt.Sprintf(`{"type":"start","name":%q}`, name))
			f := wsExpect(t, v, "state", "error", "unavailable")
			switch {
			case i < 20 && f["type"] != "state":
				t.Fatalf("chat %d: %v", i, f)
			case i == 20 && (f["type"] != "error" || f["code"] != "too_many"):
				t.Fatalf("chat 21: %v, want error too_many", f)
			}
		}
		c.up(srv)
	})

	t.Run("contact", func(t *testing.T) {
		code, page := c.do("GET", "/contact/demo?n=write", "", nil)
		m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(page)
		if code != http.StatusOK || m == nil {
			t.Fatalf("contact page: %d, no form token", code)
		}
		form := url.Values{"token": {html.UnescapeString(m[1])}, "node": {"write"}, "kind": {"email"},
			"email": {"ana@example.com\r\nBcc: everyone@example.com"}, "message": {"hello"}}
		if code, _ := c.do("POST", "/contact/demo", "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); code != http.StatusUnprocessableEntity {
			t.Errorf("header injection: status %d, want 422", code)
		}
		// Pages fetched in a loop are refused past 120 a minute (this
		// test's address is done with the contact page after this).
		refused := 0
		for range 130 {
			if code, _ := c.do("GET", "/contact/demo?n=support", "", nil); code == http.StatusTooManyRequests {
				refused++
			}
		}
		if refused == 0 {
			t.Errorf("130 page views in a row all served")
		}
	})

	c.up(srv)
	if out := srv.output(); strings.Contains(out, "panic") {
		t.Fatalf("the server panicked:\n%s", out)
	}
}

// zeros reads as endless zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// wsWrite writes one text frame.
func wsWrite(t *testing.T, conn *websocket.Conn, frame string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := conn.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// wsExpect reads frames until one of the given types, and returns it.
func wsExpect(t *testing.T, conn *websocket.Conn, types ...string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 100 {
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %v: %v", types, err)
		}
		var f map[string]any
		if json.Unmarshal(b, &f) == nil {
			if typ, _ := f["type"].(string); slices.Contains(types, typ) {
				return f
			}
		}
	}
	t.Fatalf("no %v frame", types)
	return nil
}

// wsClosed reads until the server closes conn and returns the close
// status (-1 when the connection ended without one).
func wsClosed(t *testing.T, conn *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 1000 {
		if _, _, err := conn.Read(ctx); err != nil {
			if ctx.Err() != nil {
				t.Fatal("the server kept the connection open")
			}
			return websocket.CloseStatus(err)
		}
	}
	t.Fatal("the server kept sending")
	return 0
}
