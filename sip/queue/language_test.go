package queue

import (
	"context"
	"testing"
)

// TestCallLanguage checks which language a call speaks: its flow's, else
// the settings language, else the default.
func TestCallLanguage(t *testing.T) {
	ctx := t.Context()
	fr := New(Config{Language: func(context.Context) string { return "fr" }})
	for _, tc := range []struct{ flow, want string }{{"", "fr"}, {"en", "en"}, {"fr", "fr"}} {
		if c := fr.NewCall(ctx, nil, tc.flow); c.lang != tc.want {
			t.Errorf("settings fr, flow %q: the call speaks %q, want %q", tc.flow, c.lang, tc.want)
		}
	}
	for name, s := range map[string]*Service{
		"no settings":    New(Config{}),
		"empty settings": New(Config{Language: func(context.Context) string { return "" }}),
	} {
		if got := s.language(ctx); got != "en" {
			t.Errorf("%s: the language is %q, want en", name, got)
		}
	}
}
