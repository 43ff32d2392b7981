package customer

import (
	"errors"
	"regexp"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name, raw, country, want string
		err                      bool
	}{
		{"french mobile national", "0612345678", "FR", "+33612345678", false},
		{"french with spaces and dots", "06 12.34-56/78", "fr", "+33612345678", false},
		{"french international plus", "+33 6 12 34 56 78", "FR", "+33612345678", false},
		{"french international 00", "0033612345678", "FR", "+33612345678", false},
		{"plus overrides default country", "+44 20 7946 0958", "FR", "+442079460958", false},
		{"uk national", "020 7946 0958", "GB", "+442079460958", false},
		{"us with trunk 1", "1 (415) 555-0100", "US", "+14155550100", false},
		{"us ten digits", "415-555-0100", "US", "+14155550100", false},
		{"sip uri", "sip:+33612345678@pbx.example.com;user=phone", "FR", "+33612345678", false},
		{"tel uri", "tel:0612345678", "FR", "+33612345678", false},
		{"trunk prefix in parentheses", "+33 (0)6 12 34 56 78", "FR", "+33612345678", false},
		{"uk trunk prefix in parentheses", "+44 (0)20 7946 0958", "FR", "+442079460958", false},
		{"caller from a trunk: country code without prefix", "sip:33612345678@provider.example", "FR", "+33612345678", false},
		{"country code without prefix, spaced", "33 6 12 34 56 78", "FR", "+33612345678", false},
		{"other country's code without prefix is no number here", "442079460958", "FR", "", true},
		{"country code without prefix, national part too long", "336123456789", "FR", "", true},
		{"too short national", "06123", "FR", "", true},
		{"too long national", "061234567890", "FR", "", true},
		{"letters", "06CALLME00", "FR", "", true},
		{"plus in the middle", "06+12345678", "FR", "", true},
		{"empty", "", "FR", "", true},
		{"unknown default country", "0612345678", "ZZ", "", true},
		{"international too short", "+3361", "FR", "", true},
		{"international too long", "+3361234567890123", "FR", "", true},
		{"international zero country", "+0612345678", "FR", "", true},
		{"html", "<img src=x onerror=alert(1)>", "FR", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePhone(tt.raw, tt.country)
			if tt.err {
				if !errors.Is(err, ErrBadPhone) {
					t.Fatalf("NormalizePhone(%q) = %q, %v; want ErrBadPhone", tt.raw, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizePhone(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		name, raw, want string
		err             bool
	}{
		{"bare", "Marie@Example.COM", "marie@example.com", false},
		{"display name", `"Marie D." <marie@example.com>`, "marie@example.com", false},
		{"spaces", "  marie@example.com ", "marie@example.com", false},
		{"no at", "marie.example.com", "", true},
		{"empty", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeEmail(tt.raw)
			if tt.err {
				if !errors.Is(err, ErrBadEmail) {
					t.Fatalf("NormalizeEmail(%q) = %q, %v; want ErrBadEmail", tt.raw, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
		})
	}
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"0612345678", "+33 6 12 34 56 78", "0033612345678", "sip:+14155550100@x;user=phone", "1 (415) 555-0100", "tel:", "+", "00", "06+1", "+33 (0)6 12 34 56 78", "33612345678"} {
		f.Add(s, "FR")
		f.Add(s, "US")
	}
	f.Fuzz(func(t *testing.T, raw, country string) {
		got, err := NormalizePhone(raw, country)
		if err != nil {
			if !errors.Is(err, ErrBadPhone) {
				t.Fatalf("NormalizePhone(%q, %q): error %v is not ErrBadPhone", raw, country, err)
			}
			return
		}
		if !e164.MatchString(got) {
			t.Fatalf("NormalizePhone(%q, %q) = %q: not E.164", raw, country, got)
		}
		again, err := NormalizePhone(got, "ZZ")
		if err != nil || again != got {
			t.Fatalf("NormalizePhone(%q) = %q, %v: not idempotent", got, again, err)
		}
	})
}
