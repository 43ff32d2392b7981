package trunk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"reflect"
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
	// Resolve maps a host name to addresses for MatchPeer; nil looks up
	// its addresses, or when it has none the targets of its SIP SRV
	// records, with net.DefaultResolver.
	Resolve func(host string) []netip.Addr
	// TCP, when set, sends the requests of tcp trunks: a client dialling
	// from an ephemeral port, since the SIP server's TCP port is its
	// listener's. Nil sends them with the client given to New.
	TCP *sipgo.Client
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
// trunks; safe for concurrent use. Its trunks change by Update.
type Manager struct {
	client  *sipgo.Client
	cfg     Config
	log     *slog.Logger
	resolve func(host string) []netip.Addr
	// changed wakes Run after Update.
	changed chan struct{}

	mu     sync.Mutex // guards the following fields
	trunks []Trunk
	peers  map[netip.Addr]int // index in trunks by source address
	status map[string]Status
	rev    int // counts Updates
}

// New validates the trunks and returns a manager sending through client
// (built on the SIP server's user agent so answers reach its sockets).
func New(client *sipgo.Client, trunks []Trunk, cfg Config) (*Manager, error) {
	m := &Manager{client: client, cfg: cfg, log: cfg.Logger, resolve: cfg.Resolve, changed: make(chan struct{}, 1), status: map[string]Status{}}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.resolve == nil {
		m.resolve = lookup
	}
	if err := m.Update(trunks); err != nil {
		return nil, err
	}
	return m, nil
}

// Update replaces the trunks (a configuration reload): calls are matched
// and sent with the new ones at once, and Run registers new register
// trunks, re-registers changed ones and unregisters removed ones. On an
// error nothing changes.
func (m *Manager) Update(trunks []Trunk) error {
	for i, t := range trunks {
		if err := t.Validate(); err != nil {
			return err
		}
		if slices.ContainsFunc(trunks[:i], func(o Trunk) bool { return o.Name == t.Name }) {
			return fmt.Errorf("%w %q: name: used twice", ErrInvalid, t.Name)
		}
	}
	peers := peersOf(trunks, m.resolve)
	now := time.Now()
	m.mu.Lock()
	status := make(map[string]Status, len(trunks))
	for _, t := range trunks {
		if st, ok := m.status[t.Name]; ok && slices.ContainsFunc(m.trunks, func(o Trunk) bool { return reflect.DeepEqual(o, t) }) {
			status[t.Name] = st
			continue
		}
		st := Status{Trunk: t.Name, State: StatePeer, Since: now}
		if t.Type == TypeRegister {
			st.State = StateRegistering
		}
		status[t.Name] = st
	}
	m.trunks, m.peers, m.status = slices.Clone(trunks), peers, status
	m.rev++
	m.mu.Unlock()
	select {
	case m.changed <- struct{}{}:
	default:
	}
	return nil
}

// Refresh resolves the trunks' host names again, for MatchPeer: a
// provider's address may change between configuration reloads.
func (m *Manager) Refresh() {
	m.mu.Lock()
	trunks, rev := m.trunks, m.rev
	m.mu.Unlock()
	peers := peersOf(trunks, m.resolve)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rev == rev { // an Update meanwhile resolved newer trunks
		m.peers = peers
	}
}

// peersOf maps the trunks' addresses to their index, the first trunk
// having an address taking it.
func peersOf(trunks []Trunk, resolve func(string) []netip.Addr) map[netip.Addr]int {
	peers := map[netip.Addr]int{}
	for i, t := range trunks {
		for _, a := range t.addrs(resolve) {
			if _, taken := peers[a]; !taken {
				peers[a] = i
			}
		}
	}
	return peers
}

func lookup(host string) []netip.Addr {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		// sipgo sends to a name without addresses by its SIP SRV records
		// (RFC 3263 §4.2), so they are the trunk's addresses too.
		ips = lookupSRV(ctx, host)
	}
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	return ips
}

// lookupSRV resolves the targets of host's SIP SRV records over UDP and
// TCP.
func lookupSRV(ctx context.Context, host string) []netip.Addr {
	var out []netip.Addr
	for _, proto := range []string{"udp", "tcp"} {
		_, srvs, err := net.DefaultResolver.LookupSRV(ctx, "sip", proto, host)
		if err != nil {
			continue
		}
		for _, srv := range srvs {
			if ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", srv.Target); err == nil {
				out = append(out, ips...)
			}
		}
	}
	return out
}

// clientFor returns the client sending trunk t's requests.
func (m *Manager) clientFor(t Trunk) *sipgo.Client {
	if t.transport() == "tcp" && m.cfg.TCP != nil {
		return m.cfg.TCP
	}
	return m.client
}

// Trunks returns the configured trunks.
func (m *Manager) Trunks() []Trunk {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.trunks)
}

// Trunk returns the trunk called name.
func (m *Manager) Trunk(name string) (Trunk, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
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
	m.mu.Lock()
	defer m.mu.Unlock()
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

// setStatus records a registration outcome, unless the trunk was removed
// meanwhile.
func (m *Manager) setStatus(st Status) {
	m.mu.Lock()
	old, ok := m.status[st.Trunk]
	if !ok {
		m.mu.Unlock()
		return
	}
	if old.State == st.State {
		st.Since = old.Since
	}
	m.status[st.Trunk] = st
	m.mu.Unlock()
	if m.cfg.OnStatus != nil {
		m.cfg.OnStatus(st)
	}
}

// errDropped stops the registration of a trunk that was removed or
// changed: it unregisters before it ends.
var errDropped = errors.New("trunk: removed or changed")

// running is one register trunk's registration goroutine.
type running struct {
	t    Trunk
	stop context.CancelCauseFunc
	done chan struct{}
}

// Run keeps every register trunk registered, following Update, until ctx
// ends, then returns after all its goroutines have stopped. Registrations
// are not removed on exit: they lapse at expiry, as with a power cut.
func (m *Manager) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	regs := map[string]*running{}
	for {
		m.reconcile(ctx, &wg, regs)
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-m.changed:
		}
	}
}

// reconcile makes regs match the register trunks: removed and changed ones
// stop (and unregister), new and changed ones start; a changed trunk's new
// registration waits until the old one is removed.
func (m *Manager) reconcile(ctx context.Context, wg *sync.WaitGroup, regs map[string]*running) {
	want := map[string]Trunk{}
	for _, t := range m.Trunks() {
		if t.Type == TypeRegister {
			want[t.Name] = t
		}
	}
	dropped := map[string]chan struct{}{}
	for name, r := range regs {
		if t, ok := want[name]; ok && reflect.DeepEqual(t, r.t) {
			delete(want, name)
			continue
		}
		r.stop(errDropped)
		dropped[name] = r.done
		delete(regs, name)
	}
	for name, t := range want {
		rctx, stop := context.WithCancelCause(ctx)
		r := &running{t: t, stop: stop, done: make(chan struct{})}
		after := dropped[name]
		wg.Go(func() {
			defer close(r.done)
			if after != nil {
				select {
				case <-after:
				case <-rctx.Done():
					return
				}
			}
			newRegistration(m, t).run(rctx)
		})
		regs[name] = r
	}
}
