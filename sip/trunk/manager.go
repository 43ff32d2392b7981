package trunk

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/emiago/sipgo"
)

// Config tunes a Manager; zero values mean the defaults.
type Config struct {
	// Logger receives registration changes; nil means slog.Default().
	Logger *slog.Logger
	// MinBackoff is the first retry delay after a failed registration;
	// 0 means 2 s. It doubles per failure up to MaxBackoff.
	MinBackoff time.Duration
	// MaxBackoff caps the retry delay; 0 means 5 min.
	MaxBackoff time.Duration
	// Timeout bounds one REGISTER transaction; 0 means 32 s (Timer F).
	Timeout time.Duration
	// ContactHost is the host:port put in Contact; empty means the
	// client's hostname.
	ContactHost string
	// OnStatus, when set, is called from the registration goroutine after
	// each REGISTER outcome, e.g. to persist it for `trunk status`
	// (store.PutTrunkStatus); it must not block for long.
	OnStatus func(Status)
	// Resolve maps a host name to addresses for MatchPeer; nil uses
	// net.DefaultResolver at New.
	Resolve func(host string) []netip.Addr
}

// The registration states reported by Status.
const (
	StateRegistering = "registering"
	StateRegistered  = "registered"
	StateFailing     = "failing"
	StatePeer        = "peer"
)

// Status is a trunk's live state.
type Status struct {
	Trunk string
	// State is one of the State constants.
	State string
	// Reason is the last failure, e.g. "403 Forbidden" or a timeout.
	Reason string
	// Expires is when the current registration lapses.
	Expires time.Time
	// Since is when State last changed.
	Since time.Time
}

// Manager keeps register trunks registered and answers questions about
// trunks; safe for concurrent use.
type Manager struct {
	client *sipgo.Client
	cfg    Config
	log    *slog.Logger
	trunks []Trunk
	peers  map[netip.Addr]int

	mu     sync.Mutex // guards the following fields
	status map[string]Status
}

// New validates the trunks and returns a manager sending through client
// (built on the SIP server's user agent so answers reach its sockets).
func New(client *sipgo.Client, trunks []Trunk, cfg Config) (*Manager, error) {
	m := &Manager{client: client, cfg: cfg, log: cfg.Logger, peers: map[netip.Addr]int{}, status: map[string]Status{}}
	if m.log == nil {
		m.log = slog.Default()
	}
	resolve := cfg.Resolve
	if resolve == nil {
		resolve = lookup
	}
	now := time.Now()
	for i, t := range trunks {
		if err := t.Validate(); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(trunks[:i], func(o Trunk) bool { return o.Name == t.Name }) {
			return nil, fmt.Errorf("%w %q: name: used twice", ErrInvalid, t.Name)
		}
		m.trunks = append(m.trunks, t)
		for _, a := range t.addrs(resolve) {
			if _, taken := m.peers[a]; !taken {
				m.peers[a] = i
			}
		}
		st := Status{Trunk: t.Name, State: StatePeer, Since: now}
		if t.Type == TypeRegister {
			st.State = StateRegistering
		}
		m.status[t.Name] = st
	}
	return m, nil
}

func lookup(host string) []netip.Addr {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	return ips
}

// Trunks returns the configured trunks.
func (m *Manager) Trunks() []Trunk { return slices.Clone(m.trunks) }

// Trunk returns the trunk called name.
func (m *Manager) Trunk(name string) (Trunk, bool) {
	for _, t := range m.trunks {
		if t.Name == name {
			return t, true
		}
	}
	return Trunk{}, false
}

// MatchPeer returns the trunk whose host or outbound proxy has the source
// address of a request (any port: providers answer from pools of ports).
// Calls from addresses no trunk has must be refused with 403.
func (m *Manager) MatchPeer(src netip.AddrPort) (Trunk, bool) {
	i, ok := m.peers[src.Addr().Unmap()]
	if !ok {
		return Trunk{}, false
	}
	return m.trunks[i], true
}

// Status returns every trunk's live state, in configuration order.
func (m *Manager) Status() []Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Status, 0, len(m.trunks))
	for _, t := range m.trunks {
		out = append(out, m.status[t.Name])
	}
	return out
}

func (m *Manager) setStatus(st Status) {
	m.mu.Lock()
	if old := m.status[st.Trunk]; old.State == st.State {
		st.Since = old.Since
	}
	m.status[st.Trunk] = st
	m.mu.Unlock()
	if m.cfg.OnStatus != nil {
		m.cfg.OnStatus(st)
	}
}

// Run keeps every register trunk registered until ctx ends, then returns
// after all its goroutines have stopped. Registrations are not removed on
// exit: they lapse at expiry, as with a power cut.
func (m *Manager) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, t := range m.trunks {
		if t.Type != TypeRegister {
			continue
		}
		r := newRegistration(m, t)
		wg.Go(func() { r.run(ctx) })
	}
	wg.Wait()
	return nil
}
