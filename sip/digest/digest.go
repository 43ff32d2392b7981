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
	"io"
	"strings"
	"sync"
	"time"
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
	// Stale: right password on an expired nonce or a nonce count already
	// used; challenge with stale=true.
	Stale
	// Invalid: wrong password, unknown user, forged nonce.
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
	// macs holds HMAC-SHA256 states keyed with a random key, for nonces.
	macs sync.Pool
	// head and tails are the fixed parts of each challenge around the
	// nonce, per algorithm: tails[i][1] adds stale=true.
	head  string
	tails [][2]string
	seen  *counts
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
	a := &Authenticator{realm: cfg.Realm, algs: cfg.Algorithms, ttl: cfg.NonceTTL, now: cfg.Now}
	if len(a.algs) == 0 {
		a.algs = []string{MD5}
	}
	if a.ttl == 0 {
		a.ttl = 5 * time.Minute
	}
	if a.now == nil {
		a.now = time.Now
	}
	key := make([]byte, 32)
	rand.Read(key)
	a.macs.New = func() any { return hmac.New(sha256.New, key) }
	a.head = "Digest realm=" + quote(a.realm) + `, nonce="`
	for _, alg := range a.algs {
		tail := `", algorithm=` + alg + `, qop="auth"`
		a.tails = append(a.tails, [2]string{tail, `", stale=true, algorithm=` + alg + `, qop="auth"`})
	}
	a.seen = newCounts(a.ttl, maxCounts, a.now())
	return a
}

// quote renders s as a quoted-string (RFC 3261 §25.1).
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Realm returns the protection realm.
func (a *Authenticator) Realm() string { return a.realm }

// Challenges returns the WWW-Authenticate (or Proxy-Authenticate) values to
// send, one per configured algorithm in order (RFC 8760 §2.4), all with
// the nonce issued at issued: now for a new challenge, the first one's
// time to repeat that challenge exactly.
func (a *Authenticator) Challenges(issued time.Time, stale bool) []string {
	var b [nonceTextLen]byte
	nonce := a.nonce(b[:0], issued)
	out := make([]string, 0, len(a.tails))
	for _, t := range a.tails {
		tail := t[0]
		if stale {
			tail = t[1]
		}
		out = append(out, a.head+string(nonce)+tail)
	}
	return out
}

// nonceLen is the size of a decoded nonce: the issue time in nanoseconds
// and a truncated HMAC over it and the realm. nonceTextLen is its base64
// length.
const (
	nonceLen     = 20
	nonceTextLen = 27
)

// nonce appends base64(issued-at ‖ HMAC(key, issued-at ‖ realm)[:12]).
func (a *Authenticator) nonce(dst []byte, issued time.Time) []byte {
	var b [nonceLen]byte
	binary.BigEndian.PutUint64(b[:8], uint64(issued.UnixNano()))
	a.sign(b[8:], b[:8])
	return base64.RawURLEncoding.AppendEncode(dst, b[:])
}

// sign writes the truncated HMAC of issued and the realm into dst.
func (a *Authenticator) sign(dst, issued []byte) {
	m := a.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(issued)
	io.WriteString(m, a.realm)
	var sum [sha256.Size]byte
	copy(dst, m.Sum(sum[:0]))
	a.macs.Put(m)
}

// checkNonce decodes a nonce and reports whether it is ours and, if so,
// whether it expired.
func (a *Authenticator) checkNonce(nonce string) (b [nonceLen]byte, ours, expired bool) {
	if len(nonce) != nonceTextLen {
		return b, false, false
	}
	if n, err := base64.RawURLEncoding.Strict().Decode(b[:], []byte(nonce)); err != nil || n != nonceLen {
		return b, false, false
	}
	var mac [nonceLen - 8]byte
	a.sign(mac[:], b[:8])
	if !hmac.Equal(b[8:], mac[:]) {
		return b, false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	return b, true, a.now().After(issued.Add(a.ttl))
}

// Verify checks the Authorization (or Proxy-Authorization) header values
// of a request with method against the stored hashes that lookup returns
// for a user. It returns the authenticated user with OK.
//
// Right credentials on a nonce count already used are Stale, not
// Invalid: a replay gains nothing from a fresh challenge, while a phone
// whose request is retransmitted after the server stopped remembering its
// answer (see sip.Server's REGISTER handling) authenticates again instead
// of being refused.
func (a *Authenticator) Verify(method string, headers []string, lookup func(user string) (HA1, bool)) (string, Result) {
	var cred credentials
	found := false
	for _, h := range headers {
		if c, ok := parseCredentials(h); ok && c.realm == a.realm {
			cred, found = c, true
			break
		}
	}
	if !found {
		return "", Missing
	}
	if cred.username == "" || len(cred.username) > 64 {
		return cred.username, Invalid
	}
	nonce, ours, expired := a.checkNonce(cred.nonce)
	if !ours {
		return cred.username, Invalid
	}
	stored, ok := lookup(cred.username)
	if !ok {
		return cred.username, Invalid
	}
	var sha bool
	var ha1 string
	switch {
	case cred.algorithm == "" || strings.EqualFold(cred.algorithm, MD5):
		ha1 = stored.MD5
	case strings.EqualFold(cred.algorithm, SHA256):
		sha, ha1 = true, stored.SHA256
	default:
		return cred.username, Invalid
	}
	var buf [512]byte
	var ha2 [2 * sha256.Size]byte
	ha2h := hexSum(sha, ha2[:0], append(append(append(buf[:0], method...), ':'), cred.uri...))
	in := append(append(append(buf[:0], ha1...), ':'), cred.nonce...)
	switch {
	case cred.qop == "" && !cred.hasNC:
	case strings.EqualFold(cred.qop, "auth") && cred.hasNC:
		in = append(in, ':')
		in = appendNC(in, cred.nc)
		in = append(append(append(in, ':'), cred.cnonce...), ":auth"...)
	default:
		return cred.username, Invalid
	}
	var want [2 * sha256.Size]byte
	wanth := hexSum(sha, want[:0], append(append(in, ':'), ha2h...))
	if !equalHex(wanth, cred.response) {
		return cred.username, Invalid
	}
	if expired {
		return cred.username, Stale
	}
	if cred.hasNC && !a.seen.fresh(nonce, cred.username, cred.nc, a.now()) {
		return cred.username, Stale
	}
	return cred.username, OK
}

// equalHex compares lower-case hex want with a response in either case,
// in constant time for a response of the right length.
func equalHex(want []byte, response string) bool {
	if len(response) != len(want) {
		return false
	}
	var diff byte
	for i := range len(want) {
		c := response[i]
		if 'A' <= c && c <= 'F' {
			c += 'a' - 'A'
		}
		diff |= c ^ want[i]
	}
	return subtle.ConstantTimeByteEq(diff, 0) == 1
}

func appendNC(dst []byte, nc uint32) []byte {
	const hexdigits = "0123456789abcdef"
	for shift := 28; shift >= 0; shift -= 4 {
		dst = append(dst, hexdigits[nc>>shift&0xf])
	}
	return dst
}

// hexSum appends the hex MD5, or with sha the hex SHA-256, of in.
func hexSum(sha bool, dst, in []byte) []byte {
	if sha {
		sum := sha256.Sum256(in)
		return hex.AppendEncode(dst, sum[:])
	}
	sum := md5.Sum(in)
	return hex.AppendEncode(dst, sum[:])
}
