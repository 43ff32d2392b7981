package customer

import (
	"fmt"
	"strings"
)

// country is the numbering plan of one country: its calling code, the
// trunk prefix dialled before a national number, and the national number
// lengths (without trunk prefix) that are accepted.
type country struct {
	code      string
	trunk     string
	minDigits int
	maxDigits int
}

// countries holds the numbering plans a default country can name. Numbers
// already in international form (+CC… or 00CC…) are accepted for any
// country calling code.
var countries = map[string]country{
	"FR": {code: "33", trunk: "0", minDigits: 9, maxDigits: 9},
	"BE": {code: "32", trunk: "0", minDigits: 8, maxDigits: 9},
	"CH": {code: "41", trunk: "0", minDigits: 9, maxDigits: 9},
	"LU": {code: "352", trunk: "", minDigits: 4, maxDigits: 11},
	"DE": {code: "49", trunk: "0", minDigits: 6, maxDigits: 13},
	"ES": {code: "34", trunk: "", minDigits: 9, maxDigits: 9},
	"IT": {code: "39", trunk: "", minDigits: 6, maxDigits: 11},
	"NL": {code: "31", trunk: "0", minDigits: 9, maxDigits: 9},
	"GB": {code: "44", trunk: "0", minDigits: 9, maxDigits: 10},
	"IE": {code: "353", trunk: "0", minDigits: 7, maxDigits: 9},
	"PT": {code: "351", trunk: "", minDigits: 9, maxDigits: 9},
	"US": {code: "1", trunk: "1", minDigits: 10, maxDigits: 10},
	"CA": {code: "1", trunk: "1", minDigits: 10, maxDigits: 10},
}

// NormalizePhone returns raw in E.164 form (+ and 8 to 15 digits). Spaces,
// dots, dashes, slashes and parentheses are ignored, and so is a trunk
// prefix written "(0)" ("+33 (0)6 12 34 56 78"); a sip: or tel: prefix and
// a ;parameter or @host suffix are stripped. A number starting with + or 00
// is international; any other is national in defaultCountry (an ISO 3166
// alpha-2 code such as "FR", see ITU-T E.164 §6 and E.123), or, when it is
// too long for a national number there but is that country's code followed
// by one, international without its prefix, as some trunks send a caller
// ("33612345678").
func NormalizePhone(raw, defaultCountry string) (string, error) {
	s := strings.TrimSpace(raw)
	for _, p := range []string{"sip:", "sips:", "tel:"} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			s = s[len(p):]
			break
		}
	}
	if i := strings.IndexAny(s, ";@"); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, "(0)", "")
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-' || r == '/' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("%w: %q: unexpected %q", ErrBadPhone, raw, r)
		}
	}
	d := b.String()
	var intl string
	switch {
	case strings.HasPrefix(d, "+"):
		intl = d[1:]
	case strings.HasPrefix(d, "00"):
		intl = d[2:]
	default:
		c, ok := countries[strings.ToUpper(defaultCountry)]
		if !ok {
			return "", fmt.Errorf("%w: %q is national and country %q is unknown", ErrBadPhone, raw, defaultCountry)
		}
		national := d
		if c.trunk != "" && strings.HasPrefix(national, c.trunk) && len(national)-len(c.trunk) >= c.minDigits {
			national = national[len(c.trunk):]
		}
		if rest, ok := strings.CutPrefix(d, c.code); ok && len(national) > c.maxDigits && c.fits(rest) {
			national = rest
		}
		if !c.fits(national) {
			return "", fmt.Errorf("%w: %q is not a %s number", ErrBadPhone, raw, strings.ToUpper(defaultCountry))
		}
		intl = c.code + national
	}
	if len(intl) < 8 || len(intl) > 15 || intl[0] == '0' {
		return "", fmt.Errorf("%w: %q", ErrBadPhone, raw)
	}
	for _, r := range intl {
		if r < '0' || r > '9' {
			return "", fmt.Errorf("%w: %q", ErrBadPhone, raw)
		}
	}
	return "+" + intl, nil
}

// fits reports whether national has a length national numbers of c have.
func (c country) fits(national string) bool {
	return len(national) >= c.minDigits && len(national) <= c.maxDigits
}

// ValidCountry reports whether NormalizePhone knows the numbering plan of
// the ISO 3166 alpha-2 code cc.
func ValidCountry(cc string) bool {
	_, ok := countries[strings.ToUpper(cc)]
	return ok
}
