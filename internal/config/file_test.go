package config

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
)

func TestParseErrorsNameFieldAndLine(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown section", "settings: {realm: a.b}\nextentions: []\n", []string{"extentions (line 2): unknown section (did you mean \"extensions\"?)"}},
		{"unknown field", "extensions:\n  - number: \"1001\"\n    pasword: secret123\n", []string{"extensions[0].pasword (line 3): unknown field (did you mean \"password\"?)", "extensions[0].password (line 2): required"}[:1]},
		{"bad number", "extensions:\n  - {number: \"1001\", password: secret123}\n  - {number: \"1x\", password: secret123}\n", []string{"extensions[1].number (line 3): must be 2 to 8 digits"}},
		{"duplicate", "extensions:\n  - {number: \"1001\", password: secret123}\n  - {number: \"1001\", password: secret123}\n", []string{"extensions[1].number (line 3): 1001 is already used by extensions[0]"}},
		{"short password", "extensions:\n  - number: \"1001\"\n    password: abc\n", []string{"extensions[0].password (line 3): must be at least 8 characters"}},
		{"bad timezone", "settings:\n  timezone: Mars/Olympus\n", []string{"settings.timezone (line 2): unknown time zone"}},
		{"wrong type", "extensions: 5\n", []string{"(line 1)"}},
		{"not a mapping", "- a\n- b\n", []string{"must be a mapping"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestImportExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenFile(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := Parse([]byte("settings: {timezone: Europe/Paris}\nextensions:\n  - {number: \"1001\", name: Alice, password: secret123}\n  - {number: \"1002\", password: secret456}\n"))
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
	if len(out.Extensions) != 2 || out.Extensions[0].HA1MD5 == "" || out.Extensions[0].Password != "" {
		t.Fatalf("export = %+v, want two extensions with hashes only", out.Extensions)
	}
	if out.Settings.Realm != DefaultRealm || out.Settings.Timezone != "Europe/Paris" {
		t.Fatalf("settings = %+v", out.Settings)
	}
	data, err := out.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(data)
	if err != nil {
		t.Fatalf("exported file does not parse: %v\n%s", err, data)
	}
	// Re-importing only 1002 removes 1001: the section is authoritative.
	again.Extensions = again.Extensions[1:]
	if err := Apply(ctx, st, again); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Extension(ctx, "1001"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("1001 still there: %v", err)
	}
	if _, err := st.Extension(ctx, "1002"); err != nil {
		t.Fatal(err)
	}
}

func TestRealmChangeNeedsPasswords(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenFile(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := Parse([]byte("settings: {realm: other.example}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(ctx, st, f); err == nil || !strings.Contains(err.Error(), "settings.realm") {
		t.Fatalf("Apply = %v, want an error naming settings.realm", err)
	}
}

func TestRuntimeValidateNamesFlag(t *testing.T) {
	r := Runtime{DataDir: "d", SIP: "0.0.0.0:5060", HTTP: "nonsense", RTPPorts: "20000-10000", LogLevel: "loud"}
	err := r.Validate()
	for _, w := range []string{"--http", "--rtp-ports", "--log-level"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate() = %v, want it to name %s", err, w)
		}
	}
}
