package chat

import "testing"

func FuzzCanonicalOrigin(f *testing.F) {
	for _, s := range []string{"https://www.example.com", "HTTP://Shop.Example:8080/", "https://x/path", "x.example", "https://u:p@x", "javascript:alert(1)", "", "https://[::1]:443"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, o string) {
		c, err := canonicalOrigin(o)
		if err != nil {
			return
		}
		again, err := canonicalOrigin(c)
		if err != nil || again != c {
			t.Fatalf("canonicalOrigin(%q) = %q, then %q, %v: not a fixed point", o, c, again, err)
		}
	})
}
