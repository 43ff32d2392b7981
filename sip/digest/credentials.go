package digest

import "strings"

// maxCredentials bounds the Authorization value parsed; real ones are a
// few hundred bytes.
const maxCredentials = 4096

// credentials are the fields of a Digest Authorization (or
// Proxy-Authorization) value that verification uses (RFC 3261 §25.1
// "Credentials", RFC 7616 §3.4). The strings are slices of the parsed
// value except where a quoted-string held escapes.
type credentials struct {
	username, realm, nonce, uri, response string
	algorithm, cnonce, qop                string
	nc                                    uint32
	hasNC                                 bool
}

// parseCredentials reads a Digest credentials value without allocating
// for the usual, escape-free header. It rejects another scheme, a repeated
// parameter, a malformed nc and anything it cannot split unambiguously;
// unknown parameters (opaque, userhash, extensions) are skipped.
func parseCredentials(s string) (credentials, bool) {
	var c credentials
	if len(s) > maxCredentials {
		return c, false
	}
	s = strings.TrimLeft(s, " \t\r\n")
	if len(s) < 7 || !strings.EqualFold(s[:6], "Digest") || !lws(s[6]) {
		return c, false
	}
	s = s[6:]
	var seen uint16
	for {
		s = trimLWS(s)
		if s == "" {
			return c, seen != 0
		}
		if s[0] == ',' { // empty list elements are allowed (RFC 7230 §7)
			s = s[1:]
			continue
		}
		n := tokenLen(s)
		if n == 0 {
			return c, false
		}
		name := s[:n]
		s = trimLWS(s[n:])
		if s == "" || s[0] != '=' {
			return c, false
		}
		s = trimLWS(s[1:])
		var value string
		var ok bool
		if value, s, ok = paramValue(s); !ok {
			return c, false
		}
		s = trimLWS(s)
		if s != "" && s[0] != ',' {
			return c, false
		}
		bit, field := c.field(name)
		if bit == 0 {
			continue
		}
		if seen&bit != 0 {
			return c, false
		}
		seen |= bit
		if field != nil {
			*field = value
			continue
		}
		if c.nc, ok = parseNC(value); !ok {
			return c, false
		}
		c.hasNC = true
	}
}

// field maps a parameter name to its presence bit and destination; nc
// has a bit and no string destination, unknown names neither.
func (c *credentials) field(name string) (uint16, *string) {
	switch strings.ToLower(name) {
	case "username":
		return 1 << 0, &c.username
	case "realm":
		return 1 << 1, &c.realm
	case "nonce":
		return 1 << 2, &c.nonce
	case "uri":
		return 1 << 3, &c.uri
	case "response":
		return 1 << 4, &c.response
	case "algorithm":
		return 1 << 5, &c.algorithm
	case "cnonce":
		return 1 << 6, &c.cnonce
	case "qop":
		return 1 << 7, &c.qop
	case "nc":
		return 1 << 8, nil
	}
	return 0, nil
}

// paramValue reads a quoted-string or a token and returns it with the
// rest of s.
func paramValue(s string) (value, rest string, ok bool) {
	if s == "" {
		return "", "", false
	}
	if s[0] != '"' {
		n := tokenLen(s)
		if n == 0 {
			return "", "", false
		}
		return s[:n], s[n:], true
	}
	escaped := false
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			if !escaped {
				return s[1:i], s[i+1:], true
			}
			return unescape(s[1:i]), s[i+1:], true
		}
	}
	return "", "", false
}

// unescape resolves quoted-pairs (RFC 3261 §25.1).
func unescape(q string) string {
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' && i+1 < len(q) {
			i++
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// parseNC reads an 8LHEX nonce count.
func parseNC(s string) (uint32, bool) {
	if len(s) != 8 {
		return 0, false
	}
	var n uint32
	for i := range len(s) {
		d, ok := unhex(s[i])
		if !ok {
			return 0, false
		}
		n = n<<4 | uint32(d)
	}
	return n, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// tokenLen is the length of the token at the start of s (RFC 3261 §25.1).
func tokenLen(s string) int {
	for i := range len(s) {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-.!%*_+`'~", c) >= 0 {
			continue
		}
		return i
	}
	return len(s)
}

func lws(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func trimLWS(s string) string {
	for s != "" && lws(s[0]) {
		s = s[1:]
	}
	return s
}
