package dialplan

import (
	"errors"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	cases := []struct {
		pattern, number string
		want            bool
	}{
		{"0[1-9]XXXXXXXX", "0123456789", true},
		{"0[1-9]XXXXXXXX", "0023456789", false},
		{"0[1-9]XXXXXXXX", "012345678", false},
		{"0[1-9]XXXXXXXX", "01234567890", false},
		{"_NXX", "200", true},
		{"NXX", "100", false},
		{"ZX", "10", true},
		{"ZX", "01", false},
		{"[135]X", "37", true},
		{"[135]X", "27", false},
		{"[1-35]", "2", true},
		{"[1-35]", "4", false},
		{"00.", "0044207", true},
		{"00.", "00", false},
		{"+.", "+1555", true},
		{"*X#", "*5#", true},
		{"112", "112", true},
		{"112", "1120", false},
		{"X.", "1a", false},
	}
	for _, c := range cases {
		t.Run(c.pattern+"/"+c.number, func(t *testing.T) {
			p, err := ParsePattern(c.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Match(c.number); got != c.want {
				t.Errorf("Match = %v, want %v", got, c.want)
			}
		})
	}
}

func TestParsePatternErrors(t *testing.T) {
	for _, s := range []string{"", "_", ".", "X.X", "[", "[]", "[9-1]", "[a]", "A", "0[1-9", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"} {
		t.Run(s, func(t *testing.T) {
			if _, err := ParsePattern(s); !errors.Is(err, ErrBadPattern) {
				t.Errorf("err = %v, want ErrBadPattern", err)
			}
		})
	}
}

func TestE164(t *testing.T) {
	fr := Country{}
	uk := Country{Code: "44"}
	us := Country{Code: "1", NationalPrefix: "1", InternationalPrefix: "011"}
	cases := []struct {
		name    string
		c       Country
		in, out string
		bad     bool
	}{
		{"fr national", fr, "0123456789", "+33123456789", false},
		{"fr national spaced", fr, "01 23 45 67 89", "+33123456789", false},
		{"fr mobile dotted", fr, "06.12.34.56.78", "+33612345678", false},
		{"fr international", fr, "0044207946000", "+44207946000", false},
		{"already e164", fr, "+33123456789", "+33123456789", false},
		{"uk national", uk, "02079460000", "+442079460000", false},
		{"us national", us, "12125550100", "+12125550100", false},
		{"us international", us, "01133123456789", "+33123456789", false},
		{"short number kept", fr, "112", "112", false},
		{"empty", fr, "", "", true},
		{"letters", fr, "01234abc", "", true},
		{"plus zero", fr, "+0123", "", true},
		{"too long", fr, "+1234567890123456", "", true},
		{"bare plus", fr, "+", "", true},
		{"national prefix alone", fr, "0", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.c.E164(c.in)
			if c.bad {
				if !errors.Is(err, ErrBadNumber) {
					t.Fatalf("E164(%q) = %q, %v; want ErrBadNumber", c.in, got, err)
				}
				return
			}
			if err != nil || got != c.out {
				t.Fatalf("E164(%q) = %q, %v; want %q", c.in, got, err, c.out)
			}
		})
	}
}

func testPlan(t *testing.T) *Dialplan {
	t.Helper()
	d, err := New(Config{
		Inbound: []InboundRoute{
			{DID: "+33123456789", To: "flow:main"},
			{DID: "+3312345678X", To: "queue:support"},
			{DID: "+33999999999", To: "extension:1001", Trunk: "gateway"},
			{DID: "+33111111111", To: "hangup:closed"},
		},
		Outbound: []OutboundRoute{
			{Pattern: "0[1-9]XXXXXXXX", Trunks: []string{"provider", "backup"}},
			{Pattern: "00.", Trunks: []string{"provider"}},
			{Pattern: "9.", Strip: 1, Trunks: []string{"gateway"}, Class: "local", CallerID: "+33100000000"},
			{Pattern: "1XX", Prepend: "+33", Trunks: []string{"provider"}, Class: "local"},
			{Pattern: "1X", Trunks: []string{"provider"}},
			{Pattern: "112", Trunks: []string{"gateway", "provider"}},
		},
		TrunkCallerID: map[string]string{"provider": "+33123456789"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestInbound(t *testing.T) {
	d := testPlan(t)
	cases := []struct {
		trunk, called, want string
		err                 error
	}{
		{"provider", "+33123456789", "flow:main", nil},
		{"provider", "0123456789", "flow:main", nil},
		{"provider", "0033123456789", "flow:main", nil},
		{"provider", "0123456781", "queue:support", nil},
		{"gateway", "0999999999", "extension:1001", nil},
		{"provider", "0999999999", "", ErrNoRoute},
		{"provider", "+33111111111", "hangup:closed", nil},
		{"provider", "0555555555", "", ErrNoRoute},
		{"provider", "abc", "", ErrBadNumber},
	}
	for _, c := range cases {
		t.Run(c.trunk+"/"+c.called, func(t *testing.T) {
			got, err := d.Inbound(c.trunk, c.called)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil || got.String() != c.want {
				t.Fatalf("Inbound = %v, %v; want %s", got, err, c.want)
			}
		})
	}
}

func TestOutbound(t *testing.T) {
	d := testPlan(t)
	ext := func(class Class) Caller { return Caller{Extension: "1001", Authenticated: true, Class: class} }
	cases := []struct {
		name    string
		caller  Caller
		dialled string
		number  string
		legs    []Leg
		class   Class
		status  int
	}{
		{"national", ext(ClassNational), "0123456789", "0123456789",
			[]Leg{{"provider", "+33123456789"}, {"backup", ""}}, ClassNational, 0},
		{"national refused to local", ext(ClassLocal), "0123456789", "", nil, 0, 403},
		{"international", ext(ClassInternational), "0044207946000", "0044207946000",
			[]Leg{{"provider", "+33123456789"}}, ClassInternational, 0},
		{"international refused to national", ext(ClassNational), "0044207946000", "", nil, 0, 403},
		{"strip and route caller id", ext(ClassLocal), "90612345678", "0612345678",
			[]Leg{{"gateway", "+33100000000"}}, ClassLocal, 0},
		{"prepend", ext(ClassLocal), "123", "+33123", []Leg{{"provider", "+33123456789"}}, ClassLocal, 0},
		{"extension caller id wins", Caller{Extension: "1002", Authenticated: true, Class: ClassNational, CallerID: "+33144444444"},
			"0123456789", "0123456789", []Leg{{"provider", "+33144444444"}, {"backup", "+33144444444"}}, ClassNational, 0},
		{"emergency from internal", ext(ClassInternal), "112", "112", []Leg{{"gateway", ""}, {"provider", "+33123456789"}}, ClassNational, 0},
		{"emergency 15 from internal", ext(ClassInternal), "15", "15", []Leg{{"provider", "+33123456789"}}, ClassNational, 0},
		{"non emergency short from internal", ext(ClassInternal), "10", "", nil, 0, 403},
		{"internal refused national", ext(ClassInternal), "0123456789", "", nil, 0, 403},
		{"no route", ext(ClassInternational), "5555", "", nil, 0, 404},
		{"unauthenticated", Caller{Extension: "1001", Class: ClassInternational}, "112", "", nil, 0, 403},
		{"no extension", Caller{Authenticated: true, Class: ClassInternational}, "0123456789", "", nil, 0, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := d.Outbound(c.caller, c.dialled)
			if c.status != 0 {
				var se interface{ SIPStatus() (int, string) }
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want a SIP status %d", err, c.status)
				}
				if code, _ := se.SIPStatus(); code != c.status {
					t.Fatalf("status = %d (%v), want %d", code, err, c.status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Number != c.number || p.Class != c.class || len(p.Legs) != len(c.legs) {
				t.Fatalf("plan = %+v, want number %s class %s legs %v", p, c.number, c.class, c.legs)
			}
			for i := range c.legs {
				if p.Legs[i] != c.legs[i] {
					t.Errorf("leg %d = %+v, want %+v", i, p.Legs[i], c.legs[i])
				}
			}
		})
	}
}

func TestConfiguredEmergency(t *testing.T) {
	d, err := New(Config{
		Outbound:  []OutboundRoute{{Pattern: "X.", Trunks: []string{"p"}, Class: "national"}},
		Emergency: []string{"911"},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := Caller{Extension: "1", Authenticated: true, Class: ClassInternal}
	if _, err := d.Outbound(c, "911"); err != nil {
		t.Errorf("911: %v", err)
	}
	if _, err := d.Outbound(c, "112"); !errors.Is(err, ErrClassRefused) {
		t.Errorf("112 not configured: err = %v, want ErrClassRefused", err)
	}
}

func TestFailover(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		timedOut bool
		want     bool
	}{
		{"503 next trunk", 503, false, true},
		{"500 next trunk", 500, false, true},
		{"timeout next trunk", 0, true, true},
		{"no response next trunk", 0, false, true},
		{"486 busy stops", 486, false, false},
		{"404 stops", 404, false, false},
		{"603 decline stops", 603, false, false},
		{"200 stops", 200, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Failover(c.status, c.timedOut); got != c.want {
				t.Errorf("Failover(%d, %v) = %v, want %v", c.status, c.timedOut, got, c.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
	}{
		{"bad destination", Config{Inbound: []InboundRoute{{DID: "+33123456789", To: "nowhere"}}}},
		{"bad did", Config{Inbound: []InboundRoute{{DID: "0123", To: "flow:main"}}}},
		{"bad pattern", Config{Outbound: []OutboundRoute{{Pattern: "0[", Trunks: []string{"p"}}}}},
		{"no trunk", Config{Outbound: []OutboundRoute{{Pattern: "0X"}}}},
		{"strip too long", Config{Outbound: []OutboundRoute{{Pattern: "0X", Strip: 2, Trunks: []string{"p"}}}}},
		{"bad class", Config{Outbound: []OutboundRoute{{Pattern: "0X", Trunks: []string{"p"}, Class: "galactic"}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := New(c.cfg); err == nil {
				t.Fatal("New accepted a bad config")
			}
		})
	}
}

func TestParseDestination(t *testing.T) {
	for _, s := range []string{"extension:1001", "queue:support", "flow:main", "hangup:closed", "hangup:"} {
		d, err := ParseDestination(s)
		if err != nil || d.String() != s {
			t.Errorf("ParseDestination(%q) = %v, %v", s, d, err)
		}
	}
	for _, s := range []string{"", "queue", "queue:", "pizza:1"} {
		if _, err := ParseDestination(s); !errors.Is(err, ErrBadDestination) {
			t.Errorf("ParseDestination(%q) err = %v", s, err)
		}
	}
}

func TestSetReplacesRoutes(t *testing.T) {
	live, err := New(Config{Outbound: []OutboundRoute{{Pattern: "0[1-9]XXXXXXXX", Trunks: []string{"old"}}}})
	if err != nil {
		t.Fatal(err)
	}
	newer, err := New(Config{
		Inbound:  []InboundRoute{{DID: "+33123456789", To: "queue:support"}},
		Outbound: []OutboundRoute{{Pattern: "0[1-9]XXXXXXXX", Trunks: []string{"new"}}, {Pattern: "3X", Trunks: []string{"new"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	caller := Caller{Extension: "1001", Authenticated: true, Class: ClassNational}
	before, err := live.Outbound(caller, "0123456789")
	if err != nil {
		t.Fatal(err)
	}
	live.Set(newer)
	after, err := live.Outbound(caller, "0123456789")
	if err != nil || after.Legs[0].Trunk != "new" {
		t.Fatalf("after Set: %+v, %v; want trunk new", after, err)
	}
	if before.Legs[0].Trunk != "old" {
		t.Fatalf("a plan made before Set changed: %+v", before)
	}
	if _, err := live.Outbound(caller, "36"); err != nil {
		t.Fatalf("new route: %v", err)
	}
	if d, err := live.Inbound("new", "0123456789"); err != nil || d.String() != "queue:support" {
		t.Fatalf("new inbound route: %v, %v", d, err)
	}
}
