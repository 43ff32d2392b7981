package tollfraud

import (
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/events"
)

// Limits are one extension's toll-fraud limits; zero fields mean the
// defaults of Config.
type Limits struct {
	// MaxConcurrent caps simultaneous external calls; 0 means 2.
	MaxConcurrent int
	// InternationalPerDay caps answered international call time per day;
	// 0 means 60 minutes.
	InternationalPerDay time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.MaxConcurrent <= 0 {
		l.MaxConcurrent = 2
	}
	if l.InternationalPerDay <= 0 {
		l.InternationalPerDay = time.Hour
	}
	return l
}

// Config configures a Guard.
type Config struct {
	// Default applies to extensions missing from PerExtension.
	Default Limits
	// PerExtension overrides the limits by extension number.
	PerExtension map[string]Limits
	// AllowedPrefixes lists the E.164 prefixes international calls may go
	// to (e.g. "+44", "+49"); empty allows every destination.
	AllowedPrefixes []string
	// Bus receives an Alert on topic "alert" when a limit trips; nil
	// publishes nothing.
	Bus *events.Bus
	// Logger logs the alerts; nil means slog.Default().
	Logger *slog.Logger
	// Location decides when a day starts; nil means time.Local.
	Location *time.Location
	// Used is the international time each extension already spent on the
	// day it was read (UsedDay, YYYY-MM-DD), e.g. from the store at start.
	Used    map[string]time.Duration
	UsedDay string
	// OnCharge, when set, is called after a call's international time is
	// added to day (YYYY-MM-DD), e.g. to persist it; it runs without the
	// guard's lock held.
	OnCharge func(extension, day string, d time.Duration)
}

// Alert is the payload published on topic "alert" when a limit trips.
type Alert struct {
	Extension string
	Number    string
	// Reason is the sentinel's text, e.g. ErrMinutes.Error().
	Reason string
}

// Guard tracks external calls per extension; safe for concurrent use.
type Guard struct {
	log *slog.Logger

	mu     sync.Mutex // guards the following fields
	cfg    Config     // the limit fields change by SetLimits
	active map[string]int
	used   map[string]time.Duration
	day    string
}

// New returns a guard with no call in progress.
func New(cfg Config) *Guard {
	g := &Guard{cfg: cfg, log: cfg.Logger, active: map[string]int{}, used: map[string]time.Duration{}}
	if g.log == nil {
		g.log = slog.Default()
	}
	if g.cfg.Location == nil {
		g.cfg.Location = time.Local
	}
	g.rollDay(time.Now())
	if cfg.UsedDay == g.day {
		for ext, d := range cfg.Used {
			g.used[ext] = d
		}
	}
	return g
}

// SetLimits applies the Default, PerExtension and AllowedPrefixes of cfg
// (a configuration reload); the calls in progress and the international
// time spent today are kept.
func (g *Guard) SetLimits(cfg Config) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cfg.Default, g.cfg.PerExtension, g.cfg.AllowedPrefixes = cfg.Default, cfg.PerExtension, cfg.AllowedPrefixes
}

// limits returns ext's limits; g.mu must be held.
func (g *Guard) limits(ext string) Limits {
	if l, ok := g.cfg.PerExtension[ext]; ok {
		return l.withDefaults()
	}
	return g.cfg.Default.withDefaults()
}

// rollDay forgets yesterday's minutes; g.mu must be held.
func (g *Guard) rollDay(now time.Time) {
	if d := now.In(g.cfg.Location).Format(time.DateOnly); d != g.day {
		g.day = d
		clear(g.used)
	}
}

// Admit checks an external call from ext to the E.164 number and, when
// allowed, counts it until Call.End. Emergency calls are always admitted and
// count against nothing.
func (g *Guard) Admit(ext, number string, international, emergency bool) (*Call, error) {
	if emergency {
		return &Call{}, nil
	}
	if ext == "" {
		return nil, g.trip(ext, number, ErrUnauthenticated)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	lim := g.limits(ext)
	g.rollDay(time.Now())
	if international && !g.allowed(number) {
		return nil, g.trip(ext, number, ErrDestination)
	}
	if g.active[ext] >= lim.MaxConcurrent {
		return nil, g.trip(ext, number, ErrConcurrent)
	}
	if international && g.used[ext] >= lim.InternationalPerDay {
		return nil, g.trip(ext, number, ErrMinutes)
	}
	g.active[ext]++
	c := &Call{g: g, ext: ext, intl: international}
	if international {
		c.budget = lim.InternationalPerDay - g.used[ext]
	}
	return c, nil
}

func (g *Guard) allowed(number string) bool {
	if len(g.cfg.AllowedPrefixes) == 0 {
		return true
	}
	for _, p := range g.cfg.AllowedPrefixes {
		if strings.HasPrefix(number, p) {
			return true
		}
	}
	return false
}

// trip logs and publishes the alert and returns the refusal.
func (g *Guard) trip(ext, number string, err error) error {
	g.log.Warn("tollfraud: limit tripped", "extension", ext, "number", number, "reason", err)
	if g.cfg.Bus != nil {
		g.cfg.Bus.Publish("alert", Alert{Extension: ext, Number: number, Reason: err.Error()})
	}
	return &LimitError{Err: err, Extension: ext, Number: number}
}

// Used returns the international time ext spent today.
func (g *Guard) Used(ext string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.rollDay(time.Now())
	return g.used[ext]
}

// Active returns the number of external calls ext has in progress.
func (g *Guard) Active(ext string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.active[ext]
}

// Call is one admitted external call.
type Call struct {
	g      *Guard
	ext    string
	intl   bool
	budget time.Duration

	mu       sync.Mutex // guards the following fields
	answered time.Time
	ended    bool
}

// Answered starts charging an international call's time.
func (c *Call) Answered() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.answered.IsZero() {
		c.answered = time.Now()
	}
}

// Budget returns how long an international call may last before the
// extension's daily budget is spent; ok is false for calls without a budget.
func (c *Call) Budget() (d time.Duration, ok bool) {
	return c.budget, c.intl
}

// End releases the call and charges its answered international time to
// today's budget (a call across midnight is charged to the day it ends).
// Calling End again does nothing.
func (c *Call) End() {
	if c.g == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	c.ended = true
	g := c.g
	g.mu.Lock()
	if g.active[c.ext]--; g.active[c.ext] <= 0 {
		delete(g.active, c.ext)
	}
	g.rollDay(time.Now())
	var spent time.Duration
	if c.intl && !c.answered.IsZero() {
		spent = time.Since(c.answered)
		g.used[c.ext] += spent
	}
	day := g.day
	g.mu.Unlock()
	if spent > 0 && g.cfg.OnCharge != nil {
		g.cfg.OnCharge(c.ext, day, spent)
	}
}

// Day returns the current day (YYYY-MM-DD) in the guard's time zone, the
// key of Config.UsedDay and OnCharge.
func (g *Guard) Day() string {
	return time.Now().In(g.cfg.Location).Format(time.DateOnly)
}
