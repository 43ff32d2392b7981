package trunk

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// FuzzCalledNumber feeds hostile provider headers to the called-number
// extraction: it must not panic and must return text taken from the header
// value (never longer, never adding line breaks).
func FuzzCalledNumber(f *testing.F) {
	file, err := os.Open("testdata/called.txt")
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		f.Add(sc.Text())
	}
	file.Close()
	tr := Trunk{CalledFrom: "X-Called"}
	f.Fuzz(func(t *testing.T, v string) {
		req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "s", Host: "pbx"})
		req.AppendHeader(sip.NewHeader("X-Called", v))
		got := tr.CalledNumber(req)
		if len(got) > len(v) || (strings.ContainsAny(got, "\r\n") && !strings.ContainsAny(v, "\r\n")) {
			t.Fatalf("CalledNumber(%q) = %q: not from the header", v, got)
		}
	})
}
