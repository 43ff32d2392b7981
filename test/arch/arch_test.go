// Package arch holds the repository's guardrails: the direction of imports
// DESIGN.md sets, and one package doc per package.
package arch

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/switchboard-cc/switchboard"

type pkg struct {
	ImportPath string
	Doc        string
	Imports    []string
	GoFiles    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-e", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if len(p.GoFiles) > 0 { // test-only folders such as test/e2e have no package doc
			pkgs = append(pkgs, p)
		}
	}
	return pkgs
}

// layer returns the top-level part of a package ("sip", "internal", …).
func layer(path string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
	top, _, _ := strings.Cut(rel, "/")
	return top
}

// forbidden lists, per layer, the layers it must never import
// (DESIGN.md: cmd → webui → {sip, mail, chat} → ivr → {acd, media} → internal).
var forbidden = map[string][]string{
	"internal": {"cmd", "webui", "sip", "mail", "chat", "ivr", "acd", "media", "firmware"},
	"acd":      {"cmd", "webui", "sip", "mail", "chat", "ivr", "media"},
	"media":    {"cmd", "webui", "sip", "mail", "chat", "ivr", "acd"},
	"ivr":      {"cmd", "webui", "sip", "mail", "chat"},
	"sip":      {"cmd", "webui", "mail", "chat"},
	"mail":     {"cmd", "webui", "sip", "media", "chat"},
	"chat":     {"cmd", "webui", "sip", "media", "mail"},
	"webui":    {"cmd"},
}

func TestImportDirection(t *testing.T) {
	for _, p := range listPackages(t) {
		from := layer(p.ImportPath)
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := layer(imp)
			for _, bad := range forbidden[from] {
				if to == bad {
					t.Errorf("%s imports %s: %s must not import %s (DESIGN.md, import direction)", p.ImportPath, imp, from, bad)
				}
			}
		}
	}
}

func TestEveryPackageHasADoc(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}

// parentImportAllowed lists subpackages that may import their parent:
// DESIGN.md makes ivr's root the flow model that both of its faces read.
var parentImportAllowed = map[string]bool{
	module + "/ivr/voice":   true,
	module + "/ivr/contact": true,
}

// Subpackages never import their parent (STYLE.md).
func TestSubpackagesDoNotImportParent(t *testing.T) {
	for _, p := range listPackages(t) {
		if parentImportAllowed[p.ImportPath] {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") && strings.HasPrefix(p.ImportPath, imp+"/") && layer(imp) != "internal" && layer(imp) != "test" {
				t.Errorf("%s imports its parent %s", p.ImportPath, imp)
			}
		}
	}
}
