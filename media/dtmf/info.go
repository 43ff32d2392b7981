package dtmf

import (
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"
)

// maxInfo bounds the INFO bodies parsed; real ones are a few dozen bytes.
const maxInfo = 1024

// ParseInfo reads the digit of a SIP INFO request from its Content-Type and
// body: application/dtmf-relay ("Signal=5\r\nDuration=160", duration in
// milliseconds) or application/dtmf (the key, or its RFC 4733 event code
// such as "11" for '#').
func ParseInfo(contentType string, body []byte) (Digit, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return Digit{}, fmt.Errorf("%w: content type %q", ErrBadInfo, contentType)
	}
	if len(body) > maxInfo {
		return Digit{}, fmt.Errorf("%w: %d-byte body", ErrBadInfo, len(body))
	}
	switch mt {
	case "application/dtmf-relay":
		return parseRelay(string(body))
	case "application/dtmf":
		key, err := parseKey(strings.TrimSpace(string(body)))
		return Digit{Key: key}, err
	default:
		return Digit{}, fmt.Errorf("%w: content type %q", ErrBadInfo, mt)
	}
}

func parseRelay(body string) (Digit, error) {
	var d Digit
	seen := false
	for line := range strings.Lines(body) {
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "signal":
			key, err := parseKey(value)
			if err != nil {
				return Digit{}, err
			}
			d.Key, seen = key, true
		case "duration":
			ms, err := strconv.ParseUint(value, 10, 16)
			if err != nil {
				return Digit{}, fmt.Errorf("%w: duration %q", ErrBadInfo, value)
			}
			d.Duration = time.Duration(ms) * time.Millisecond
		}
	}
	if !seen {
		return Digit{}, fmt.Errorf("%w: no Signal line", ErrBadInfo)
	}
	return d, nil
}

// parseKey accepts a key ("5", "*", "A") or an event code ("10", "11").
func parseKey(v string) (rune, error) {
	if len(v) == 1 {
		if code, err := CodeOf(rune(v[0])); err == nil {
			return KeyOf(code)
		}
	}
	if n, err := strconv.ParseUint(v, 10, 8); err == nil {
		if key, err := KeyOf(uint8(n)); err == nil {
			return key, nil
		}
	}
	return 0, fmt.Errorf("%w: signal %q", ErrBadInfo, v)
}
