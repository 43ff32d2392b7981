package dialplan

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
)

// DefaultEmergency are the emergency numbers used when Config.Emergency is
// empty: 112 (EU), 15 (SAMU), 17 (police), 18 (fire brigade).
var DefaultEmergency = []string{"112", "15", "17", "18"}

// InboundRoute sends calls to one DID (E.164, or a pattern) to a destination.
type InboundRoute struct {
	// DID is the called number in E.164 ("+33123456789") or a pattern
	// matched against the E.164 form ("+3312345678X").
	DID string
	// To is the destination, e.g. "flow:main".
	To string
	// Trunk, when set, restricts the route to calls from that trunk.
	Trunk string
}

// OutboundRoute sends dialled numbers matching Pattern to trunks.
type OutboundRoute struct {
	// Pattern is matched against the number as dialled.
	Pattern string
	// Strip removes that many leading characters before Prepend is added.
	Strip int
	// Prepend is put in front of the number after stripping.
	Prepend string
	// Trunks are tried in order: the next one on 5xx or timeout only.
	Trunks []string
	// Class is the class a caller needs; empty means derived from the
	// number: national in the first trunk's country, else international.
	Class string
	// Emergency marks the route's numbers as always allowed.
	Emergency bool
	// CallerID, when set, is presented instead of the trunk's default.
	CallerID string
}

// Config is the whole dial plan.
type Config struct {
	Inbound  []InboundRoute
	Outbound []OutboundRoute
	// Emergency numbers are always allowed, whatever the caller's class;
	// empty means DefaultEmergency.
	Emergency []string
	// Countries holds each trunk's numbering settings by trunk name; a
	// trunk missing here uses the zero Country (France).
	Countries map[string]Country
	// TrunkCallerID is each trunk's default caller ID by trunk name.
	TrunkCallerID map[string]string
}

// Caller is the extension placing an outbound call.
type Caller struct {
	// Extension is the extension number; it must be set and Authenticated
	// true, or the call is refused.
	Extension string
	// Authenticated is true when the request passed digest authentication.
	Authenticated bool
	// Class is the extension's permission class.
	Class Class
	// CallerID, when set, is the extension's own external number and wins
	// over the route's and the trunk's.
	CallerID string
}

// Leg is one attempt of an outbound call.
type Leg struct {
	Trunk string
	// CallerID is the number to present on this trunk ("" leaves the
	// trunk's own identity).
	CallerID string
}

// Plan is the outcome of an outbound route.
type Plan struct {
	// Number is the number to send after strip and prepend.
	Number string
	// E164 is Number normalised with the first trunk's country.
	E164 string
	// Legs are the trunks to try, in order (see Failover).
	Legs []Leg
	// Class is the class the number needed.
	Class Class
	// Emergency is true for an emergency number.
	Emergency bool
	// Route is the pattern that matched.
	Route string
}

// International reports whether the plan needed the international class.
func (p Plan) International() bool { return p.Class == ClassInternational }

type inbound struct {
	pat   Pattern
	exact string
	dest  Destination
	trunk string
}

type outbound struct {
	OutboundRoute
	pat   Pattern
	class Class
	fixed bool
}

// Dialplan is a validated dial plan; safe for concurrent use. Its routes
// change only as a whole, by Set.
type Dialplan struct {
	t atomic.Pointer[table]
}

// table is one validated configuration of a Dialplan, never modified.
type table struct {
	inbound   []inbound
	outbound  []outbound
	emergency map[string]bool
	countries map[string]Country
	callerID  map[string]string
}

// New validates cfg and returns the dial plan; errors name the route.
func New(cfg Config) (*Dialplan, error) {
	d := &table{emergency: map[string]bool{}, countries: cfg.Countries, callerID: cfg.TrunkCallerID}
	var errs []error
	for i, r := range cfg.Inbound {
		dest, err := ParseDestination(r.To)
		if err != nil {
			errs = append(errs, fmt.Errorf("inbound[%d].to: %w", i, err))
			continue
		}
		in := inbound{dest: dest, trunk: r.Trunk}
		if strings.ContainsAny(r.DID, "XZNxzn[.") {
			if in.pat, err = ParsePattern(r.DID); err != nil {
				errs = append(errs, fmt.Errorf("inbound[%d].did: %w", i, err))
				continue
			}
		} else if in.exact, err = (Country{}).E164(r.DID); err != nil || !strings.HasPrefix(r.DID, "+") {
			errs = append(errs, fmt.Errorf("inbound[%d].did: want E.164 like +33123456789, got %q", i, r.DID))
			continue
		}
		d.inbound = append(d.inbound, in)
	}
	for i, r := range cfg.Outbound {
		o := outbound{OutboundRoute: r}
		var err error
		if o.pat, err = ParsePattern(r.Pattern); err != nil {
			errs = append(errs, fmt.Errorf("outbound[%d].pattern: %w", i, err))
			continue
		}
		if r.Class != "" {
			if o.class, err = ParseClass(r.Class); err != nil {
				errs = append(errs, fmt.Errorf("outbound[%d].class: %w", i, err))
				continue
			}
			o.fixed = true
		}
		if len(r.Trunks) == 0 {
			errs = append(errs, fmt.Errorf("outbound[%d].trunks: at least one trunk", i))
		}
		if r.Strip < 0 || r.Strip >= o.pat.MinLen() {
			errs = append(errs, fmt.Errorf("outbound[%d].strip: must be 0 to %d", i, o.pat.MinLen()-1))
		}
		d.outbound = append(d.outbound, o)
	}
	em := cfg.Emergency
	if len(em) == 0 {
		em = DefaultEmergency
	}
	for _, n := range em {
		d.emergency[n] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Most specific pattern first; equal ones keep configuration order.
	sort.SliceStable(d.outbound, func(i, j int) bool {
		return d.outbound[i].pat.specificity() > d.outbound[j].pat.specificity()
	})
	p := &Dialplan{}
	p.t.Store(d)
	return p, nil
}

// Set gives d the routes of other (a configuration reload): calls routed
// from then on follow them, calls already routed keep their plan.
func (d *Dialplan) Set(other *Dialplan) { d.t.Store(other.t.Load()) }

// Inbound routes a call received on trunk for the called number (as
// extracted by the trunk: Request-URI user, To user or a provider header),
// normalised to E.164 with the trunk's country. Exact DIDs win over
// patterns; ErrNoRoute otherwise.
func (d *Dialplan) Inbound(trunk, called string) (Destination, error) {
	tb := d.t.Load()
	e164, err := tb.countries[trunk].E164(called)
	if err != nil {
		return Destination{}, err
	}
	for _, r := range tb.inbound {
		if r.exact == e164 && (r.trunk == "" || r.trunk == trunk) {
			return r.dest, nil
		}
	}
	for _, r := range tb.inbound {
		if r.exact == "" && r.pat.Match(e164) && (r.trunk == "" || r.trunk == trunk) {
			return r.dest, nil
		}
	}
	return Destination{}, &Error{Err: ErrNoRoute, Number: called}
}

// Emergency reports whether a dialled number is an emergency number.
func (d *Dialplan) Emergency(dialled string) bool {
	return d.t.Load().emergency[stripSeparators(dialled)]
}

// Outbound routes a number dialled by an extension. It refuses callers that
// are not authenticated extensions, finds the most specific matching route,
// applies strip and prepend, and checks the caller's class; emergency
// numbers (configured, or on a route marked emergency) skip the class check.
func (d *Dialplan) Outbound(c Caller, dialled string) (Plan, error) {
	tb := d.t.Load()
	if !c.Authenticated || c.Extension == "" {
		return Plan{}, &Error{Err: ErrUnauthenticated, Number: dialled}
	}
	n := stripSeparators(dialled)
	for _, r := range tb.outbound {
		if !r.pat.Match(n) {
			continue
		}
		out := r.Prepend + n[r.Strip:]
		country := tb.countries[r.Trunks[0]]
		e164, err := country.E164(out)
		if err != nil {
			return Plan{}, err
		}
		p := Plan{Number: out, E164: e164, Emergency: r.Emergency || tb.emergency[n], Route: r.Pattern}
		switch {
		case r.fixed:
			p.Class = r.class
		case strings.HasPrefix(e164, "+") && !country.National(e164):
			p.Class = ClassInternational
		default:
			p.Class = ClassNational
		}
		if !p.Emergency && c.Class < p.Class {
			return Plan{}, &Error{Err: fmt.Errorf("%w: %s needs %s, extension %s is %s", ErrClassRefused, n, p.Class, c.Extension, c.Class), Number: dialled}
		}
		for _, t := range r.Trunks {
			id := c.CallerID
			if id == "" {
				id = r.CallerID
			}
			if id == "" {
				id = tb.callerID[t]
			}
			p.Legs = append(p.Legs, Leg{Trunk: t, CallerID: id})
		}
		return p, nil
	}
	return Plan{}, &Error{Err: ErrNoRoute, Number: dialled}
}

// Failover reports whether an outbound call should try the next trunk after
// a leg ended with the final status (0 when no response came) or a timeout:
// yes on timeout, no response and 5xx (the trunk failed), no on 4xx and 6xx
// (the callee answered: busy, not found, declined) and on success.
func Failover(status int, timedOut bool) bool {
	if timedOut || status == 0 {
		return true
	}
	return status >= 500 && status < 600
}
