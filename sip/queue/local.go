package queue

import (
	"context"
	"strings"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/ivr"
	"github.com/switchboard-cc/switchboard/media/prompts"
	"github.com/switchboard-cc/switchboard/sip/b2bua"
	"github.com/switchboard-cc/switchboard/sip/dialplan"
)

// Route runs the appliance's own numbers dialled by an extension: the
// agent feature codes and the numbers of IVR flows.
func (s *Service) Route(caller, number string) (func(ctx context.Context, c *b2bua.InboundCall) error, bool) {
	codes := s.cfg.Codes
	switch {
	case number == codes.Login:
		return func(ctx context.Context, c *b2bua.InboundCall) error {
			return s.feature(ctx, c, acd.Presence{State: acd.Available})
		}, true
	case number == codes.Logout:
		return func(ctx context.Context, c *b2bua.InboundCall) error {
			return s.feature(ctx, c, acd.Presence{State: acd.Offline})
		}, true
	case strings.HasPrefix(number, codes.Pause) && len(number) <= len(codes.Pause)+1:
		reason := "pause"
		if rest := number[len(codes.Pause):]; rest != "" {
			r, ok := s.cfg.PauseReasons[rest[0]]
			if !ok {
				return func(ctx context.Context, c *b2bua.InboundCall) error {
					s.play(ctx, c.Media, s.language(ctx), prompts.Invalid)
					return nil
				}, true
			}
			reason = r
		}
		return func(ctx context.Context, c *b2bua.InboundCall) error {
			return s.feature(ctx, c, acd.Presence{State: acd.Away, Reason: reason})
		}, true
	}
	if s.cfg.Flows == nil || s.cfg.Run == nil || number == "" {
		return nil, false
	}
	flows, err := s.cfg.Flows(context.Background())
	if err != nil {
		s.log.Warn("reading the IVR flows failed", "err", err)
		return nil, false
	}
	for _, f := range flows {
		if f.Number == number {
			return func(ctx context.Context, c *b2bua.InboundCall) error {
				return s.runFlow(ctx, f, c)
			}, true
		}
	}
	return nil, false
}

// feature sets the presence of the agent whose desk phone c comes from and
// confirms with a prompt.
func (s *Service) feature(ctx context.Context, c *b2bua.InboundCall, p acd.Presence) error {
	agent, ok := s.cfg.ACD.AgentByExtension(c.From)
	if !ok {
		s.log.Info("feature code from an extension that is no agent's", "extension", c.From)
		s.play(ctx, c.Media, s.language(ctx), prompts.Invalid)
		return nil
	}
	if err := s.cfg.ACD.SetPresence(ctx, agent, p); err != nil {
		s.play(ctx, c.Media, s.language(ctx), prompts.Invalid)
		return err
	}
	s.log.Info("agent presence set from the phone", "agent", agent, "presence", p.State, "reason", p.Reason)
	confirm := map[string]string{acd.Available: prompts.LoggedIn, acd.Offline: prompts.LoggedOut, acd.Away: prompts.Paused}
	s.play(ctx, c.Media, s.language(ctx), confirm[p.State])
	return nil
}

// Has reports whether a queue or flow a trunk route names exists.
func (s *Service) Has(dest dialplan.Destination) bool {
	switch dest.Kind {
	case dialplan.KindQueue:
		_, ok := s.cfg.ACD.QueueVoice(dest.Target)
		return ok
	case dialplan.KindFlow:
		if s.cfg.Flows == nil || s.cfg.Run == nil {
			return false
		}
		flows, err := s.cfg.Flows(context.Background())
		if err != nil {
			s.log.Warn("reading the IVR flows failed", "err", err)
			return false
		}
		for _, f := range flows {
			if f.Name == dest.Target {
				return true
			}
		}
	}
	return false
}

// Flow runs a trunk call routed to an IVR flow.
func (s *Service) Flow(ctx context.Context, in *b2bua.InboundCall, name string) error {
	if s.cfg.Flows == nil || s.cfg.Run == nil {
		return errNoFlows
	}
	flows, err := s.cfg.Flows(ctx)
	if err != nil {
		return err
	}
	for _, f := range flows {
		if f.Name == name {
			return s.runFlow(ctx, f, in)
		}
	}
	s.play(ctx, in.Media, s.language(ctx), prompts.Closed)
	return errUnknownFlow(name)
}

// runFlow walks flow f on the call in the flow's language, and leaves the
// call's media free when it is done.
func (s *Service) runFlow(ctx context.Context, f *ivr.Flow, in *b2bua.InboundCall) error {
	call := s.NewCall(ctx, in, f.Language)
	defer call.quiet()
	return s.cfg.Run(ctx, f, call)
}
