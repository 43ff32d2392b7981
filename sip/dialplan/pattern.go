package dialplan

import (
	"fmt"
	"strings"
)

// Pattern is a parsed dial pattern in the usual PBX notation: digits, '*',
// '#' and '+' match themselves; X matches 0-9, Z 1-9, N 2-9; [1-5] or [135]
// match a set; a final '.' matches one or more further characters. A
// leading '_' (Asterisk style) is accepted and ignored.
type Pattern struct {
	src   string
	elems []charSet
	rest  bool
}

// charSet is a bitmask over the dialable characters 0-9 * # +.
type charSet uint16

const (
	bitStar = 10
	bitHash = 11
	bitPlus = 12
)

func charBit(c byte) (uint, bool) {
	switch {
	case c >= '0' && c <= '9':
		return uint(c - '0'), true
	case c == '*':
		return bitStar, true
	case c == '#':
		return bitHash, true
	case c == '+':
		return bitPlus, true
	}
	return 0, false
}

func digitRange(lo, hi byte) charSet {
	var s charSet
	for c := lo; c <= hi; c++ {
		s |= 1 << (c - '0')
	}
	return s
}

// maxPatternLen bounds a pattern so hostile configuration stays cheap.
const maxPatternLen = 64

// ParsePattern parses a dial pattern.
func ParsePattern(s string) (Pattern, error) {
	p := Pattern{src: s}
	body := strings.TrimPrefix(s, "_")
	if body == "" || len(body) > maxPatternLen {
		return Pattern{}, fmt.Errorf("%w %q: must be 1 to %d characters", ErrBadPattern, s, maxPatternLen)
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '.':
			if i != len(body)-1 {
				return Pattern{}, fmt.Errorf("%w %q: '.' must be last", ErrBadPattern, s)
			}
			p.rest = true
		case c == 'X' || c == 'x':
			p.elems = append(p.elems, digitRange('0', '9'))
		case c == 'Z' || c == 'z':
			p.elems = append(p.elems, digitRange('1', '9'))
		case c == 'N' || c == 'n':
			p.elems = append(p.elems, digitRange('2', '9'))
		case c == '[':
			end := strings.IndexByte(body[i:], ']')
			if end < 0 {
				return Pattern{}, fmt.Errorf("%w %q: unclosed '['", ErrBadPattern, s)
			}
			set, err := parseSet(body[i+1 : i+end])
			if err != nil {
				return Pattern{}, fmt.Errorf("%w %q: %v", ErrBadPattern, s, err)
			}
			p.elems = append(p.elems, set)
			i += end
		default:
			b, ok := charBit(c)
			if !ok {
				return Pattern{}, fmt.Errorf("%w %q: unexpected %q", ErrBadPattern, s, c)
			}
			p.elems = append(p.elems, 1<<b)
		}
	}
	if len(p.elems) == 0 {
		return Pattern{}, fmt.Errorf("%w %q: matches nothing", ErrBadPattern, s)
	}
	return p, nil
}

func parseSet(in string) (charSet, error) {
	if in == "" {
		return 0, fmt.Errorf("empty set")
	}
	var set charSet
	for i := 0; i < len(in); i++ {
		if i+2 < len(in) && in[i+1] == '-' {
			lo, hi := in[i], in[i+2]
			if lo < '0' || lo > '9' || hi < '0' || hi > '9' || lo > hi {
				return 0, fmt.Errorf("bad range %q", in[i:i+3])
			}
			set |= digitRange(lo, hi)
			i += 2
			continue
		}
		b, ok := charBit(in[i])
		if !ok {
			return 0, fmt.Errorf("unexpected %q in set", in[i])
		}
		set |= 1 << b
	}
	return set, nil
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.src }

// MinLen is the length of the shortest number the pattern matches.
func (p Pattern) MinLen() int {
	if p.rest {
		return len(p.elems) + 1
	}
	return len(p.elems)
}

// Match reports whether number matches the whole pattern.
func (p Pattern) Match(number string) bool {
	if len(number) < p.MinLen() || (!p.rest && len(number) != len(p.elems)) {
		return false
	}
	for i := 0; i < len(number); i++ {
		b, ok := charBit(number[i])
		if !ok {
			return false
		}
		if i < len(p.elems) && p.elems[i]&(1<<b) == 0 {
			return false
		}
	}
	return true
}

// specificity orders patterns when several match: more fixed elements and
// no trailing '.' win, as in the usual PBX rule "most specific first".
func (p Pattern) specificity() int {
	n := 0
	for _, e := range p.elems {
		n += 16 - popcount(e)
	}
	if !p.rest {
		n += 1000
	}
	return n
}

func popcount(s charSet) int {
	n := 0
	for ; s != 0; s &= s - 1 {
		n++
	}
	return n
}
