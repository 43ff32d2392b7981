package dialplan

import (
	"fmt"
	"strings"
)

// Country holds the numbering settings a trunk uses to normalise numbers to
// E.164 (ITU-T E.164; "+" then country code and subscriber number).
type Country struct {
	// Code is the country calling code without "+", e.g. "33". Empty means
	// "33" (France), the appliance's home market.
	Code string
	// NationalPrefix is the trunk prefix of national numbers; empty means "0".
	NationalPrefix string
	// InternationalPrefix is the international call prefix; empty means "00".
	InternationalPrefix string
}

func (c Country) code() string {
	if c.Code == "" {
		return "33"
	}
	return c.Code
}

func (c Country) nationalPrefix() string {
	if c.NationalPrefix == "" {
		return "0"
	}
	return c.NationalPrefix
}

func (c Country) internationalPrefix() string {
	if c.InternationalPrefix == "" {
		return "00"
	}
	return c.InternationalPrefix
}

// Validate checks that the settings are digits only.
func (c Country) Validate() error {
	for _, f := range []struct{ name, v string }{{"code", c.Code}, {"national_prefix", c.NationalPrefix}, {"international_prefix", c.InternationalPrefix}} {
		if len(f.v) > 4 || !allDigits(f.v) {
			return fmt.Errorf("%s: must be up to 4 digits, got %q", f.name, f.v)
		}
	}
	if strings.HasPrefix(c.code(), "0") {
		return fmt.Errorf("code: must not start with 0, got %q", c.Code)
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maxE164Digits is the longest E.164 number (15 digits after '+').
const maxE164Digits = 15

// E164 normalises a number as dialled or received in this country:
// "+CC…" stays, the international prefix becomes "+", the national prefix
// becomes "+CC", and visual separators (space, '.', '-', '(', ')') are
// dropped. Anything else, or a result longer than 15 digits, is
// ErrBadNumber. Short numbers without a prefix (e.g. emergency "112") are
// returned as digits, unchanged.
func (c Country) E164(number string) (string, error) {
	n := stripSeparators(number)
	bad := &Error{Err: ErrBadNumber, Number: number}
	if n == "" {
		return "", bad
	}
	var out string
	switch ip, np := c.internationalPrefix(), c.nationalPrefix(); {
	case strings.HasPrefix(n, "+"):
		out = n
	case strings.HasPrefix(n, ip):
		out = "+" + n[len(ip):]
	case strings.HasPrefix(n, np):
		if len(n) == len(np) {
			return "", bad
		}
		out = "+" + c.code() + n[len(np):]
	default:
		if !allDigits(n) || len(n) > maxE164Digits {
			return "", bad
		}
		return n, nil
	}
	digits := out[1:]
	if digits == "" || len(digits) > maxE164Digits || !allDigits(digits) || digits[0] == '0' {
		return "", bad
	}
	return out, nil
}

// National reports whether an E.164 number is in this country.
func (c Country) National(e164 string) bool {
	return strings.HasPrefix(e164, "+"+c.code())
}

func stripSeparators(s string) string {
	if len(s) > 64 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '.', '-', '(', ')':
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
