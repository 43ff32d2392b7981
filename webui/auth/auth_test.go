package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard-cc/switchboard/internal/store"
)

func newManager(t *testing.T, cfg Config) (*Manager, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.BcryptCost = bcrypt.MinCost
	return New(st, cfg), st
}

func TestRoleAllows(t *testing.T) {
	tests := []struct {
		have, need Role
		want       bool
	}{
		{RoleAdmin, RoleAdmin, true},
		{RoleAdmin, RoleAgent, true},
		{RoleSupervisor, RoleAgent, true},
		{RoleSupervisor, RoleAdmin, false},
		{RoleAgent, RoleSupervisor, false},
		{RoleAgent, RoleAgent, true},
		{Role("root"), RoleAgent, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.have)+">"+string(tt.need), func(t *testing.T) {
			if got := tt.have.Allows(tt.need); got != tt.want {
				t.Fatalf("Allows = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestThrottle(t *testing.T) {
	th := NewThrottle(3, time.Minute)
	t0 := time.Unix(1000, 0)
	for i := range 3 {
		if !th.Allowed("a", t0) {
			t.Fatalf("refused after %d failures", i)
		}
		th.Fail("a", t0.Add(time.Duration(i)*time.Second))
	}
	if th.Allowed("a", t0.Add(10*time.Second)) {
		t.Fatal("allowed after 3 failures")
	}
	if !th.Allowed("b", t0) {
		t.Fatal("other key refused")
	}
	if !th.Allowed("a", t0.Add(time.Minute)) {
		t.Fatal("still refused once the first failure left the window")
	}
	th.Reset("a")
	if !th.Allowed("a", t0) {
		t.Fatal("refused after Reset")
	}
}

func loginRequest(addr string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	r.RemoteAddr = addr
	return r
}

func TestLoginCookieAndThrottle(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[secure], func(t *testing.T) {
			m, _ := newManager(t, Config{Secure: secure, MaxFailures: 3})
			ctx := context.Background()
			if err := m.CreateUser(ctx, "alice", RoleAgent, "correct horse", "Alice"); err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			p, err := m.Login(ctx, w, loginRequest("10.0.0.1:5000"), "alice", "correct horse")
			if err != nil {
				t.Fatal(err)
			}
			if p.Role != RoleAgent || p.CSRF == "" {
				t.Fatalf("principal %+v", p)
			}
			cookies := w.Result().Cookies()
			if len(cookies) != 1 {
				t.Fatalf("cookies %v", cookies)
			}
			c := cookies[0]
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure != secure {
				t.Fatalf("cookie flags: HttpOnly=%v SameSite=%v Secure=%v", c.HttpOnly, c.SameSite, c.Secure)
			}
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.AddCookie(c)
			got, err := m.Authenticate(r)
			if err != nil || got.Name != "alice" || got.CSRF != p.CSRF {
				t.Fatalf("Authenticate = %+v, %v", got, err)
			}

			for range 3 {
				_, err := m.Login(ctx, httptest.NewRecorder(), loginRequest("10.0.0.2:1"), "alice", "wrong")
				if !errors.Is(err, ErrBadCredentials) {
					t.Fatalf("wrong password: %v", err)
				}
			}
			// The user name is throttled even from another address, with the right password.
			if _, err := m.Login(ctx, httptest.NewRecorder(), loginRequest("10.0.0.3:1"), "alice", "correct horse"); !errors.Is(err, ErrThrottled) {
				t.Fatalf("per-user throttle: %v", err)
			}
			// The address is throttled for other names too.
			if _, err := m.Login(ctx, httptest.NewRecorder(), loginRequest("10.0.0.2:1"), "bob", "x"); !errors.Is(err, ErrThrottled) {
				t.Fatalf("per-address throttle: %v", err)
			}
		})
	}
}

func TestCreateUserRejects(t *testing.T) {
	m, _ := newManager(t, Config{})
	ctx := context.Background()
	tests := []struct {
		name, user string
		role       Role
		pw         string
		want       error
	}{
		{"bad name", "<b>x</b>", RoleAgent, "long enough pw", ErrBadUserName},
		{"bad role", "x", Role("root"), "long enough pw", ErrBadRole},
		{"short password", "x", RoleAgent, "short", ErrWeakPassword},
		{"password over bcrypt's 72 bytes", "x", RoleAgent, strings.Repeat("p", MaxPasswordLen+1), ErrWeakPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := m.CreateUser(ctx, tt.user, tt.role, tt.pw, ""); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if err := m.CreateUser(ctx, "dup", RoleAgent, "long enough pw", ""); err != nil {
		t.Fatal(err)
	}
	if err := m.CreateUser(ctx, "dup", RoleAdmin, "long enough pw", ""); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	if err := m.SetPassword(ctx, "dup", strings.Repeat("p", 100<<10)); !errors.Is(err, ErrWeakPassword) {
		t.Fatalf("100 KiB password: %v", err)
	}
	if err := m.SetPassword(ctx, "dup", strings.Repeat("p", MaxPasswordLen)); err != nil {
		t.Fatalf("72-byte password: %v", err)
	}
}

func TestRequire(t *testing.T) {
	m, _ := newManager(t, Config{})
	ctx := context.Background()
	for _, u := range []struct {
		name string
		role Role
	}{{"admin", RoleAdmin}, {"agent", RoleAgent}} {
		if err := m.CreateUser(ctx, u.name, u.role, "password123", ""); err != nil {
			t.Fatal(err)
		}
	}
	login := func(name string) (*http.Cookie, string) {
		w := httptest.NewRecorder()
		p, err := m.Login(ctx, w, loginRequest("127.0.0.1:1"), name, "password123")
		if err != nil {
			t.Fatal(err)
		}
		return w.Result().Cookies()[0], p.CSRF
	}
	adminCookie, adminCSRF := login("admin")
	agentCookie, agentCSRF := login("agent")
	token, err := m.CreateToken(ctx, "admin", "script")
	if err != nil {
		t.Fatal(err)
	}
	deny := func(w http.ResponseWriter, _ *http.Request, status int) { w.WriteHeader(status) }
	h := m.Require(RoleAdmin, deny, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := FromContext(r.Context()); !ok {
			t.Error("no principal in context")
		}
		w.WriteHeader(http.StatusNoContent)
	}))

	tests := []struct {
		name   string
		method string
		cookie *http.Cookie
		header map[string]string
		form   string
		want   int
	}{
		{"anonymous", "GET", nil, nil, "", 401},
		{"agent read", "GET", agentCookie, nil, "", 403},
		{"agent write with its csrf", "POST", agentCookie, map[string]string{CSRFHeader: agentCSRF}, "", 403},
		{"admin read", "GET", adminCookie, nil, "", 204},
		{"admin write without csrf", "POST", adminCookie, nil, "", 403},
		{"admin write with another session's csrf", "POST", adminCookie, map[string]string{CSRFHeader: agentCSRF}, "", 403},
		{"admin write with csrf header", "POST", adminCookie, map[string]string{CSRFHeader: adminCSRF}, "", 204},
		{"admin form with csrf field", "POST", adminCookie, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "csrf=" + url.QueryEscape(adminCSRF), 204},
		{"cross-origin write", "POST", adminCookie, map[string]string{CSRFHeader: adminCSRF, "Origin": "https://evil.example"}, "", 403},
		{"bearer write without csrf", "DELETE", nil, map[string]string{"Authorization": "Bearer " + token}, "", 204},
		{"bad bearer", "GET", nil, map[string]string{"Authorization": "Bearer sbt_nope"}, "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://example.com/x", strings.NewReader(tt.form))
			if tt.cookie != nil {
				r.AddCookie(tt.cookie)
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
		})
	}

	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/logout", nil)
	r.AddCookie(adminCookie)
	if err := m.Logout(ctx, w, r); err != nil {
		t.Fatal(err)
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(adminCookie)
	if _, err := m.Authenticate(r); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("session alive after logout: %v", err)
	}
}
