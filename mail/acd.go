package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/switchboard-cc/switchboard/acd"
)

// ItemID is the distributor's work item of conversation conv: one item
// per conversation, so that a message handed twice, or a customer writing
// again while the item waits or is held, adds no second item.
func ItemID(conv int64) string { return "mail:" + strconv.FormatInt(conv, 10) }

// ACD plugs the email channel into the distributor: as a Router it turns
// received mail into email work items, as an acd.Handler it gives an
// offered email to the agent at once (an email does not ring), and as a
// Completer it completes the item when an agent replies.
type ACD struct {
	d   *acd.Distributor
	log *slog.Logger
}

var (
	_ Router      = (*ACD)(nil)
	_ Completer   = (*ACD)(nil)
	_ acd.Handler = (*ACD)(nil)
)

// NewACD returns the email channel's side of d. Register it with
// d.Handle(acd.Email, …) and give it to Config.Router.
func NewACD(d *acd.Distributor, log *slog.Logger) *ACD {
	if log == nil {
		log = slog.Default()
	}
	return &ACD{d: d, log: log}
}

// Route enqueues the work item of the message's conversation in it.Queue,
// committed before it returns. The conversation's agent (it.Agent) is
// offered it first when that agent can take it (sticky), else whoever of
// the queue is free first.
func (m *ACD) Route(ctx context.Context, it Item) error {
	c := map[string]string{"conversation": strconv.FormatInt(it.ConversationID, 10), "subject": it.Subject, "from": it.From}
	if it.Agent != "" {
		c["agent"] = it.Agent
	}
	_, err := m.d.Enqueue(ctx, acd.Item{ID: ItemID(it.ConversationID), Channel: acd.Email, Queue: it.Queue,
		Arrived: it.Arrived, Customer: it.CustomerID, Context: c, Prefer: it.Agent})
	return err
}

// Offer accepts an offered email for the first agent it is offered to:
// the agent holds the conversation until they reply.
func (m *ACD) Offer(ctx context.Context, o acd.Offer) {
	if len(o.Agents) == 0 {
		return
	}
	name := o.Agents[0].Name
	if err := m.d.Accept(ctx, o.Item.ID, name); err != nil {
		m.log.Warn("mail: email offer not taken", "item", o.Item.ID, "agent", name, "err", err)
		return
	}
	m.log.Info("mail: conversation assigned", "item", o.Item.ID, "agent", name, "subject", o.Item.Context["subject"])
}

// Replied completes the conversation's work item: an agent answered it.
// A conversation without a live item (a reply to an old ticket) is fine.
// An item still waiting (answered by someone it was never offered to)
// ends as abandoned in the statistics: the distributor has no other
// ending for work done outside it.
func (m *ACD) Replied(ctx context.Context, conv int64, agent string) error {
	err := m.d.Complete(ctx, ItemID(conv))
	if errors.Is(err, acd.ErrNoItem) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mail: complete conversation %d: %w", conv, err)
	}
	return nil
}
