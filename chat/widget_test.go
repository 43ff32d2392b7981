package chat

import (
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// widgetTexts returns widget.js's TEXTS tables: the keys of each language.
func widgetTexts(t *testing.T) map[string][]string {
	t.Helper()
	js := string(widgetJS)
	start := strings.Index(js, "var TEXTS = {\n")
	end := strings.Index(js, "\n  };\n")
	if start < 0 || end < start {
		t.Fatal("widget.js has no TEXTS table")
	}
	langRE := regexp.MustCompile(`^    (\w+): \{$`)
	keyRE := regexp.MustCompile(`^      (\w+): "[^"]+",?$`)
	tables := map[string][]string{}
	lang := ""
	for _, line := range strings.Split(js[start:end], "\n")[1:] {
		switch m, k := langRE.FindStringSubmatch(line), keyRE.FindStringSubmatch(line); {
		case m != nil:
			lang = m[1]
		case k != nil && lang != "":
			tables[lang] = append(tables[lang], k[1])
		case strings.TrimSpace(line) == "}," || strings.TrimSpace(line) == "}":
			lang = ""
		default:
			t.Fatalf("widget.js TEXTS: unexpected line %q", line)
		}
	}
	return tables
}

// TestWidgetTexts: widget.js has an English and a French table with the
// same keys, every key the script asks for is in them, and every error
// code a visitor may get has its words.
func TestWidgetTexts(t *testing.T) {
	tables := widgetTexts(t)
	en, fr := tables["en"], tables["fr"]
	if len(en) == 0 || len(tables) != 2 {
		t.Fatalf("tables: %v", tables)
	}
	slices.Sort(en)
	slices.Sort(fr)
	if !slices.Equal(en, fr) {
		t.Errorf("keys differ:\nen %v\nfr %v", en, fr)
	}
	// tr("key"), label(el(…), "attribute", "key"), tr(cond ? "key" : "key").
	js := string(widgetJS)
	js = js[strings.Index(js, "\n  };\n"):]
	var used []string
	for _, re := range []string{`tr\("(\w+)"\)`, `\), "\w*", "(\w+)"\)`, `tr\([^()]*\? "(\w+)" : "(\w+)"\)`} {
		for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(js, -1) {
			used = append(used, m[1:]...)
		}
	}
	if len(used) < 20 {
		t.Fatalf("found %d uses of the texts: %v", len(used), used)
	}
	for _, k := range used {
		if !slices.Contains(en, k) {
			t.Errorf("widget.js uses %q, which the tables lack", k)
		}
	}
	src, err := os.ReadFile("visitor.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range regexp.MustCompile(`fail\("(\w+)"`).FindAllStringSubmatch(string(src), -1) {
		if !slices.Contains(en, "err_"+c[1]) {
			t.Errorf("error code %q has no err_%s text", c[1], c[1])
		}
	}
}

// TestWidgetLanguage: the start page and the welcome frame carry the
// configured language (English without one, and for a language without
// texts on the page); the start page's own words follow it.
func TestWidgetLanguage(t *testing.T) {
	for _, tc := range []struct{ lang, want, title string }{
		{"", "en", "Chat with us"},
		{"fr", "fr", "Discutez avec nous"},
		{"de", "en", "Chat with us"},
	} {
		t.Run(tc.want+tc.lang, func(t *testing.T) {
			r := newRig(t, func(c *Config) {
				if tc.lang != "" {
					c.Language = func(context.Context) string { return tc.lang }
				}
			})
			resp, err := http.Get(r.http.URL + "/chat/start/website")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, w := range []string{`<html lang="` + tc.want + `">`, `data-lang="` + tc.want + `"`, "<h1>" + tc.title + "</h1>"} {
				if !strings.Contains(string(body), w) {
					t.Errorf("start page lacks %q:\n%s", w, body)
				}
			}
			_, welcome := r.visitor("")
			if got, want := welcome["lang"], tc.lang; got != want && !(want == "" && got == "en") {
				t.Errorf("welcome lang = %v, want %q", got, want)
			}
		})
	}
}
