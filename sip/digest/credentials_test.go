package digest

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseCredentials(t *testing.T) {
	cases := []struct {
		name, in string
		want     credentials
		ok       bool
	}{
		{"sipp", `Digest username="2001",realm="switchboard.local",cnonce="6b8b4567",nc=00000001,qop=auth,uri="sip:127.0.0.1:5060",nonce="AAAA",response="0a1b",algorithm=MD5`,
			credentials{username: "2001", realm: "switchboard.local", cnonce: "6b8b4567", nc: 1, hasNC: true, qop: "auth", uri: "sip:127.0.0.1:5060", nonce: "AAAA", response: "0a1b", algorithm: "MD5"}, true},
		{"spaces, quoted qop, unknown params", "digest  username = \"1001\" ,\trealm=\"r\", opaque=\"\", userhash=false, qop=\"auth\", nc=0000000A, nonce=\"n\", uri=\"sip:x\", response=\"ff\"",
			credentials{username: "1001", realm: "r", qop: "auth", nc: 10, hasNC: true, nonce: "n", uri: "sip:x", response: "ff"}, true},
		{"escapes", `Digest username="a\"b\\c", realm="r", nonce="n", uri="u", response="r"`,
			credentials{username: `a"b\c`, realm: "r", nonce: "n", uri: "u", response: "r"}, true},
		{"empty elements", `Digest , username="u",, realm="r",`, credentials{username: "u", realm: "r"}, true},
		{"no RFC 2069 qop", `Digest username="u", realm="r", nonce="n", uri="u", response="r"`,
			credentials{username: "u", realm: "r", nonce: "n", uri: "u", response: "r"}, true},
		{"other scheme", `Basic dXNlcjpwYXNz`, credentials{}, false},
		{"scheme alone", `Digest`, credentials{}, false},
		{"scheme without params", `Digest  `, credentials{}, false},
		{"scheme glued to a param", `Digestusername="u"`, credentials{}, false},
		{"repeated username", `Digest username="a", username="b"`, credentials{}, false},
		{"repeated case-insensitively", `Digest nonce="a", NONCE="b"`, credentials{}, false},
		{"short nc", `Digest username="u", nc=1`, credentials{}, false},
		{"nc not hex", `Digest username="u", nc=0000000g`, credentials{}, false},
		{"unterminated quote", `Digest username="u`, credentials{}, false},
		{"escaped closing quote", `Digest username="u\"`, credentials{}, false},
		{"missing comma", `Digest username="u" realm="r"`, credentials{}, false},
		{"missing value", `Digest username=`, credentials{}, false},
		{"missing equals", `Digest username "u"`, credentials{}, false},
		{"oversize", `Digest username="` + strings.Repeat("a", maxCredentials) + `"`, credentials{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := parseCredentials(c.in)
			if ok != c.ok || ok && got != c.want {
				t.Fatalf("parseCredentials(%q) = %+v, %v; want %+v, %v", c.in, got, ok, c.want, c.ok)
			}
		})
	}
}

// format renders credentials as a phone would, quoting every string.
func (c credentials) format() string {
	q := func(s string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"` }
	out := fmt.Sprintf("Digest username=%s, realm=%s, nonce=%s, uri=%s, response=%s, algorithm=%s, cnonce=%s, qop=%s",
		q(c.username), q(c.realm), q(c.nonce), q(c.uri), q(c.response), q(c.algorithm), q(c.cnonce), q(c.qop))
	if c.hasNC {
		out += fmt.Sprintf(", nc=%08x", c.nc)
	}
	return out
}

// FuzzParseCredentials: whatever parses renders back to a header that
// parses to the same fields, and no input panics or hangs.
func FuzzParseCredentials(f *testing.F) {
	f.Add(`Digest username="2001",realm="switchboard.local",cnonce="6b8b4567",nc=00000001,qop=auth,uri="sip:127.0.0.1:5060",nonce="AAAA",response="0a1b",algorithm=MD5`)
	f.Add(`Digest username="a\"b", realm="r", qop="auth", nc=0000000A`)
	f.Add(`digest ,,username=u`)
	f.Add(`Basic abc`)
	f.Fuzz(func(t *testing.T, in string) {
		c, ok := parseCredentials(in)
		if !ok {
			return
		}
		again, ok := parseCredentials(c.format())
		if !ok || again != c {
			t.Fatalf("%q parsed to %+v; its rendering %q parsed to %+v, %v", in, c, c.format(), again, ok)
		}
	})
}
