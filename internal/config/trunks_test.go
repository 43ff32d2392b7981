package config

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
)

const trunksYAML = `trunks:
  - {name: provider, type: register, host: "127.0.0.1:5070", username: u, password: p, dids: ["+33123456789"], expiry: 10m0s}
  - name: gateway
    type: peer
    host: 192.0.2.10
    dtmf: inband
    transport: tcp
    codecs: [PCMA]
    outbound_proxy: "192.0.2.11:5060"
    country: {code: "44"}
    called_from: X-Called-Number
routes:
  inbound:
    - {did: "+33123456789", to: "flow:main"}
    - {did: "+3312345678X", to: "queue:support", trunk: provider}
  outbound:
    - {pattern: "0[1-9]XXXXXXXX", trunks: [provider, gateway]}
    - {pattern: "9.", strip: 1, trunk: gateway, class: local, caller_id: "+33100000000"}
    - {pattern: "112", trunk: provider, emergency: true}
  emergency: ["112", "15", "17", "18", "115"]
  international_allowlist: ["+44", "+4930"]
permissions:
  - {extension: "1001", class: international, max_concurrent: 3, international_minutes: 60, caller_id: "+33123456789"}
  - {extension: "1002", class: internal}
`

func TestTrunksRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := Parse([]byte(trunksYAML))
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(ctx, st, f); err != nil {
		t.Fatal(err)
	}
	out, err := Export(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Trunk{}
	for _, tr := range out.Trunks {
		byName[tr.Name] = tr
	}
	for _, want := range f.Trunks {
		if got := byName[want.Name]; !reflect.DeepEqual(got, want) {
			t.Errorf("trunk %s exported as %+v; want %+v", want.Name, got, want)
		}
	}
	if !reflect.DeepEqual(out.Routes, f.Routes) {
		t.Errorf("routes exported as %+v; want %+v", out.Routes, f.Routes)
	}
	if !reflect.DeepEqual(out.Permissions, f.Permissions) {
		t.Errorf("permissions exported as %+v; want %+v", out.Permissions, f.Permissions)
	}
}

func TestTrunksSectionErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"bad type", "trunks:\n  - {name: p, type: magic, host: h}\n", "trunks[0].type (line 2): must be register or peer"},
		{"register without password", "trunks:\n  - {name: p, type: register, host: h, username: u}\n", "trunks[0].password (line 2): required"},
		{"bad host", "trunks:\n  - {name: p, type: peer, host: \"h:99999\"}\n", "trunks[0].host (line 2)"},
		{"bad dtmf", "trunks:\n  - {name: p, type: peer, host: h, dtmf: morse}\n", "trunks[0].dtmf (line 2)"},
		{"unknown codec", "trunks:\n  - {name: p, type: peer, host: h, codecs: [PCMA, GSM]}\n", "trunks[0].codecs[1] (line 2): unknown codec \"GSM\""},
		{"codecs without G.711", "trunks:\n  - {name: p, type: peer, host: h, codecs: [G722]}\n", "trunks[0].codecs (line 2): needs PCMA or PCMU"},
		{"duplicate", "trunks:\n  - {name: p, type: peer, host: h}\n  - {name: p, type: peer, host: h}\n", "trunks[1].name (line 3): p is already used"},
		{"bad did", "trunks:\n  - {name: p, type: peer, host: h, dids: [\"0123\"]}\n", "trunks[0].dids[0] (line 2)"},
		{"bad pattern", "trunks:\n  - {name: p, type: peer, host: h}\nroutes:\n  outbound:\n    - {pattern: \"0[1-9\", trunk: p}\n", "routes.outbound[0].pattern (line 5)"},
		{"unknown trunk", "trunks:\n  - {name: p, type: peer, host: h}\nroutes:\n  outbound:\n    - {pattern: \"0X.\", trunk: q}\n", "routes.outbound[0].trunk (line 5): no trunk named \"q\""},
		{"bad destination", "routes:\n  inbound:\n    - {did: \"+33123456789\", to: \"nowhere\"}\n", "routes.inbound[0].to (line 3)"},
		{"bad class", "permissions:\n  - {extension: \"1001\", class: galactic}\n", "permissions[0].class (line 2)"},
		{"bad emergency", "routes:\n  emergency: [\"1a\"]\n", "routes.emergency[0] (line 2)"},
		{"bad allowlist prefix", "routes:\n  international_allowlist: [\"+44\", \"0049\"]\n", "routes.international_allowlist[1] (line 2): must be an E.164 prefix like +44, got \"0049\""},
		{"unknown field", "trunks:\n  - {name: p, type: peer, host: h, hots: x}\n", "trunks[0].hots (line 2): unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v; want %q", err, tc.want)
			}
		})
	}
}
