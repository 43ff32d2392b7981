package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/mail/parse"
	"github.com/switchboard-cc/switchboard/mail/sanitize"
	"github.com/switchboard-cc/switchboard/mail/smtp"
	"github.com/switchboard-cc/switchboard/mail/thread"
)

// Item is a received email handed to the distributor: the acd adapter
// turns it into an email work item of Queue.
type Item struct {
	// ID is stable per received message ("email:N"): handing the same
	// message twice (after a crash) carries the same ID.
	ID             string
	Queue          string
	ConversationID int64
	CustomerID     int64
	// Agent is the conversation's agent (the last to reply): the item goes
	// to that agent first when available, else to the queue. "" for a new
	// conversation.
	Agent           string
	Subject         string
	From            string
	NewConversation bool
	Arrived         time.Time
}

// Router hands received email to the distributor. Route is called after
// the message is committed, at least once per message.
type Router interface {
	Route(ctx context.Context, it Item) error
}

// Completer is implemented by a Router whose work items end when an agent
// replies: Reply calls Replied after the reply was sent.
type Completer interface {
	Replied(ctx context.Context, conversationID int64, agent string) error
}

// Customers resolves senders to customers and records emails in their
// cross-channel timeline (internal/customer satisfies it through an
// adapter).
type Customers interface {
	ResolveEmail(ctx context.Context, addr, name string) (customerID int64, err error)
	RecordEmail(ctx context.Context, customerID, conversationID int64, direction, subject string, at time.Time) error
}

// Config wires a Service. Zero fields mean the defaults.
type Config struct {
	Mailboxes []Mailbox
	// Router receives new email; nil leaves messages unrouted in the store
	// (handed over once a Router is wired).
	Router Router
	// Customers resolves senders; nil skips it.
	Customers Customers
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// Parse bounds MIME parsing.
	Parse parse.Options
	// MaxMessageBytes is the largest raw message fetched whole (default
	// 32 MiB); a larger one is stored cut and flagged oversize.
	MaxMessageBytes int64
	// FetchBatch is how many messages are fetched per FETCH (default 100).
	FetchBatch int
	// MinBackoff and MaxBackoff bound reconnect delays (default 1 s, 5 m).
	MinBackoff, MaxBackoff time.Duration
	// SMTP tunes the senders.
	SMTP smtp.Config
	// IMAPTLS is the client TLS configuration for IMAP (default: verify
	// against the system roots for the URL's host).
	IMAPTLS *tls.Config
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service runs the mailboxes and serves the agent console.
type Service struct {
	st        *store.Store
	cfg       Config
	log       *slog.Logger
	mailboxes map[string]*mailbox

	routeMu sync.Mutex // serialises routing so that an item is handed once per pass

	// acks queues acknowledgements so that a slow or failing SMTP server
	// never holds up ingestion.
	acks chan ack
}

// ack is one acknowledgement to send.
type ack struct {
	mb   *mailbox
	conv int64
	msg  *parse.Message // headers only
}

// mailbox is a configured mailbox with its sender and live status.
type mailbox struct {
	Mailbox
	imap   imapTarget
	sender *smtp.Sender

	mu     sync.Mutex // guards the following fields
	status Status
}

// New returns a Service over st for cfg.Mailboxes.
func New(st *store.Store, cfg Config) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Parse.Policy == nil {
		cfg.Parse.Policy = sanitize.New()
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 32 << 20
	}
	if cfg.FetchBatch <= 0 {
		cfg.FetchBatch = 100
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(5*time.Minute, cfg.MinBackoff)
	}
	s := &Service{st: st, cfg: cfg, log: cfg.Logger, mailboxes: map[string]*mailbox{}, acks: make(chan ack, 256)}
	for i, m := range cfg.Mailboxes {
		if err := m.Validate(); err != nil {
			return nil, fmt.Errorf("mail: mailboxes[%d]: %w", i, err)
		}
		if _, dup := s.mailboxes[m.Name]; dup {
			return nil, fmt.Errorf("mail: mailboxes[%d]: name %q repeated", i, m.Name)
		}
		if m.PollInterval == 0 {
			m.PollInterval = time.Minute
		}
		mb := &mailbox{Mailbox: m, status: Status{Mailbox: m.Name}}
		mb.imap, _ = parseIMAP(m.IMAP)
		if m.SMTP != "" {
			sender, err := smtp.New(m.SMTP, cfg.SMTP)
			if err != nil {
				return nil, fmt.Errorf("mail: mailboxes[%d]: %w", i, err)
			}
			mb.sender = sender
		}
		s.mailboxes[m.Name] = mb
	}
	return s, nil
}

// Run watches every mailbox until ctx ends; it returns after all its
// goroutines stopped.
func (s *Service) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, mb := range s.mailboxes {
		g.Go(func() error { return s.runMailbox(ctx, mb) })
	}
	g.Go(func() error { return s.sendAcks(ctx) })
	return g.Wait()
}

// sendAcks sends queued acknowledgements until ctx ends; an
// acknowledgement is sent at most once (one lost in a crash is not resent).
func (s *Service) sendAcks(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case a := <-s.acks:
			if err := s.acknowledge(ctx, a.mb, a.conv, a.msg); err != nil {
				s.log.Warn("mail: acknowledgement not sent", "mailbox", a.mb.Name, "conversation", a.conv, "err", err)
			}
		}
	}
}

// ingest stores one fetched message, then (after the commit) resolves the
// customer and queues the acknowledgement. cut reports a raw message over
// MaxMessageBytes.
func (s *Service) ingest(ctx context.Context, mb *mailbox, uidvalidity, uid uint32, raw []byte, cut bool) (duplicate bool, err error) {
	m := parse.Parse(raw, s.cfg.Parse)
	var flags []string
	problem := m.Problem
	if m.Malformed {
		flags = append(flags, "malformed")
	}
	if m.Oversize || cut {
		flags = append(flags, "oversize")
		if cut && problem == "" {
			problem = fmt.Sprintf("message over %d bytes: stored cut", s.cfg.MaxMessageBytes)
		}
	}
	if m.Automated {
		flags = append(flags, "automated")
	}
	token, _ := thread.Token(m.Subject)
	in := store.MailInbound{
		Mailbox: mb.Name, UIDValidity: uidvalidity, UID: uid,
		MessageID: m.MessageID, ContentHash: m.ContentHash,
		InReplyTo: strings.Join(m.InReplyTo, " "), Refs: strings.Join(m.References, " "),
		FromAddr: m.FromAddr, FromName: m.FromName, ToAddr: m.To, Subject: m.Subject, SentAt: m.Date,
		Text: m.Text, HTML: m.HTML, Flags: strings.Join(flags, ","), Problem: problem, Raw: raw,
		ThreadIDs: thread.Parents(m.InReplyTo, m.References), Token: token,
	}
	for _, a := range m.Attachments {
		in.Attachments = append(in.Attachments, store.MailAttachmentRow{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, Truncated: a.Truncated, Data: a.Data})
	}
	now := s.cfg.Now()
	res, err := s.st.IngestMail(ctx, in, now)
	if err != nil {
		return false, fmt.Errorf("mail: ingest %s uid %d: %w", mb.Name, uid, err)
	}
	if res.Duplicate {
		return true, nil
	}
	s.resolveCustomer(ctx, res, m, now)
	if res.NewConversation && mb.Acknowledge && mb.sender != nil && !m.Automated && !strings.EqualFold(m.FromAddr, mb.From) {
		select {
		case s.acks <- ack{mb: mb, conv: res.ConversationID, msg: &parse.Message{MessageID: m.MessageID, References: m.References, FromAddr: m.FromAddr, Subject: m.Subject}}:
		default:
			s.log.Warn("mail: acknowledgement dropped: queue full", "mailbox", mb.Name, "conversation", res.ConversationID)
		}
	}
	return false, nil
}

func (s *Service) resolveCustomer(ctx context.Context, res store.MailIngestResult, m *parse.Message, now time.Time) {
	if s.cfg.Customers == nil || !strings.Contains(m.FromAddr, "@") {
		return
	}
	cid := res.CustomerID
	if cid == 0 {
		var err error
		if cid, err = s.cfg.Customers.ResolveEmail(ctx, m.FromAddr, m.FromName); err != nil {
			s.log.Warn("mail: customer not resolved", "from", m.FromAddr, "err", err)
			return
		}
		if err := s.st.SetMailCustomer(ctx, res.ConversationID, cid); err != nil {
			s.log.Warn("mail: customer not recorded", "conversation", res.ConversationID, "err", err)
		}
	}
	if err := s.cfg.Customers.RecordEmail(ctx, cid, res.ConversationID, "in", m.Subject, now); err != nil {
		s.log.Warn("mail: timeline entry not recorded", "conversation", res.ConversationID, "err", err)
	}
}

// route hands every unrouted received message of mb to the Router.
func (s *Service) route(ctx context.Context, mb *mailbox) error {
	if s.cfg.Router == nil {
		return nil
	}
	s.routeMu.Lock()
	defer s.routeMu.Unlock()
	pending, err := s.st.UnroutedMail(ctx, mb.Name)
	if err != nil {
		return fmt.Errorf("mail: route %s: %w", mb.Name, err)
	}
	var done []int64
	defer func() {
		if len(done) > 0 {
			if err := s.st.MarkMailRouted(context.WithoutCancel(ctx), done); err != nil {
				s.log.Warn("mail: routed state not recorded: items will be handed again", "mailbox", mb.Name, "err", err)
			}
		}
	}()
	for _, p := range pending {
		it := Item{
			ID: fmt.Sprintf("email:%d", p.MessageID), Queue: mb.Queue, ConversationID: p.ConversationID,
			CustomerID: p.CustomerID, Agent: p.Agent, Subject: p.Subject, From: p.FromAddr, Arrived: p.CreatedAt,
			NewConversation: p.New,
		}
		if err := s.cfg.Router.Route(ctx, it); err != nil {
			return fmt.Errorf("mail: route %s: %w", it.ID, err)
		}
		done = append(done, p.MessageID)
	}
	return nil
}

// mailboxOf returns the configured mailbox name.
func (s *Service) mailboxOf(name string) (*mailbox, error) {
	mb, ok := s.mailboxes[name]
	if !ok {
		return nil, fmt.Errorf("mail: %q: %w", name, ErrUnknownMailbox)
	}
	return mb, nil
}

// conversation loads a conversation, mapping the store's not-found.
func (s *Service) conversation(ctx context.Context, id int64) (store.MailConversationRow, []store.MailMessageRow, error) {
	c, msgs, err := s.st.MailConversation(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, nil, fmt.Errorf("mail: conversation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, nil, fmt.Errorf("mail: conversation %d: %w", id, err)
	}
	return c, msgs, nil
}
