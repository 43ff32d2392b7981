package mail

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard-cc/switchboard/internal/customer"
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

// ResolveEmail returns the customer owning addr, creating one named name.
func (c directory) ResolveEmail(ctx context.Context, addr, name string) (int64, error) {
	cu, err := c.d.Resolve(ctx, customer.Identity{Kind: customer.Email, Value: addr}, name)
	if err != nil {
		return 0, fmt.Errorf("mail: resolve %s: %w", addr, err)
	}
	return cu.ID, nil
}

// RecordEmail records (or updates) conversation conv on the customer's
// timeline.
func (c directory) RecordEmail(ctx context.Context, customerID, conv int64, direction, subject string, at time.Time) error {
	_, err := c.d.Record(ctx, customerID, customer.Entry{
		Channel: customer.ChannelEmail, Kind: "email", At: at, Summary: subject,
		Ref:    "mail:" + strconv.FormatInt(conv, 10),
		Detail: map[string]string{"conversation": strconv.FormatInt(conv, 10), "last_direction": direction},
	})
	if err != nil {
		return fmt.Errorf("mail: timeline of customer %d: %w", customerID, err)
	}
	return nil
}
