package contact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// signToken binds a form to its flow, node, visit and expiry, so a post
// can only come from a page this handler served (the page sets no cookie
// for a cross-site request to ride on).
func signToken(secret []byte, flow, node, session string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return exp + "." + session + "." + mac(secret, flow, node, session, exp)
}

func mac(secret []byte, parts ...string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkToken returns the token's visit when it is valid for flow and node
// at now.
func checkToken(secret []byte, token, flow, node string, now time.Time) (string, bool) {
	exp, rest, ok := strings.Cut(token, ".")
	if !ok {
		return "", false
	}
	session, sig, ok := strings.Cut(rest, ".")
	if !ok || !sessionRE.MatchString(session) {
		return "", false
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() >= unix {
		return "", false
	}
	want := mac(secret, flow, node, session, exp)
	return session, hmac.Equal([]byte(sig), []byte(want))
}
