package webui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// FuzzParseConfig checks that any text given to the YAML editor yields
// either a file or at least one error, each naming a path and a line within
// the text or just past its end (0 when the decoder names none).
func FuzzParseConfig(f *testing.F) {
	seeds, err := filepath.Glob("testdata/config/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, text string) {
		file, fes := parseConfig([]byte(text), config.Known{})
		if (file == nil) == (len(fes) == 0) {
			t.Fatalf("file %v with %d errors", file != nil, len(fes))
		}
		// YAML breaks lines at LF, CR and CRLF.
		lines := strings.Count(strings.ReplaceAll(text, "\r\n", "\n"), "\n") + strings.Count(strings.ReplaceAll(text, "\r\n", ""), "\r") + 1
		for _, fe := range fes {
			if fe.Path == "" || fe.Msg == "" {
				t.Fatalf("error without path or message: %+v", fe)
			}
			// The decoder may name the line just past the end ("---").
			if fe.Line < 0 || fe.Line > lines+1 {
				t.Fatalf("line %d outside a %d-line text: %+v", fe.Line, lines, fe)
			}
		}
	})
}
