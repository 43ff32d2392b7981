package mail

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/mail/thread"
)

// directory adapts internal/customer to Customers: a sender's address is
// an email identity, and each conversation is one timeline entry (ref
// "mail:ID") updated as messages come and go.
type directory struct {
	d *customer.Directory
}

var _ Customers = directory{}

// CustomerDirectory returns the Customers backed by the unified customer
// directory d.
func CustomerDirectory(d *customer.Directory) Customers { return directory{d} }

// ResolveEmail returns the customer owning addr, creating one named name;
// verified tells a received email's From from an address typed on the
// contact page.
func (c directory) ResolveEmail(ctx context.Context, addr, name string, verified bool) (int64, error) {
	src := customer.Typed
	if verified {
		src = customer.Verified
	}
	cu, err := c.d.Resolve(ctx, customer.Identity{Kind: customer.Email, Value: addr}, name, src)
	if err != nil {
		return 0, fmt.Errorf("mail: resolve %s: %w", addr, err)
	}
	return cu.ID, nil
}

// RecordEmail records (or updates) conversation conv on the customer's
// timeline: one entry per conversation, named by its topic (the same
// whatever message came last), through the customer's address so that a
// split moves it with that address.
func (c directory) RecordEmail(ctx context.Context, customerID, conv int64, direction, subject, addr string, at time.Time) error {
	e := customer.Entry{
		Channel: customer.ChannelEmail, Kind: "email", At: at, Summary: cmp.Or(thread.Topic(subject), "(no subject)"),
		Ref:    "mail:" + strconv.FormatInt(conv, 10),
		Detail: map[string]string{"conversation": strconv.FormatInt(conv, 10), "last_direction": direction},
	}
	if via, err := c.d.Normalize(customer.Identity{Kind: customer.Email, Value: addr}); err == nil {
		e.Via = via
	}
	if _, err := c.d.Record(ctx, customerID, e); err != nil {
		return fmt.Errorf("mail: timeline of customer %d: %w", customerID, err)
	}
	return nil
}
