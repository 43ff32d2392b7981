package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/sip"
	"github.com/switchboard-cc/switchboard/sip/b2bua"
	"github.com/switchboard-cc/switchboard/webui"
)

// callSupervisor lets the panel's supervisors listen, whisper or barge:
// it finds the agent's desk phone in the distributor and has the SIP
// service ring the supervisor's.
type callSupervisor struct {
	dist *acd.Distributor
	sip  *sip.Server
}

var _ webui.Supervisor = callSupervisor{}

var superviseModes = map[string]media.SuperviseMode{"listen": media.Listen, "whisper": media.Whisper, "barge": media.Barge}

func (c callSupervisor) Supervise(_ context.Context, agent, extension, mode string) error {
	m, ok := superviseModes[mode]
	if !ok {
		return fmt.Errorf("supervise: unknown mode %q", mode)
	}
	ext := ""
	for _, a := range c.dist.Snapshot().Agents {
		if a.Name == agent {
			ext = a.Extension
		}
	}
	if ext == "" {
		return fmt.Errorf("supervise %s: %w", agent, webui.ErrUnknownAgent)
	}
	err := c.sip.StartSupervise(ext, extension, m)
	switch {
	case errors.Is(err, b2bua.ErrNoLiveCall):
		return fmt.Errorf("%w: %v", webui.ErrNoCall, err)
	case errors.Is(err, b2bua.ErrAlreadySupervised):
		return fmt.Errorf("%w: %v", webui.ErrSupervised, err)
	case errors.Is(err, b2bua.ErrNotRegistered):
		return fmt.Errorf("%w: %v", webui.ErrPhoneOffline, err)
	}
	return err
}
