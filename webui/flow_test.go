package webui

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/webui/auth"
)

// A flow whose menu names a node that does not exist is reported at the
// option's line by the live validation of the YAML editor.
func TestFlowErrorNamedAtItsLine(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.login(t, "admin1", auth.RoleAdmin)
	flow := `flows:
  - name: main
    number: "600"
    start: welcome
    nodes:
      welcome: {type: menu, prompt: welcome, title: "How can we help?", options: {"1": sales, "2": nowhere}}
      sales: {type: hangup}
`
	w := f.do(t, admin, "POST", "/api/v1/config/validate", "application/yaml", flow, true)
	var v validation
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || v.OK || len(v.Errors) == 0 {
		t.Fatalf("validate: %d %s", w.Code, w.Body)
	}
	if v.Errors[0].Line != 6 || !strings.HasPrefix(v.Errors[0].Path, "flows[0]") {
		t.Fatalf("flow error not at its line: %+v", v.Errors)
	}
}
