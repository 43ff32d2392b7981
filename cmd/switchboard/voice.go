package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/chat"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/ivr"
	"github.com/switchboard-cc/switchboard/ivr/calendar"
	"github.com/switchboard-cc/switchboard/ivr/contact"
	"github.com/switchboard-cc/switchboard/ivr/voice"
	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/media/prompts"
	"github.com/switchboard-cc/switchboard/sip/b2bua"
	"github.com/switchboard-cc/switchboard/sip/queue"
)

// newVoice builds the voice side of the distributor: queued callers,
// agents' phones rung for offers, feature codes and IVR flows on calls. It
// registers itself as the distributor's voice handler; the SIP service
// takes it as its Destinations and Local. Calls speak their flow's
// language, else language (the settings language). Callbacks are placed
// with place once svc.Callbacks() is registered (when SIP is up).
func newVoice(st *store.Store, flows flowCache, dist *acd.Distributor, customers *customer.Directory, live ivr.Live, calendars storeCalendars,
	language func(context.Context) string, eng *media.Engine, recordings string, place func(context.Context, b2bua.Callback) error, log *slog.Logger) *queue.Service {
	runner := voice.New(voice.Config{
		Env:    ivr.Env{Calendars: calendars, Live: live},
		Funnel: ivr.StoreFunnel{Store: st},
		Codes:  ivr.Codes{Store: st},
		Logger: log,
	})
	svc := queue.New(queue.Config{
		ACD:      dist,
		Flows:    flows.Get,
		Language: language,
		Run: func(ctx context.Context, f *ivr.Flow, c *queue.Call) error {
			_, err := runner.Run(ctx, f, c, "call-"+time.Now().UTC().Format("20060102T150405.000000000"))
			return err
		},
		Place:      place,
		Customers:  customers,
		Media:      eng,
		Recordings: recordings,
		Prompts:    prompts.NewLibrary(st),
		Logger:     log,
	})
	dist.Handle(acd.Voice, svc)
	return svc
}

// storeCalendars answers the flows' hours questions from the calendars in
// the store, read again when the configuration changes so that an edited
// calendar applies to the next call.
type storeCalendars struct {
	set *store.Cached[calendar.Set]
}

func newStoreCalendars(st *store.Store, zone string) storeCalendars {
	return storeCalendars{set: store.NewCached(st, func(ctx context.Context, st *store.Store) (calendar.Set, error) {
		return calendar.Load(ctx, st, zone)
	})}
}

func (c storeCalendars) OpenAt(name string, t time.Time) (bool, error) {
	set, err := c.set.Get(context.Background())
	if err != nil {
		return false, err
	}
	return set.OpenAt(name, t)
}

// newContactPage builds the visual contact page (/contact/{flow}): the
// web face of the IVR flows, on the same distributor as the phone, in the
// flow's language, else language (the settings language).
func newContactPage(st *store.Store, flows flowCache, live ivr.Live, calendars storeCalendars, language func(context.Context) string, log *slog.Logger) (*contact.Handler, error) {
	return contact.New(contact.Config{
		Flows:    flows,
		Env:      ivr.Env{Calendars: calendars, Live: live},
		Funnel:   ivr.StoreFunnel{Store: st},
		Codes:    ivr.Codes{Store: st},
		ChatURL:  chatStart{widgets: store.NewCached(st, chat.LoadWidgets), log: log}.url,
		Language: language,
		Logger:   log,
	})
}

// chatStart finds where the contact page's chat button leads for a queue:
// the appliance's hosted page of a chat widget of that queue, read again
// when the configuration changes so that an edited widget applies at once.
type chatStart struct {
	widgets *store.Cached[[]chat.Widget]
	log     *slog.Logger
}

// url returns /chat/start/WIDGET for the first widget (by name) of queue,
// or "" (no chat offered) when the queue has none.
func (c chatStart) url(queue string) string {
	widgets, err := c.widgets.Get(context.Background())
	if err != nil {
		c.log.Warn("contact: chat widgets", "err", err)
		return ""
	}
	for _, w := range widgets {
		if w.Queue == queue {
			return "/chat/start/" + url.PathEscape(w.Name)
		}
	}
	return ""
}

// Flow finds a flow by name (the contact page's FlowSource).
func (c flowCache) Flow(ctx context.Context, name string) (*ivr.Flow, error) {
	flows, err := c.Get(ctx)
	if err != nil {
		return nil, err
	}
	for _, fl := range flows {
		if fl.Name == name {
			return fl, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", contact.ErrNoFlow, name)
}

// flowCache keeps the IVR flows read from the store until the
// configuration revision changes, so that neither a call nor a contact
// page view reloads them.
type flowCache struct {
	*store.Cached[[]*ivr.Flow]
}

func newFlowCache(st *store.Store) flowCache {
	return flowCache{store.NewCached(st, ivr.LoadFlows)}
}
