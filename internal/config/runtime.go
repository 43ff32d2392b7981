package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Runtime holds the settings of `switchboard serve`, from flags or
// SWITCHBOARD_* environment variables.
type Runtime struct {
	DataDir  string // --data / SWITCHBOARD_DATA
	SIP      string // --sip / SWITCHBOARD_SIP, UDP and TCP listen address
	HTTP     string // --http / SWITCHBOARD_HTTP
	RTPPorts string // --rtp-ports / SWITCHBOARD_RTP_PORTS, "10000-20000"
	PublicIP string // --public-ip / SWITCHBOARD_PUBLIC_IP, advertised in SIP and SDP
	Demo     bool   // --demo / SWITCHBOARD_DEMO, seeds a demo setup at first start
	LogLevel string // --log-level / SWITCHBOARD_LOG_LEVEL: debug, info, warn, error
}

// Validate checks every setting and names the flag at fault.
func (r Runtime) Validate() error {
	var errs ErrorList
	add := func(flag, format string, args ...any) {
		errs = append(errs, &FieldError{Path: "--" + flag, Msg: fmt.Sprintf(format, args...)})
	}
	if r.DataDir == "" {
		add("data", "required")
	}
	if err := checkHostPort(r.SIP); err != nil {
		add("sip", "%v", err)
	}
	if err := checkHostPort(r.HTTP); err != nil {
		add("http", "%v", err)
	}
	if _, _, err := r.RTPRange(); err != nil {
		add("rtp-ports", "%v", err)
	}
	if r.PublicIP != "" {
		if _, err := netip.ParseAddr(r.PublicIP); err != nil {
			add("public-ip", "not an IP address: %q", r.PublicIP)
		}
	}
	if _, err := r.Level(); err != nil {
		add("log-level", "%v", err)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("want HOST:PORT, got %q", s)
	}
	if host != "" {
		if _, err := netip.ParseAddr(host); err != nil {
			return fmt.Errorf("host must be an IP address, got %q", host)
		}
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("bad port %q", port)
	}
	return nil
}

// RTPRange parses RTPPorts into an even first port and a last port.
func (r Runtime) RTPRange() (lo, hi int, err error) {
	a, b, ok := strings.Cut(r.RTPPorts, "-")
	if !ok {
		return 0, 0, fmt.Errorf("want FIRST-LAST, got %q", r.RTPPorts)
	}
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	switch {
	case err1 != nil || err2 != nil:
		return 0, 0, fmt.Errorf("want FIRST-LAST port numbers, got %q", r.RTPPorts)
	case lo < 1024 || hi > 65535 || hi-lo < 3:
		return 0, 0, fmt.Errorf("range %d-%d must lie within 1024-65535 and hold at least two port pairs", lo, hi)
	}
	if lo%2 == 1 {
		lo++
	}
	return lo, hi, nil
}

// Level parses LogLevel.
func (r Runtime) Level() (slog.Level, error) {
	var l slog.Level
	if r.LogLevel == "" {
		return slog.LevelInfo, nil
	}
	if err := l.UnmarshalText([]byte(r.LogLevel)); err != nil {
		return 0, fmt.Errorf("want debug, info, warn or error, got %q", r.LogLevel)
	}
	return l, nil
}
