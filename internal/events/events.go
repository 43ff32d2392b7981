// Package events is the appliance's in-process publish/subscribe bus for live
// views (wallboard, agent console, CLI status). Publishing never blocks: a
// subscriber that falls behind loses events and is told so by a gap in Seq.
package events

import (
	"context"
	"sync"
	"time"
)

// Event is one change of live state.
type Event struct {
	// Seq increases by one per published event; a jump tells a subscriber it
	// missed events and should re-read a snapshot.
	Seq uint64
	// Time is when the event was published.
	Time time.Time
	// Topic names the kind of event, e.g. "queue", "agent", "call", "alert".
	Topic string
	// Data is the payload; publishers document its type per topic.
	Data any
}

// Bus fans events out to subscribers.
type Bus struct {
	mu   sync.Mutex // guards the following fields
	seq  uint64
	subs map[*subscription]struct{}
}

type subscription struct {
	topics map[string]bool
	ch     chan Event
}

// NewBus returns an empty bus.
func NewBus() *Bus {
	return &Bus{subs: make(map[*subscription]struct{})}
}

// Publish sends an event to every subscriber of topic without blocking.
func (b *Bus) Publish(topic string, data any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	ev := Event{Seq: b.seq, Time: time.Now(), Topic: topic, Data: data}
	for s := range b.subs {
		if len(s.topics) > 0 && !s.topics[topic] {
			continue
		}
		select {
		case s.ch <- ev:
		default:
		}
	}
}

// Subscribe returns a channel of events on the given topics (all topics when
// none is named), buffered to size. The channel is closed when ctx ends.
func (b *Bus) Subscribe(ctx context.Context, size int, topics ...string) <-chan Event {
	s := &subscription{ch: make(chan Event, size)}
	if len(topics) > 0 {
		s.topics = make(map[string]bool, len(topics))
		for _, t := range topics {
			s.topics[t] = true
		}
	}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	context.AfterFunc(ctx, func() {
		b.mu.Lock()
		delete(b.subs, s)
		close(s.ch)
		b.mu.Unlock()
	})
	return s.ch
}
