package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/events"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/mail"
)

// newDistributor builds the ACD of every channel over st and loads its
// queues, agents, presence and durable items. Its "today" and 15-minute
// intervals follow settings.timezone (UTC when unset). The caller runs it
// (Run) and registers each channel's handler (Handle).
func newDistributor(ctx context.Context, st *store.Store, bus *events.Bus, log *slog.Logger) (*acd.Distributor, error) {
	loc, err := settingsLocation(ctx, st)
	if err != nil {
		return nil, err
	}
	sizes, err := channelSizes(ctx, st)
	if err != nil {
		return nil, err
	}
	d := acd.New(acd.Config{Store: st, Bus: bus, Logger: log, Location: loc, Sizes: sizes})
	if err := d.Load(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// settingsLocation is the time zone of settings.timezone (UTC when unset).
func settingsLocation(ctx context.Context, st *store.Store) (*time.Location, error) {
	name, err := st.Setting(ctx, config.KeyTimezone)
	if errors.Is(err, store.ErrNotFound) || (err == nil && name == "") {
		return time.UTC, nil
	}
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("settings.timezone %q: %w", name, err)
	}
	return loc, nil
}

// newMail builds the email channel: the configured mailboxes, their mail
// routed through dist (an offered email is assigned to the agent at once;
// the agent's reply completes it). The service follows the stored
// mailboxes, so the panel's and the CLI's changes apply without restart.
func newMail(ctx context.Context, st *store.Store, dist *acd.Distributor, customers *customer.Directory, log *slog.Logger) (*mail.Service, error) {
	mailboxes, err := mail.LoadMailboxes(ctx, st)
	if err != nil {
		return nil, err
	}
	channel := mail.NewACD(dist, log)
	dist.Handle(acd.Email, channel)
	return mail.New(st, mail.Config{Mailboxes: mailboxes, Router: channel, Customers: mail.CustomerDirectory(customers), Logger: log,
		Follow: time.Second})
}

// channelSizes reads settings.channel_sizes (nil when unset).
func channelSizes(ctx context.Context, st *store.Store) (map[acd.Channel]int, error) {
	raw, err := st.Setting(ctx, config.KeyChannelSizes)
	if errors.Is(err, store.ErrNotFound) || (err == nil && raw == "") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m map[string]int
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, fmt.Errorf("settings.channel_sizes: %w", err)
	}
	out := map[acd.Channel]int{}
	for c, n := range m {
		out[acd.Channel(c)] = n
	}
	return out, nil
}
