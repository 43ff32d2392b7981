package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// languagesKnown has English and French built-ins (French without the
// closed prompt) and a German language brought by uploads alone.
func languagesKnown() Known {
	return Known{Prompts: map[string]map[string]bool{
		"en": {"welcome": true, "closed": true},
		"fr": {"welcome": true},
		"de": {"welcome": true, "closed": true},
	}}
}

// TestParseWithLanguages checks settings.language and flows' language:
// an unknown one is an error naming its field and the languages there
// are, and each flow's prompts are checked in its own language, else the
// file's settings language, else the stored one.
func TestParseWithLanguages(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings string // prepended to ivrYAML
		from, to string // a change to ivrYAML
		stored   string // Known.Language
		want     string // "" for valid
	}{
		{"no language: English", "", "", "", "", ""},
		{"settings in English", "settings: {language: en}\n", "", "", "", ""},
		{"settings in an uploaded language", "settings: {language: de}\n", "", "", "", ""},
		{"unknown settings language", "settings: {language: es}\n", "", "", "",
			`settings.language (line 1): unknown language "es": no prompts, built in or uploaded, for it (languages: de, en, fr)`},
		{"unknown settings language leaves the flows in the stored one", "settings: {language: es}\n", "", "", "fr",
			`flows[0].nodes.closed.prompt (line 13): flow main node closed: unknown prompt "closed": neither built in nor uploaded for language fr`},
		{"unknown flow language", "", `name: main`, "name: main\n    language: it", "",
			`flows[0].language (line 5): flow main: unknown language "it": no prompts, built in or uploaded, for it (languages: de, en, fr)`},
		{"flow in French lacks a prompt", "", `name: main`, "name: main\n    language: fr", "",
			`flows[0].nodes.closed.prompt (line 13): flow main node closed: unknown prompt "closed": neither built in nor uploaded for language fr`},
		{"settings in French, flow in English", "settings: {language: fr}\n", `name: main`, "name: main\n    language: en", "", ""},
		{"settings in French apply to the flow", "settings: {language: fr}\n", "", "", "",
			`unknown prompt "closed": neither built in nor uploaded for language fr`},
		{"stored French applies to the flow", "", "", "", "fr",
			`unknown prompt "closed": neither built in nor uploaded for language fr`},
		{"the file's settings override the stored language", "settings: {language: en}\n", "", "", "fr", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.settings + ivrYAML
			if tc.from != "" {
				doc = strings.Replace(doc, tc.from, tc.to, 1)
			}
			known := languagesKnown()
			known.Language = tc.stored
			checkParseWith(t, doc, known, tc.want)
		})
	}
}

// TestParseLanguageShape checks that without known prompts a language
// is checked for its shape only.
func TestParseLanguageShape(t *testing.T) {
	if _, err := Parse([]byte("settings: {language: de}\n")); err != nil {
		t.Errorf("Parse(de) = %v", err)
	}
	_, err := Parse([]byte("settings: {language: French}\n"))
	if err == nil || !strings.Contains(err.Error(), `settings.language (line 1): "French" is not a language code such as en or fr`) {
		t.Errorf("Parse(French) = %v", err)
	}
}

// TestLanguageRoundTrip imports settings.language and a flow's language,
// exports them, and reads the stored settings language; a store with
// none speaks DefaultLanguage.
func TestLanguageRoundTrip(t *testing.T) {
	ctx := t.Context()
	st, err := store.OpenFile(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if lang, err := StoredLanguage(ctx, st); err != nil || lang != DefaultLanguage {
		t.Fatalf("StoredLanguage of a new store = %q, %v", lang, err)
	}
	if out, err := Export(ctx, st); err != nil || out.Settings.Language != DefaultLanguage {
		t.Fatalf("export of a new store: %+v, %v", out, err)
	}
	f, err := Parse([]byte("settings: {language: fr}\n" + strings.Replace(ivrYAML, "name: main", "name: main\n    language: en", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(ctx, st, f); err != nil {
		t.Fatal(err)
	}
	if lang, err := StoredLanguage(ctx, st); err != nil || lang != "fr" {
		t.Fatalf("StoredLanguage = %q, %v", lang, err)
	}
	out, err := Export(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	data, err := out.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"language: fr", "language: en"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("export lacks %q:\n%s", want, data)
		}
	}
	if out.Settings.Language != "fr" || out.Flows[0].Language != "en" {
		t.Errorf("exported settings %+v, flow language %q", out.Settings, out.Flows[0].Language)
	}
	// A file without settings keeps the stored language.
	f, err = Parse([]byte("settings: {timezone: Europe/Paris}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(ctx, st, f); err != nil {
		t.Fatal(err)
	}
	if lang, _ := StoredLanguage(ctx, st); lang != "fr" {
		t.Errorf("settings without a language changed it to %q", lang)
	}
}
