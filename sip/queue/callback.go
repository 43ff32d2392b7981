package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/sip/b2bua"
)

// callbacks is the distributor's handler of callback requests: the agent's
// phone rings first, then the customer is called and bridged.
type callbacks struct{ s *Service }

// Callbacks returns the handler to register for acd.Callback items.
func (s *Service) Callbacks() acd.Handler { return callbacks{s} }

// Offer places the callback through each offered agent (the first to
// answer takes it).
func (c callbacks) Offer(ctx context.Context, o acd.Offer) {
	s := c.s
	number := o.Item.Context["number"]
	for _, a := range o.Agents {
		s.rings.Add(1)
		go func() {
			defer s.rings.Done()
			s.placeCallback(ctx, o.Item, a, number)
		}()
	}
}

func (s *Service) placeCallback(ctx context.Context, it acd.Item, a acd.OfferedAgent, number string) {
	bg := context.Background()
	if number == "" {
		s.log.Warn("callback request without a number; closed", "item", it.ID)
		_ = s.cfg.ACD.Abandon(bg, it.ID)
		return
	}
	if a.Extension == "" || s.cfg.Place == nil {
		_ = s.cfg.ACD.Decline(bg, it.ID, a.Name, "no extension")
		return
	}
	accepted := false
	err := s.cfg.Place(ctx, b2bua.Callback{
		Extension: a.Extension,
		Display:   fmt.Sprintf("Callback %s (%s)", number, it.Queue),
		Number:    number,
		Accept: func() error {
			if err := s.cfg.ACD.Accept(bg, it.ID, a.Name); err != nil {
				return err
			}
			accepted = true
			return nil
		},
	})
	var re *b2bua.RingError
	switch {
	case accepted:
		if errors.Is(err, b2bua.ErrCustomerUnreachable) {
			s.log.Info("customer did not answer the callback", "item", it.ID, "agent", a.Name, "number", number)
		} else if err != nil {
			s.log.Warn("callback ended with an error", "item", it.ID, "err", err)
		}
		if err := s.cfg.ACD.Complete(bg, it.ID); err != nil && !errors.Is(err, acd.ErrNoItem) {
			s.log.Warn("completing the callback failed", "item", it.ID, "err", err)
		}
	case ctx.Err() != nil:
		// The offer ended: ring no answer, another agent, or withdrawn.
	case errors.Is(err, b2bua.ErrNotRegistered):
		_ = s.cfg.ACD.Decline(bg, it.ID, a.Name, "phone-offline")
		_ = s.cfg.ACD.SetPresence(bg, a.Name, acd.Presence{State: acd.Away, Reason: "phone-offline"})
	case errors.As(err, &re):
		_ = s.cfg.ACD.Decline(bg, it.ID, a.Name, re.Error())
	case err != nil:
		s.log.Warn("callback could not be placed", "item", it.ID, "agent", a.Name, "err", err)
		_ = s.cfg.ACD.Decline(bg, it.ID, a.Name, err.Error())
	}
}
