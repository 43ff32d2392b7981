package digest

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"

	"github.com/icholy/digest"
)

// Algorithms offered in challenges (RFC 8760 §2.1).
const (
	MD5    = "MD5"
	SHA256 = "SHA-256"
)

// Config configures an Authenticator. Zero values mean the defaults.
type Config struct {
	// Realm is the protection realm; stored HA1 hashes are bound to it.
	Realm string
	// NonceTTL is how long a nonce stays valid; an older one gets a fresh
	// challenge with stale=true. Zero means 5 minutes.
	NonceTTL time.Duration
	// Algorithms are offered in this order, from MD5 and SHA256. Nil means
	// MD5 alone: baresip 1.0 (libre) fails on any challenge whose algorithm
	// it lacks and sipp 3.6 answers only the first, so SHA-256 is opt-in
	// (credentials with either algorithm are checked whenever offered).
	Algorithms []string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Result is the outcome of checking a request's credentials.
type Result int

// Outcomes of Verify.
const (
	// OK: the credentials are right for the user.
	OK Result = iota
	// Missing: no credentials for this realm; challenge.
	Missing
	// Stale: right password on an expired nonce; challenge with stale=true.
	Stale
	// Invalid: wrong password, unknown user, forged or replayed nonce.
	Invalid
)

// HA1 holds a user's stored hashes.
type HA1 struct {
	MD5, SHA256 string
}

// Authenticator issues challenges and verifies digest credentials with
// stateless HMAC-signed nonces and per-nonce nonce-count replay checks.
type Authenticator struct {
	realm string
	algs  []string
	ttl   time.Duration
	now   func() time.Time
	key   [32]byte

	mu   sync.Mutex // guards the following fields
	seen map[string]nonceUse
	gc   time.Time
}

type nonceUse struct {
	nc      int
	expires time.Time
}

// ParseAlgorithms reads a comma-separated list such as "SHA-256,MD5".
func ParseAlgorithms(list string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(list, ",") {
		switch strings.ToUpper(strings.TrimSpace(f)) {
		case MD5:
			out = append(out, MD5)
		case SHA256, "SHA256":
			out = append(out, SHA256)
		default:
			return nil, fmt.Errorf("digest: unknown algorithm %q (want MD5 or SHA-256)", strings.TrimSpace(f))
		}
	}
	return out, nil
}

// New returns an Authenticator with a fresh random nonce key.
func New(cfg Config) *Authenticator {
	a := &Authenticator{realm: cfg.Realm, algs: cfg.Algorithms, ttl: cfg.NonceTTL, now: cfg.Now, seen: map[string]nonceUse{}}
	if len(a.algs) == 0 {
		a.algs = []string{MD5}
	}
	if a.ttl == 0 {
		a.ttl = 5 * time.Minute
	}
	if a.now == nil {
		a.now = time.Now
	}
	rand.Read(a.key[:])
	return a
}

// Realm returns the protection realm.
func (a *Authenticator) Realm() string { return a.realm }

// Challenges returns the WWW-Authenticate (or Proxy-Authenticate) values to
// send, one per configured algorithm in order (RFC 8760 §2.4).
func (a *Authenticator) Challenges(stale bool) []string {
	nonce := a.nonce()
	out := make([]string, 0, 2)
	for _, alg := range a.algs {
		c := digest.Challenge{Realm: a.realm, Nonce: nonce, Algorithm: alg, QOP: []string{"auth"}, Stale: stale}
		out = append(out, c.String())
	}
	return out
}

// nonce is base64(issued-at ‖ HMAC(key, issued-at ‖ realm)[:12]).
func (a *Authenticator) nonce() string {
	var b [20]byte
	binary.BigEndian.PutUint64(b[:8], uint64(a.now().UnixNano()))
	copy(b[8:], a.sign(b[:8]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (a *Authenticator) sign(issued []byte) []byte {
	m := hmac.New(sha256.New, a.key[:])
	m.Write(issued)
	m.Write([]byte(a.realm))
	return m.Sum(nil)[:12]
}

// checkNonce reports whether the nonce is ours and, if so, whether it
// expired.
func (a *Authenticator) checkNonce(nonce string) (ours, expired bool, expires time.Time) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 20 || !hmac.Equal(b[8:], a.sign(b[:8])) {
		return false, false, time.Time{}
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	expires = issued.Add(a.ttl)
	return true, a.now().After(expires), expires
}

// Verify checks the Authorization (or Proxy-Authorization) header values
// of a request with method against the stored hashes that lookup returns
// for a user. It returns the authenticated user with OK.
func (a *Authenticator) Verify(method string, headers []string, lookup func(user string) (HA1, bool)) (string, Result) {
	var cred *digest.Credentials
	for _, h := range headers {
		c, err := digest.ParseCredentials(h)
		if err == nil && c.Realm == a.realm {
			cred = c
			break
		}
	}
	if cred == nil {
		return "", Missing
	}
	ours, expired, expires := a.checkNonce(cred.Nonce)
	if !ours || cred.Username == "" || len(cred.Username) > 64 {
		return cred.Username, Invalid
	}
	stored, ok := lookup(cred.Username)
	if !ok {
		return cred.Username, Invalid
	}
	var h func() hash.Hash
	var ha1 string
	switch strings.ToUpper(cred.Algorithm) {
	case "", MD5:
		h, ha1 = md5.New, stored.MD5
	case SHA256:
		h, ha1 = sha256.New, stored.SHA256
	default:
		return cred.Username, Invalid
	}
	ha2 := hashHex(h, method+":"+cred.URI)
	var want string
	switch cred.QOP {
	case "":
		want = hashHex(h, ha1+":"+cred.Nonce+":"+ha2)
	case "auth":
		want = hashHex(h, ha1+":"+cred.Nonce+":"+ncText(cred.Nc)+":"+cred.Cnonce+":auth:"+ha2)
	default:
		return cred.Username, Invalid
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(cred.Response))) != 1 {
		return cred.Username, Invalid
	}
	if expired {
		return cred.Username, Stale
	}
	if cred.QOP == "auth" && !a.freshCount(cred.Nonce+cred.Username, cred.Nc, expires) {
		return cred.Username, Invalid
	}
	return cred.Username, OK
}

// freshCount enforces strictly increasing nonce counts per nonce (RFC 7616
// §3.4): a replayed request reuses a count already seen.
func (a *Authenticator) freshCount(key string, nc int, expires time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if now.Sub(a.gc) > a.ttl {
		for k, u := range a.seen {
			if now.After(u.expires) {
				delete(a.seen, k)
			}
		}
		a.gc = now
	}
	u, ok := a.seen[key]
	if ok && nc <= u.nc {
		return false
	}
	a.seen[key] = nonceUse{nc: nc, expires: expires}
	return true
}

func ncText(nc int) string {
	const hexdigits = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = hexdigits[nc&0xf]
		nc >>= 4
	}
	return string(b[:])
}

func hashHex(newHash func() hash.Hash, s string) string {
	h := newHash()
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))
}
