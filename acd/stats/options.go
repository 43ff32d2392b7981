package stats

import "time"

// Defaults for Options.
const (
	DefaultTarget       = 20 * time.Second
	DefaultShortAbandon = 5 * time.Second
)

// Options tune how events are counted; the zero value takes the defaults.
type Options struct {
	// Targets are the service-level target waits per queue; a queue not
	// listed has DefaultTarget (0: 20 s).
	Targets       map[string]time.Duration
	DefaultTarget time.Duration
	// ShortAbandon is the wait under which an abandon is short (0: 5 s;
	// negative: no abandon is short).
	ShortAbandon time.Duration
	// Location aligns the 15-minute intervals (nil: UTC).
	Location *time.Location
	// From and To keep only the queue visits that entered in [From, To);
	// a zero bound is open.
	From, To time.Time
}

// target is queue's service-level target wait.
func (o *Options) target(queue string) time.Duration {
	if t, ok := o.Targets[queue]; ok {
		return t
	}
	if o.DefaultTarget > 0 {
		return o.DefaultTarget
	}
	return DefaultTarget
}

// short reports whether an abandon after wait is a short one.
func (o *Options) short(wait time.Duration) bool {
	limit := o.ShortAbandon
	if limit == 0 {
		limit = DefaultShortAbandon
	}
	return wait < limit
}

// location is where intervals are aligned.
func (o *Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// inWindow reports whether a visit that entered at t is counted.
func (o *Options) inWindow(t time.Time) bool {
	return (o.From.IsZero() || !t.Before(o.From)) && (o.To.IsZero() || t.Before(o.To))
}

// Interval is the length of a statistics interval.
const Interval = 15 * time.Minute

// intervalStart returns the start of the quarter hour holding t, aligned
// on the wall clock of loc (a zone whose offset is not a whole number of
// quarter hours is aligned on its wall clock all the same).
func intervalStart(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	into := time.Duration(l.Minute()%15)*time.Minute + time.Duration(l.Second())*time.Second + time.Duration(l.Nanosecond())
	return l.Add(-into)
}
