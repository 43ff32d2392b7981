package trunk

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/sip/dialplan"
	"github.com/switchboard-cc/switchboard/sip/tollfraud"
)

// Setup is the stored phone-network configuration, ready to use. A setup
// in use changes only by Update.
type Setup struct {
	// Trunks feed New (and Manager.Update).
	Trunks []Trunk
	// Plan routes inbound and outbound numbers.
	Plan *dialplan.Dialplan
	// Fraud configures tollfraud.New with today's stored usage (add Bus,
	// Logger and OnCharge: StoreUsage), and Guard.SetLimits on a reload.
	Fraud tollfraud.Config

	mu sync.RWMutex // guards permissions
	// permissions gives each extension's class and caller ID; extensions
	// missing here are dialplan.ClassNational without caller ID.
	permissions map[string]Permission
}

// Permission is an extension's outbound class and own caller ID.
type Permission struct {
	Class    dialplan.Class
	CallerID string
}

// Caller returns the dialplan caller for an authenticated extension.
func (s *Setup) Caller(extension string, authenticated bool) dialplan.Caller {
	s.mu.RLock()
	p, ok := s.permissions[extension]
	s.mu.RUnlock()
	if !ok {
		p.Class = dialplan.ClassNational
	}
	return dialplan.Caller{Extension: extension, Authenticated: authenticated, Class: p.Class, CallerID: p.CallerID}
}

// Update gives s the configuration of a newer Load while calls use s:
// routes (Plan.Set) and permissions at once; Trunks and Fraud are the
// newer ones too, for Manager.Update and Guard.SetLimits. The trunk
// manager and the toll-fraud guard are updated by their own methods.
func (s *Setup) Update(newer *Setup) {
	s.Plan.Set(newer.Plan)
	newer.mu.RLock()
	perms := newer.permissions
	newer.mu.RUnlock()
	s.mu.Lock()
	s.permissions = perms
	s.Trunks, s.Fraud = newer.Trunks, newer.Fraud
	s.mu.Unlock()
}

// Load reads trunks, routes, permissions and the international allowlist
// from the store and validates them as the server will use them.
func Load(ctx context.Context, st *store.Store) (*Setup, error) {
	recs, err := st.Trunks(ctx)
	if err != nil {
		return nil, err
	}
	s := &Setup{permissions: map[string]Permission{}}
	cfg := dialplan.Config{Countries: map[string]dialplan.Country{}, TrunkCallerID: map[string]string{}}
	for _, r := range recs {
		t := Trunk{Name: r.Name, Type: r.Type, Host: r.Host, Username: r.Username, Password: r.Password,
			Transport: r.Transport, Codecs: r.Codecs, DTMF: r.DTMF, OutboundProxy: r.OutboundProxy,
			Country:    dialplan.Country{Code: r.CountryCode, NationalPrefix: r.NationalPrefix, InternationalPrefix: r.InternationalPrefix},
			CalledFrom: r.CalledFrom, Expiry: time.Duration(r.ExpirySeconds) * time.Second}
		if err := t.Validate(); err != nil {
			return nil, err
		}
		s.Trunks = append(s.Trunks, t)
		cfg.Countries[t.Name] = t.Country
		if len(r.DIDs) > 0 {
			cfg.TrunkCallerID[t.Name] = r.DIDs[0]
		}
	}
	routes, err := st.Routes(ctx)
	if err != nil {
		return nil, err
	}
	for _, in := range routes.Inbound {
		cfg.Inbound = append(cfg.Inbound, dialplan.InboundRoute{DID: in.DID, To: in.To, Trunk: in.Trunk})
	}
	for _, o := range routes.Outbound {
		cfg.Outbound = append(cfg.Outbound, dialplan.OutboundRoute{Pattern: o.Pattern, Strip: o.Strip, Prepend: o.Prepend,
			Trunks: o.Trunks, Class: o.Class, Emergency: o.Emergency, CallerID: o.CallerID})
	}
	cfg.Emergency = routes.Emergency
	if s.Plan, err = dialplan.New(cfg); err != nil {
		return nil, fmt.Errorf("trunk: load routes: %w", err)
	}
	perms, err := st.Permissions(ctx)
	if err != nil {
		return nil, err
	}
	s.Fraud.PerExtension = map[string]tollfraud.Limits{}
	for _, p := range perms {
		class, err := dialplan.ParseClass(p.Class)
		if err != nil {
			return nil, fmt.Errorf("trunk: load permissions of %s: %w", p.Extension, err)
		}
		s.permissions[p.Extension] = Permission{Class: class, CallerID: p.CallerID}
		s.Fraud.PerExtension[p.Extension] = tollfraud.Limits{MaxConcurrent: p.MaxConcurrent,
			InternationalPerDay: time.Duration(p.InternationalMinutes) * time.Minute}
	}
	if s.Fraud.AllowedPrefixes, err = config.InternationalAllowlist(ctx, st); err != nil {
		return nil, err
	}
	s.Fraud.UsedDay = time.Now().Format(time.DateOnly)
	if s.Fraud.Used, err = st.InternationalUsage(ctx, s.Fraud.UsedDay); err != nil {
		return nil, err
	}
	return s, nil
}

// StoreUsage returns a tollfraud OnCharge that persists international call
// time, read back by Load at the next start; write errors go to log.
func StoreUsage(ctx context.Context, st *store.Store, log *slog.Logger) func(extension, day string, d time.Duration) {
	return func(ext, day string, d time.Duration) {
		if err := st.AddInternationalUsage(ctx, ext, day, d); err != nil {
			log.Warn("trunk: record international usage", "extension", ext, "err", err)
		}
	}
}

// StoreStatus returns a Config.OnStatus that records each trunk's state in
// the store for `switchboard trunk status`; write errors go to log.
func StoreStatus(ctx context.Context, st *store.Store, log *slog.Logger) func(Status) {
	return func(s Status) {
		err := st.PutTrunkStatus(ctx, store.TrunkStatus{Name: s.Trunk, State: s.State, Reason: s.Reason, Expires: s.Expires, Updated: time.Now()})
		if err != nil {
			log.Warn("trunk: record status", "trunk", s.Trunk, "err", err)
		}
	}
}
