package webui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
)

// distributorLive adapts the distributor to Live: agents are named by
// their web panel user name, which is their acd agent name.
type distributorLive struct {
	d *acd.Distributor
}

var (
	_ Live       = distributorLive{}
	_ AgentItems = distributorLive{}
)

// DistributorLive returns the Live view of the distributor d.
func DistributorLive(d *acd.Distributor) Live { return distributorLive{d} }

// Snapshot returns the distributor's queues and agents now.
func (l distributorLive) Snapshot(context.Context) (Snapshot, error) {
	s := l.d.Snapshot()
	out := Snapshot{At: s.At, Queues: make([]QueueStats, 0, len(s.Queues)), Agents: make([]AgentState, 0, len(s.Agents))}
	for _, q := range s.Queues {
		out.Queues = append(out.Queues, QueueStats{Name: q.Name, Waiting: q.Waiting + q.Offered, LongestWait: q.LongestWait,
			ServiceLevel: q.ServiceLevel, TargetLevel: q.Goal, MaxWait: q.MaxWait, Abandoned: q.Abandoned})
	}
	for _, a := range s.Agents {
		st := AgentState{Name: a.Name, Presence: a.Presence, Reason: a.Reason, Held: len(a.Held),
			InStateFor: max(s.At.Sub(a.Since), 0), FreeCapacity: a.FreeCapacity}
		for _, c := range a.Channels {
			st.Channels = append(st.Channels, string(c))
		}
		if !a.WrapUpUntil.IsZero() && a.Presence == acd.Available {
			st.Reason = "wrap-up " + a.WrapUpUntil.Sub(s.At).Round(time.Second).String()
		}
		out.Agents = append(out.Agents, st)
	}
	return out, nil
}

// SetPresence changes an agent's presence in the distributor.
func (l distributorLive) SetPresence(ctx context.Context, agent string, p PresenceChange) error {
	ap := acd.Presence{State: p.Presence, Reason: p.Reason}
	for _, c := range p.Channels {
		ap.Channels = append(ap.Channels, acd.Channel(c))
	}
	err := l.d.SetPresence(ctx, agent, ap)
	switch {
	case errors.Is(err, acd.ErrNoAgent):
		return fmt.Errorf("%w %q: %w", ErrUnknownAgent, agent, err)
	case errors.Is(err, acd.ErrPresence):
		return fmt.Errorf("%w: %w", ErrBadPresence, err)
	}
	return err
}

// AgentItems returns the items offered to and held by agent.
func (l distributorLive) AgentItems(_ context.Context, agent string) ([]WorkItem, error) {
	var out []WorkItem
	for _, a := range l.d.Snapshot().Agents {
		if a.Name != agent {
			continue
		}
		for _, ids := range []struct {
			state string
			ids   []string
		}{{ItemOffered, a.Offered}, {ItemHeld, a.Held}} {
			for _, id := range ids.ids {
				it, ok := l.d.Item(id)
				if !ok {
					continue // ended since the snapshot
				}
				out = append(out, WorkItem{ID: it.ID, Channel: string(it.Channel), Queue: it.Queue, State: ids.state,
					Arrived: it.Arrived, Customer: it.Customer, Context: it.Context})
			}
		}
	}
	return out, nil
}
