package ivr

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/customer"
)

// ErrUnsupported is returned by Submit for an item the live source cannot
// take.
var ErrUnsupported = errors.New("ivr: unsupported work item")

// distributorLive adapts the distributor (and the customer directory) to
// Live.
type distributorLive struct {
	d         *acd.Distributor
	customers *customer.Directory
	mail      WebMail
}

// WebMail takes the messages of the web face's email form into the email
// channel (mail.Service satisfies it).
type WebMail interface {
	Submit(ctx context.Context, queue, addr, name, subject, body string) (string, error)
}

var _ Live = distributorLive{}

// DistributorLive returns the Live of the distributor d. customers (nil:
// every caller is unknown) answers KnownCaller and gives callback requests
// their customer. Submit takes callback requests and voicemails (both
// callback work items: an agent calls the customer back), and email forms
// through mail (nil: refused with ErrUnsupported).
func DistributorLive(d *acd.Distributor, customers *customer.Directory, mail WebMail) Live {
	return distributorLive{d: d, customers: customers, mail: mail}
}

// channel checks a queue and channel named by a flow.
func (l distributorLive) channel(queue, channel string) (acd.Channel, error) {
	c := acd.Channel(channel)
	if !slices.Contains([]acd.Channel{acd.Voice, acd.Chat, acd.Email, acd.Callback}, c) {
		return "", fmt.Errorf("ivr: channel %q: unknown (voice, chat, email or callback)", channel)
	}
	if !slices.Contains(l.d.QueueNames(), queue) {
		return "", fmt.Errorf("ivr: queue %q: %w", queue, acd.ErrNoQueue)
	}
	return c, nil
}

// AgentsAvailable returns how many members of queue could take an item
// of channel now.
func (l distributorLive) AgentsAvailable(_ context.Context, queue, channel string) (int, error) {
	c, err := l.channel(queue, channel)
	if err != nil {
		return 0, err
	}
	return l.d.AgentsAvailable(queue, c), nil
}

// ExpectedWait returns the expected wait of a new item of channel in
// queue.
func (l distributorLive) ExpectedWait(_ context.Context, queue, channel string) (time.Duration, error) {
	c, err := l.channel(queue, channel)
	if err != nil {
		return 0, err
	}
	return l.d.ExpectedWait(queue, c), nil
}

// identity is from as a customer identity: an email address when it has
// an @, else a phone number.
func identity(from string) customer.Identity {
	if strings.Contains(from, "@") {
		return customer.Identity{Kind: customer.Email, Value: from}
	}
	return customer.Identity{Kind: customer.Phone, Value: from}
}

// KnownCaller reports whether from (a phone number or an email address)
// is an identity of a known customer. A value that is no valid number or
// address is unknown.
func (l distributorLive) KnownCaller(ctx context.Context, from string) (bool, error) {
	if l.customers == nil || strings.TrimSpace(from) == "" {
		return false, nil
	}
	id, err := l.customers.Normalize(identity(from))
	if err != nil {
		return false, nil
	}
	found, err := l.customers.Search(ctx, id.Value, 10)
	if err != nil {
		return false, err
	}
	for _, c := range found {
		if c.Has(id) {
			return true, nil
		}
	}
	return false, nil
}

// Submit enqueues a callback request or a voicemail as a callback work
// item of its queue, committed before it returns; the context shows the
// agent the number, the window, the name, the recording and what the
// flow learned.
func (l distributorLive) Submit(ctx context.Context, it Item) (string, error) {
	switch it.Channel {
	case "callback", "voicemail":
	case "email":
		if l.mail == nil {
			return "", fmt.Errorf("ivr: submit to queue %s: email form: %w (no mailbox)", it.Queue, ErrUnsupported)
		}
		subject := "Contact page"
		if it.Context.Intent != "" {
			subject += ": " + it.Context.Intent
		}
		return l.mail.Submit(ctx, it.Queue, it.Email, it.Name, subject, it.Message)
	default:
		return "", fmt.Errorf("ivr: submit to queue %s: channel %q: %w (callbacks and voicemails only)", it.Queue, it.Channel, ErrUnsupported)
	}
	if _, err := l.channel(it.Queue, string(acd.Callback)); err != nil {
		return "", err
	}
	number := strings.TrimSpace(it.Number)
	if number == "" {
		return "", fmt.Errorf("ivr: submit %s to queue %s: no number to call back", it.Channel, it.Queue)
	}
	c := map[string]string{"kind": it.Channel, "number": number, "window": it.Window, "name": it.Name, "recording": it.Ref,
		"flow": it.Context.Flow, "intent": it.Context.Intent, "face": string(it.Context.Face), "from": it.Context.From,
		"path": strings.Join(it.Context.Path, " ")}
	for k, v := range it.Context.Digits {
		c["digits."+k] = v
	}
	maps.DeleteFunc(c, func(_, v string) bool { return v == "" })
	var cid int64
	if l.customers != nil {
		// The caller ID of a voice callback or voicemail is verified; a
		// number typed on the contact page is not.
		src := customer.Typed
		if it.Context.Face == Voice && number == it.Context.From {
			src = customer.Verified
		}
		cu, err := l.customers.Resolve(ctx, customer.Identity{Kind: customer.Phone, Value: number}, it.Name, src)
		if err != nil {
			return "", fmt.Errorf("ivr: submit %s to queue %s: number %q: %w", it.Channel, it.Queue, number, err)
		}
		cid = cu.ID
	}
	id, err := l.d.Enqueue(ctx, acd.Item{Channel: acd.Callback, Queue: it.Queue, Customer: cid, Context: c})
	if err != nil {
		return "", fmt.Errorf("ivr: submit %s: %w", it.Channel, err)
	}
	return id, nil
}
