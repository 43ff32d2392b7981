package calendar

import (
	"context"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// FromConfig parses a `calendars:` entry; defaultZone applies when the
// entry names no time zone.
func FromConfig(c config.Calendar, defaultZone string) (*Calendar, error) {
	zone := c.TimeZone
	if zone == "" {
		zone = defaultZone
	}
	return Parse(Spec{Name: c.Name, TimeZone: zone, Hours: c.Hours, Holidays: c.Holidays, Exceptions: c.Exceptions})
}

// Load reads and parses every stored calendar.
func Load(ctx context.Context, st *store.Store, defaultZone string) (Set, error) {
	cs, err := config.ExportCalendars(ctx, st)
	if err != nil {
		return nil, err
	}
	set := Set{}
	for _, c := range cs {
		cal, err := FromConfig(c, defaultZone)
		if err != nil {
			return nil, err
		}
		set[c.Name] = cal
	}
	return set, nil
}
