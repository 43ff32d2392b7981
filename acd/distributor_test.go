package acd_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/config"
)

// offers records the offers a channel receives.
type offers struct {
	mu   sync.Mutex
	list []offer
}

type offer struct {
	ctx context.Context
	acd.Offer
}

func (o *offers) Offer(ctx context.Context, of acd.Offer) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.list = append(o.list, offer{ctx, of})
}

// take returns and forgets the offers received so far.
func (o *offers) take() []offer {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.list
	o.list = nil
	return l
}

// harness is a distributor on a fake clock whose every channel records its
// offers, with the event log kept for the invariant checks.
type harness struct {
	t      *testing.T
	d      *acd.Distributor
	clock  *fakeClock
	offers *offers
	mu     sync.Mutex
	events []stats.Event
}

func newHarness(t *testing.T, qs []config.Queue, as []config.Agent) *harness {
	t.Helper()
	h := &harness{t: t, clock: newFakeClock(), offers: &offers{}}
	h.d = acd.New(acd.Config{Clock: h.clock, Observe: func(e stats.Event) {
		h.mu.Lock()
		h.events = append(h.events, e)
		h.mu.Unlock()
	}})
	h.d.SetConfig(qs, as)
	for _, c := range []acd.Channel{acd.Voice, acd.Chat, acd.Email, acd.Callback} {
		h.d.Handle(c, h.offers)
	}
	t.Cleanup(h.checkInvariants)
	return h
}

// checkInvariants verifies the event log and that no agent holds capacity
// for an item that is not live.
func (h *harness) checkInvariants() {
	h.t.Helper()
	h.mu.Lock()
	evs := slices.Clone(h.events)
	h.mu.Unlock()
	if err := stats.Check(evs); err != nil {
		h.t.Errorf("event log invariant: %v", err)
	}
	s := h.d.Snapshot()
	live := 0
	for _, q := range s.Queues {
		live += q.Waiting + q.Offered + q.Held
	}
	reserved := 0
	for _, a := range s.Agents {
		reserved += len(a.Offered) + len(a.Held)
		if len(a.Offered)+len(a.Held) == 0 && a.FreeCapacity != a.Capacity {
			h.t.Errorf("agent %s holds nothing but has %d of %d units free", a.Name, a.FreeCapacity, a.Capacity)
		}
	}
	if live == 0 && reserved != 0 {
		h.t.Errorf("no live item but agents hold %d", reserved)
	}
}

func (h *harness) enqueue(it acd.Item) string {
	h.t.Helper()
	id, err := h.d.Enqueue(context.Background(), it)
	if err != nil {
		h.t.Fatalf("enqueue %+v: %v", it, err)
	}
	return id
}

func (h *harness) available(names ...string) {
	h.t.Helper()
	for _, n := range names {
		if err := h.d.SetPresence(context.Background(), n, acd.Presence{State: acd.Available}); err != nil {
			h.t.Fatal(err)
		}
	}
}

// offered asserts the offers made since the last call: item → agents.
func (h *harness) offered(want ...string) []offer {
	h.t.Helper()
	got := h.offers.take()
	var desc []string
	for _, o := range got {
		var names []string
		for _, a := range o.Agents {
			names = append(names, a.Name)
		}
		desc = append(desc, o.Item.ID+"→"+joinNames(names))
	}
	if !slices.Equal(desc, want) {
		h.t.Fatalf("offers = %q, want %q", desc, want)
	}
	return got
}

func joinNames(ns []string) string {
	s := ""
	for i, n := range ns {
		if i > 0 {
			s += ","
		}
		s += n
	}
	return s
}

func (h *harness) accept(id, agent string) {
	h.t.Helper()
	if err := h.d.Accept(context.Background(), id, agent); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) complete(id string) {
	h.t.Helper()
	if err := h.d.Complete(context.Background(), id); err != nil {
		h.t.Fatal(err)
	}
}

func agents(names ...string) []config.Agent {
	var out []config.Agent
	for _, n := range names {
		out = append(out, config.Agent{Name: n, Extension: "1" + n})
	}
	return out
}

func support(members ...string) config.Queue {
	return config.Queue{Name: "support", Members: members, WrapUp: dur(10 * time.Second)}
}

func dur(d time.Duration) *config.Duration {
	c := config.Duration(d)
	return &c
}

func TestOfferAcceptCompleteWrapUp(t *testing.T) {
	h := newHarness(t, []config.Queue{support("alice")}, agents("alice"))
	h.enqueue(acd.Item{ID: "c1", Channel: acd.Voice, Queue: "support"})
	h.offered() // nobody logged in
	h.available("alice")
	o := h.offered("c1→alice")
	if o[0].Agents[0].Extension != "1alice" || o[0].Timeout != acd.DefaultRingTimeout {
		t.Errorf("offer = %+v", o[0].Offer)
	}
	h.accept("c1", "alice")
	if o[0].ctx.Err() == nil {
		t.Error("the offer's context is still live after it was accepted")
	}
	h.enqueue(acd.Item{ID: "c2", Channel: acd.Voice, Queue: "support"})
	h.offered() // alice is in a call
	h.clock.Advance(time.Minute)
	h.complete("c1")
	h.clock.Advance(9 * time.Second)
	h.offered() // wrap-up
	h.clock.Advance(time.Second)
	h.offered("c2→alice")
	h.accept("c2", "alice")
	h.complete("c2")
}

func TestRingNoAnswerKeepsThePlaceAndSetsTheAgentAway(t *testing.T) {
	h := newHarness(t, []config.Queue{support("alice", "bob")}, agents("alice", "bob"))
	h.available("alice")
	h.enqueue(acd.Item{ID: "old", Channel: acd.Voice, Queue: "support"})
	o := h.offered("old→alice")
	h.clock.Advance(time.Second)
	h.enqueue(acd.Item{ID: "new", Channel: acd.Voice, Queue: "support"})
	h.clock.Advance(acd.DefaultRingTimeout)
	if o[0].ctx.Err() == nil {
		t.Error("the timed-out offer's context is still live")
	}
	p, _ := h.d.Presence("alice")
	if p.State != acd.Away || p.Reason != acd.ReasonNoAnswer {
		t.Errorf("alice after ring no answer = %+v", p)
	}
	h.offered()
	h.available("bob")
	h.offered("old→bob") // not the newer item: "old" kept its place
	h.accept("old", "bob")
	h.complete("old")
	h.clock.Advance(acd.DefaultWrapUp + 10*time.Second)
	h.offered("new→bob")
	h.accept("new", "bob")
	h.complete("new")
}

func TestCapacityMixesChannels(t *testing.T) {
	h := newHarness(t, []config.Queue{support("alice")}, agents("alice"))
	h.available("alice")
	h.enqueue(acd.Item{ID: "chat1", Channel: acd.Chat, Queue: "support"})
	h.enqueue(acd.Item{ID: "chat2", Channel: acd.Chat, Queue: "support"})
	h.enqueue(acd.Item{ID: "mail1", Channel: acd.Email, Queue: "support"})
	h.offered("chat1→alice", "chat2→alice", "mail1→alice")
	for _, id := range []string{"chat1", "chat2", "mail1"} {
		h.accept(id, "alice")
	}
	// 25+25+10 = 60 of 100 units: a call (100) does not fit, a chat does.
	h.enqueue(acd.Item{ID: "call", Channel: acd.Voice, Queue: "support"})
	h.offered()
	h.enqueue(acd.Item{ID: "chat3", Channel: acd.Chat, Queue: "support"})
	h.offered("chat3→alice")
	h.accept("chat3", "alice")
	for _, id := range []string{"chat1", "chat2", "chat3", "mail1"} {
		h.complete(id)
	}
	h.clock.Advance(10 * time.Second) // the queue's wrap-up
	h.offered("call→alice")
	if err := h.d.Abandon(context.Background(), "call"); err != nil {
		t.Fatal(err)
	}
}

// TestMembersAvailableCountsPresencePerChannel: an agent available for
// voice only does not staff the queue's chats; a busy one still does.
func TestMembersAvailableCountsPresencePerChannel(t *testing.T) {
	h := newHarness(t, []config.Queue{support("alice", "bob")}, agents("alice", "bob"))
	if err := h.d.SetPresence(context.Background(), "alice", acd.Presence{State: acd.Available, Channels: []acd.Channel{acd.Voice}}); err != nil {
		t.Fatal(err)
	}
	if n := h.d.MembersAvailable("support", acd.Chat); n != 0 {
		t.Fatalf("chat staffed by %d with alice on voice only", n)
	}
	h.available("bob")
	h.enqueue(acd.Item{ID: "call", Channel: acd.Voice, Queue: "support"})
	h.offered("call→alice")
	h.accept("call", "alice")
	if n, free := h.d.MembersAvailable("support", acd.Voice), h.d.AgentsAvailable("support", acd.Voice); n != 2 || free != 1 {
		t.Fatalf("voice: %d members available, %d free; want 2 and 1", n, free)
	}
	if n := h.d.MembersAvailable("support", acd.Chat); n != 1 {
		t.Fatalf("chat staffed by %d, want bob", n)
	}
	if n := h.d.MembersAvailable("nowhere", acd.Chat); n != 0 {
		t.Fatalf("a missing queue staffed by %d", n)
	}
	h.complete("call")
}

func TestChatsDuringACallOnlyForMultitaskingAgents(t *testing.T) {
	no := false
	as := []config.Agent{{Name: "multi"}, {Name: "single", MultitaskInCall: &no}}
	h := newHarness(t, []config.Queue{{Name: "a", Members: []string{"multi"}}, {Name: "b", Members: []string{"single"}}}, as)
	h.available("multi", "single")
	h.enqueue(acd.Item{ID: "call-a", Channel: acd.Voice, Queue: "a"})
	h.enqueue(acd.Item{ID: "call-b", Channel: acd.Voice, Queue: "b"})
	h.offered("call-a→multi", "call-b→single")
	h.accept("call-a", "multi")
	h.accept("call-b", "single")
	h.enqueue(acd.Item{ID: "chat-a", Channel: acd.Chat, Queue: "a", Size: 1})
	h.enqueue(acd.Item{ID: "chat-b", Channel: acd.Chat, Queue: "b", Size: 1})
	h.offered() // a call takes all 100 units: nothing fits
	h.d.SetConfig([]config.Queue{{Name: "a", Members: []string{"multi"}}, {Name: "b", Members: []string{"single"}}},
		[]config.Agent{{Name: "multi", Capacity: 200}, {Name: "single", Capacity: 200, MultitaskInCall: &no}})
	h.offered("chat-a→multi")
	for _, id := range []string{"call-a", "call-b", "chat-a", "chat-b"} {
		_ = h.d.Abandon(context.Background(), id)
	}
}

func TestRingAllOffersEveryAgentAndTheFirstAnswerWins(t *testing.T) {
	q := support("alice", "bob", "carol")
	q.Strategy = "ring-all"
	h := newHarness(t, []config.Queue{q}, agents("alice", "bob", "carol"))
	h.available("alice", "bob", "carol")
	h.enqueue(acd.Item{ID: "c1", Channel: acd.Voice, Queue: "support"})
	h.offered("c1→alice,bob,carol")
	h.accept("c1", "bob")
	if err := h.d.Accept(context.Background(), "c1", "alice"); !errors.Is(err, acd.ErrNotOffered) {
		t.Errorf("second answer: %v, want ErrNotOffered", err)
	}
	h.enqueue(acd.Item{ID: "c2", Channel: acd.Voice, Queue: "support"})
	h.offered("c2→alice,carol")
	_ = h.d.Abandon(context.Background(), "c2")
	h.complete("c1")
}

func TestRingAllLosersGetTheNextItemAtOnce(t *testing.T) {
	q := support("alice", "bob")
	q.Strategy = "ring-all"
	h := newHarness(t, []config.Queue{q}, agents("alice", "bob"))
	h.available("alice", "bob")
	h.enqueue(acd.Item{ID: "c1", Channel: acd.Voice, Queue: "support"})
	h.enqueue(acd.Item{ID: "c2", Channel: acd.Voice, Queue: "support"})
	h.offered("c1→alice,bob")
	h.accept("c1", "alice")
	h.offered("c2→bob") // bob rang for c1 and is free again: no wait for a tick
	_ = h.d.Abandon(context.Background(), "c2")
	h.complete("c1")
}

func TestDeclineReturnsTheItemAndSkipsTheAgentForAMoment(t *testing.T) {
	h := newHarness(t, []config.Queue{support("alice", "bob")}, agents("alice", "bob"))
	h.available("alice")
	h.enqueue(acd.Item{ID: "c1", Channel: acd.Voice, Queue: "support"})
	h.offered("c1→alice")
	h.available("bob")
	if err := h.d.Decline(context.Background(), "c1", "alice", "busy"); err != nil {
		t.Fatal(err)
	}
	h.offered("c1→bob")
	h.accept("c1", "bob")
	h.complete("c1")
}

func TestAbandonWhileRingingFreesTheAgent(t *testing.T) {
	h := newHarness(t, []config.Queue{support("alice")}, agents("alice"))
	h.available("alice")
	h.enqueue(acd.Item{ID: "c1", Channel: acd.Voice, Queue: "support"})
	o := h.offered("c1→alice")
	if err := h.d.Abandon(context.Background(), "c1"); err != nil {
		t.Fatal(err)
	}
	if o[0].ctx.Err() == nil {
		t.Error("offer context live after the caller left")
	}
	if err := h.d.Accept(context.Background(), "c1", "alice"); !errors.Is(err, acd.ErrNotOffered) {
		t.Errorf("late answer: %v", err)
	}
	h.enqueue(acd.Item{ID: "c2", Channel: acd.Voice, Queue: "support"})
	h.offered("c2→alice") // no wrap-up after a call that never reached her
	_ = h.d.Abandon(context.Background(), "c2")
}

func TestOverflowAfterAWaitAndWhenNobodyIsLoggedIn(t *testing.T) {
	first := support()
	first.Name = "first"
	first.Overflow = &config.Overflow{After: config.Duration(time.Minute), To: "queue:second"}
	second := support("bob")
	second.Name = "second"
	empty := support("carol")
	empty.Name = "empty"
	empty.Overflow = &config.Overflow{WhenEmpty: true, To: "queue:second"}
	h := newHarness(t, []config.Queue{first, second, empty}, agents("bob", "carol"))
	h.available("bob")
	h.enqueue(acd.Item{ID: "late", Channel: acd.Email, Queue: "first"})
	h.offered()
	h.clock.Advance(59 * time.Second)
	h.d.Tick()
	h.offered()
	h.clock.Advance(time.Second)
	h.d.Tick()
	h.offered("late→bob")
	h.enqueue(acd.Item{ID: "unstaffed", Channel: acd.Email, Queue: "empty"})
	h.offered("unstaffed→bob")
	s := h.d.Snapshot()
	for _, q := range s.Queues {
		if q.Name != "second" && q.Overflowed != 1 {
			t.Errorf("queue %s overflowed %d, want 1", q.Name, q.Overflowed)
		}
	}
	_ = h.d.Abandon(context.Background(), "late")
	_ = h.d.Abandon(context.Background(), "unstaffed")
}

func TestFullQueueRefusesNewItems(t *testing.T) {
	q := support("alice")
	q.MaxLength = 1
	h := newHarness(t, []config.Queue{q}, agents("alice"))
	h.enqueue(acd.Item{ID: "c1", Channel: acd.Voice, Queue: "support"})
	if _, err := h.d.Enqueue(context.Background(), acd.Item{ID: "c2", Channel: acd.Voice, Queue: "support"}); !errors.Is(err, acd.ErrQueueFull) {
		t.Errorf("second item: %v, want ErrQueueFull", err)
	}
	if _, err := h.d.Enqueue(context.Background(), acd.Item{ID: "c3", Channel: acd.Voice, Queue: "nope"}); !errors.Is(err, acd.ErrNoQueue) {
		t.Errorf("unknown queue: %v, want ErrNoQueue", err)
	}
	_ = h.d.Abandon(context.Background(), "c1")
}

func TestPriorityThenAgeAcrossQueuesByWeight(t *testing.T) {
	low := config.Queue{Name: "low", Members: []string{"alice"}, WrapUp: dur(0)}
	high := config.Queue{Name: "high", Members: []string{"alice"}, Weight: 10, WrapUp: dur(0)}
	h := newHarness(t, []config.Queue{low, high}, agents("alice"))
	h.enqueue(acd.Item{ID: "low-old", Channel: acd.Voice, Queue: "low"})
	h.clock.Advance(time.Second)
	h.enqueue(acd.Item{ID: "high-new", Channel: acd.Voice, Queue: "high"})
	h.clock.Advance(time.Second)
	h.enqueue(acd.Item{ID: "vip", Channel: acd.Voice, Queue: "low", Priority: 5})
	h.available("alice")
	for _, id := range []string{"vip", "high-new", "low-old"} {
		h.offered(id + "→alice")
		h.accept(id, "alice")
		h.complete(id)
		h.clock.Advance(time.Millisecond)
	}
}

func TestTransferKeepsTheArrival(t *testing.T) {
	billing := support("bob")
	billing.Name = "billing"
	h := newHarness(t, []config.Queue{support("alice"), billing}, agents("alice", "bob"))
	h.available("alice")
	h.enqueue(acd.Item{ID: "c1", Channel: acd.Chat, Queue: "support"})
	h.offered("c1→alice")
	h.accept("c1", "alice")
	h.clock.Advance(time.Minute)
	h.enqueue(acd.Item{ID: "c2", Channel: acd.Chat, Queue: "billing"})
	if err := h.d.Transfer(context.Background(), "c1", "billing"); err != nil {
		t.Fatal(err)
	}
	h.available("bob")
	h.offered("c1→bob", "c2→bob")
	h.accept("c1", "bob")
	h.accept("c2", "bob")
	h.complete("c1")
	h.complete("c2")
}

// prober reports the items of a channel as ended.
type prober struct {
	*offers
	alive map[string]bool
}

func (p prober) Alive(id string) bool { return p.alive[id] }

func TestSelfCheckReleasesAgentsOfEndedItems(t *testing.T) {
	h := newHarness(t, []config.Queue{support("alice")}, agents("alice"))
	p := prober{offers: h.offers, alive: map[string]bool{}}
	h.d.Handle(acd.Voice, p)
	h.available("alice")
	h.enqueue(acd.Item{ID: "c1", Channel: acd.Voice, Queue: "support"})
	h.offered("c1→alice")
	h.accept("c1", "alice")
	h.d.SelfCheck() // the call is gone but nobody told the distributor
	s := h.d.Snapshot()
	if a := s.Agents[0]; len(a.Held) != 0 || a.FreeCapacity != a.Capacity {
		t.Errorf("alice after the self-check: %+v", a)
	}
}

func TestExpectedWaitFromPositionStaffingAndHandleTime(t *testing.T) {
	h := newHarness(t, []config.Queue{support("alice", "bob")}, agents("alice", "bob"))
	h.available("alice", "bob")
	for _, id := range []string{"a", "b"} {
		h.enqueue(acd.Item{ID: id, Channel: acd.Voice, Queue: "support"})
	}
	h.offers.take()
	h.accept("a", "alice")
	h.accept("b", "bob")
	h.clock.Advance(2 * time.Minute)
	h.complete("a")
	h.complete("b")
	// Handle time is now 2 minutes; both agents wrap up (they will take
	// the first two callers), four callers wait: the 4th is served when
	// two calls ended, one every minute with two agents.
	for _, id := range []string{"c", "d", "e", "f"} {
		h.enqueue(acd.Item{ID: id, Channel: acd.Voice, Queue: "support"})
	}
	pos, wait := h.d.ItemWait("f")
	if pos != 4 || wait != 2*time.Minute {
		t.Errorf("4th caller: position %d, wait %s; want 4 and 2m0s", pos, wait)
	}
	if got := h.d.ExpectedWait("support", acd.Voice); got != 3*time.Minute {
		t.Errorf("expected wait of a new caller = %s, want 3m0s", got)
	}
	for _, id := range []string{"c", "d", "e", "f"} {
		_ = h.d.Abandon(context.Background(), id)
	}
}

func TestChannelSizesAreConfigurable(t *testing.T) {
	clock := newFakeClock()
	got := &offers{}
	d := acd.New(acd.Config{Clock: clock, Sizes: map[acd.Channel]int{acd.Chat: 50}})
	d.SetConfig([]config.Queue{support("alice")}, agents("alice"))
	d.Handle(acd.Chat, got)
	if err := d.SetPresence(context.Background(), "alice", acd.Presence{State: acd.Available}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"c1", "c2", "c3"} {
		if _, err := d.Enqueue(context.Background(), acd.Item{ID: id, Channel: acd.Chat, Queue: "support"}); err != nil {
			t.Fatal(err)
		}
	}
	if o := got.take(); len(o) != 2 {
		t.Errorf("%d chats of 50 units offered to a 100-unit agent, want 2", len(o))
	}
}

func TestPreferredAgentFirstElseTheQueue(t *testing.T) {
	h := newHarness(t, []config.Queue{support("alice", "bob")}, agents("alice", "bob"))
	h.available("alice", "bob")
	// bob would be chosen (both idle since the same time, ID order), but
	// the conversation is alice's.
	h.enqueue(acd.Item{ID: "reply1", Channel: acd.Email, Queue: "support", Prefer: "bob"})
	h.offered("reply1→bob")
	h.enqueue(acd.Item{ID: "reply2", Channel: acd.Email, Queue: "support", Prefer: "alice"})
	h.offered("reply2→alice")
	if err := h.d.SetPresence(context.Background(), "alice", acd.Presence{State: acd.Away, Reason: "lunch"}); err != nil {
		t.Fatal(err)
	}
	h.enqueue(acd.Item{ID: "reply3", Channel: acd.Email, Queue: "support", Prefer: "alice"})
	h.offered("reply3→bob") // alice is away: the queue serves it
	for _, id := range []string{"reply1", "reply2", "reply3"} {
		_ = h.d.Abandon(context.Background(), id)
	}
}
