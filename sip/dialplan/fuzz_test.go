package dialplan

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

func seeds(f *testing.F, name string) {
	f.Helper()
	file, err := os.Open("testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		f.Add(sc.Text())
	}
}

// FuzzParsePattern checks that parsing never panics, that a parsed pattern
// round-trips through String, and that Match only accepts numbers of the
// pattern's length made of dialable characters.
func FuzzParsePattern(f *testing.F) {
	seeds(f, "patterns.txt")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePattern(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("String = %q, want %q", p.String(), s)
		}
		for _, n := range []string{s, strings.Repeat("5", p.MinLen()), strings.Repeat("5", p.MinLen()+3), "+" + s} {
			if !p.Match(n) {
				continue
			}
			if len(n) < p.MinLen() || (!p.rest && len(n) != p.MinLen()) {
				t.Fatalf("%q matched %q of wrong length", s, n)
			}
			if strings.Trim(n, "0123456789*#+") != "" {
				t.Fatalf("%q matched non-dialable %q", s, n)
			}
		}
	})
}

// FuzzE164 checks that normalisation never panics, yields either "+" and 1
// to 15 digits not starting with 0, or plain digits, and is idempotent.
func FuzzE164(f *testing.F) {
	seeds(f, "numbers.txt")
	f.Fuzz(func(t *testing.T, s string) {
		c := Country{}
		out, err := c.E164(s)
		if err != nil {
			return
		}
		digits := strings.TrimPrefix(out, "+")
		if digits == "" || len(digits) > maxE164Digits || !allDigits(digits) {
			t.Fatalf("E164(%q) = %q: not E.164", s, out)
		}
		if strings.HasPrefix(out, "+") {
			if digits[0] == '0' {
				t.Fatalf("E164(%q) = %q starts with +0", s, out)
			}
			again, err := c.E164(out)
			if err != nil || again != out {
				t.Fatalf("E164 not idempotent: %q -> %q -> %q, %v", s, out, again, err)
			}
		}
	})
}
