package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// CookieName is the session cookie.
const CookieName = "sb_session"

// CSRFHeader carries the CSRF token on API calls made by the panel's pages;
// forms send it in the CSRFField field.
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf"
)

// MinPasswordLen is the shortest web panel password accepted.
const MinPasswordLen = 10

// MaxPasswordLen is the longest, in bytes: bcrypt reads no more.
const MaxPasswordLen = 72

// passwordFits reports whether password is neither too short nor too long.
func passwordFits(password string) bool {
	return len(password) >= MinPasswordLen && len(password) <= MaxPasswordLen
}

var userNameRE = regexp.MustCompile(`^[a-z0-9._-]{1,32}$`)

// Config tunes a Manager; zero values mean the defaults.
type Config struct {
	// SessionTTL is how long a session lives after login (default 12h).
	SessionTTL time.Duration
	// Secure marks cookies Secure: set it when the panel is served over TLS.
	Secure bool
	// MaxFailures failed logins within FailureWindow throttle a client
	// address or a user name (defaults 5 and 15m).
	MaxFailures   int
	FailureWindow time.Duration
	// BcryptCost is the bcrypt work factor (default bcrypt.DefaultCost).
	BcryptCost int
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// User is an authenticated account.
type User struct {
	Name        string
	Role        Role
	DisplayName string
}

// Principal is who made a request: the user, the session's CSRF token
// (empty for API tokens) and whether a bearer token was used.
type Principal struct {
	User
	CSRF   string
	Bearer bool
}

// Manager logs users in and out and authenticates requests.
type Manager struct {
	st     *store.Store
	cfg    Config
	byAddr *Throttle
	byUser *Throttle
}

// New returns a Manager over the store's users, sessions and tokens.
func New(st *store.Store, cfg Config) *Manager {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = 5
	}
	if cfg.FailureWindow <= 0 {
		cfg.FailureWindow = 15 * time.Minute
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.DefaultCost
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Manager{
		st:     st,
		cfg:    cfg,
		byAddr: NewThrottle(cfg.MaxFailures, cfg.FailureWindow),
		byUser: NewThrottle(cfg.MaxFailures, cfg.FailureWindow),
	}
}

// CreateUser adds a user with a bcrypt hash of password.
func (m *Manager) CreateUser(ctx context.Context, name string, role Role, password, display string) error {
	if !userNameRE.MatchString(name) {
		return ErrBadUserName
	}
	if !role.Valid() {
		return ErrBadRole
	}
	if !passwordFits(password) {
		return ErrWeakPassword
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), m.cfg.BcryptCost)
	if err != nil {
		return fmt.Errorf("auth: hash password: %w", err)
	}
	err = m.st.CreateWebUser(ctx, store.WebUser{
		Name: name, Role: string(role), PasswordHash: string(hash), DisplayName: display, CreatedAt: m.cfg.Now(),
	})
	if err != nil {
		return fmt.Errorf("auth: create user %s: %w", name, err)
	}
	return nil
}

// Login checks the credentials, throttled per client address and per user
// name, and on success starts a session and sets its cookie on w.
func (m *Manager) Login(ctx context.Context, w http.ResponseWriter, r *http.Request, name, password string) (Principal, error) {
	now := m.cfg.Now()
	addr := clientAddr(r)
	if !m.byAddr.Allowed(addr, now) || !m.byUser.Allowed(name, now) {
		return Principal{}, ErrThrottled
	}
	u, err := m.st.WebUser(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same time as a real check so timing does not reveal names.
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		m.fail(addr, name, now)
		return Principal{}, ErrBadCredentials
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: login: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		m.fail(addr, name, now)
		return Principal{}, ErrBadCredentials
	}
	m.byUser.Reset(name)
	id, idHash := newSecret()
	csrf, _ := newSecret()
	ws := store.WebSession{IDHash: idHash, User: u.Name, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(m.cfg.SessionTTL)}
	if err := m.st.CreateWebSession(ctx, ws); err != nil {
		return Principal{}, fmt.Errorf("auth: login: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: id, Path: "/", Expires: ws.ExpiresAt,
		HttpOnly: true, Secure: m.cfg.Secure, SameSite: http.SameSiteStrictMode,
	})
	return Principal{User: toUser(u), CSRF: csrf}, nil
}

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("switchboard-dummy"), bcrypt.MinCost)

func (m *Manager) fail(addr, name string, now time.Time) {
	m.byAddr.Fail(addr, now)
	m.byUser.Fail(name, now)
}

// Logout ends the request's session and clears its cookie.
func (m *Manager) Logout(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(CookieName); err == nil {
		if err := m.st.DeleteWebSession(ctx, hashSecret(c.Value)); err != nil {
			return fmt.Errorf("auth: logout: %w", err)
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: m.cfg.Secure, SameSite: http.SameSiteStrictMode,
	})
	return nil
}

// CreateToken issues an API token for user; only its hash is stored, so the
// returned value is shown once.
func (m *Manager) CreateToken(ctx context.Context, user, label string) (string, error) {
	tok, h := newSecret()
	if err := m.st.CreateWebToken(ctx, h, user, label, m.cfg.Now()); err != nil {
		return "", fmt.Errorf("auth: create token: %w", err)
	}
	return "sbt_" + tok, nil
}

// Authenticate returns who made r, from a bearer token or the session
// cookie, or ErrUnauthenticated.
func (m *Manager) Authenticate(r *http.Request) (Principal, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer sbt_")
		if !ok {
			return Principal{}, ErrUnauthenticated
		}
		name, err := m.st.WebTokenUser(ctx, hashSecret(tok))
		if errors.Is(err, store.ErrNotFound) {
			return Principal{}, ErrUnauthenticated
		}
		if err != nil {
			return Principal{}, fmt.Errorf("auth: token: %w", err)
		}
		u, err := m.user(ctx, name)
		return Principal{User: u, Bearer: true}, err
	}
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return Principal{}, ErrUnauthenticated
	}
	ws, err := m.st.WebSession(ctx, hashSecret(c.Value), m.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: session: %w", err)
	}
	u, err := m.user(ctx, ws.User)
	return Principal{User: u, CSRF: ws.CSRF}, err
}

func (m *Manager) user(ctx context.Context, name string) (User, error) {
	u, err := m.st.WebUser(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return User{}, ErrUnauthenticated
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: user %s: %w", name, err)
	}
	return toUser(u), nil
}

func toUser(u store.WebUser) User {
	return User{Name: u.Name, Role: Role(u.Role), DisplayName: u.DisplayName}
}

// CheckCSRF reports whether a state-changing request made with p's session
// carries its CSRF token and, when the browser names one, a same-host
// Origin. Bearer-token requests need neither.
func CheckCSRF(p Principal, r *http.Request) bool {
	if p.Bearer {
		return true
	}
	if !SameOrigin(r) {
		return false
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	return p.CSRF != "" && subtle.ConstantTimeCompare([]byte(got), []byte(p.CSRF)) == 1
}

// SameOrigin reports whether r's Origin header, when the browser sent one,
// names the host r was sent to.
func SameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal stored by Require.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Require wraps next so that it runs only for an authenticated user whose
// role allows need, and, for methods other than GET, HEAD and OPTIONS, only
// with a valid CSRF token. Refusals go to deny with the HTTP status to use.
func (m *Manager) Require(need Role, deny func(w http.ResponseWriter, r *http.Request, status int), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := m.Authenticate(r)
		switch {
		case errors.Is(err, ErrUnauthenticated):
			deny(w, r, http.StatusUnauthorized)
			return
		case err != nil:
			deny(w, r, http.StatusInternalServerError)
			return
		case !p.Role.Allows(need):
			deny(w, r, http.StatusForbidden)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if !CheckCSRF(p, r) {
				deny(w, r, http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// newSecret returns a random 256-bit secret as hex and its hash.
func newSecret() (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = hex.EncodeToString(b)
	return secret, hashSecret(secret)
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// clientAddr is the remote IP without its port (proxies are not trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// SetPassword replaces a user's password and ends all of their sessions.
func (m *Manager) SetPassword(ctx context.Context, name, password string) error {
	if !passwordFits(password) {
		return ErrWeakPassword
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), m.cfg.BcryptCost)
	if err != nil {
		return fmt.Errorf("auth: hash password: %w", err)
	}
	if err := m.st.SetWebUserPassword(ctx, name, string(hash)); err != nil {
		return fmt.Errorf("auth: set password of %s: %w", name, err)
	}
	return nil
}

// ChangePassword replaces the password of a user who proves the current
// one; failures count towards the user's login throttle.
func (m *Manager) ChangePassword(ctx context.Context, name, current, password string) error {
	now := m.cfg.Now()
	if !m.byUser.Allowed(name, now) {
		return ErrThrottled
	}
	u, err := m.st.WebUser(ctx, name)
	if err != nil {
		return fmt.Errorf("auth: change password of %s: %w", name, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		m.byUser.Fail(name, now)
		return ErrBadCredentials
	}
	return m.SetPassword(ctx, name, password)
}
