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
	// ResolveEmail returns the customer of a sender's address; verified is
	// false for an address typed on the contact page (a web message).
	ResolveEmail(ctx context.Context, addr, name string, verified bool) (customerID int64, err error)
	// RecordEmail records (or updates) a conversation on the customer's
	// timeline; addr is the customer's address in it.
	RecordEmail(ctx context.Context, customerID, conversationID int64, direction, subject, addr string, at time.Time) error
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
	// Follow, when positive, makes Run follow the stored `mailboxes:`
	// section: it checks the configuration revision this often and, when
	// it moved, starts the mailboxes added, restarts the changed ones and
	// stops the removed ones (SetMailboxes). Zero keeps Mailboxes.
	Follow time.Duration
}

// Service runs the mailboxes and serves the agent console.
type Service struct {
	st  *store.Store
	cfg Config
	log *slog.Logger

	mbMu      sync.Mutex // guards the following field
	mailboxes map[string]*mailbox
	// changed tells Run that SetMailboxes replaced the mailboxes.
	changed chan struct{}

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
	s := &Service{st: st, cfg: cfg, log: cfg.Logger, acks: make(chan ack, 256), changed: make(chan struct{}, 1)}
	if err := s.SetMailboxes(cfg.Mailboxes); err != nil {
		return nil, err
	}
	return s, nil
}

// SetMailboxes replaces the watched mailboxes: a running Run starts the
// added ones, restarts the changed ones (a new password, server or queue)
// and stops the removed ones; the unchanged ones keep their connection
// and status. Nothing changes when one of ms is invalid.
func (s *Service) SetMailboxes(ms []Mailbox) error {
	s.mbMu.Lock()
	defer s.mbMu.Unlock()
	next := make(map[string]*mailbox, len(ms))
	for i, m := range ms {
		if err := m.Validate(); err != nil {
			return fmt.Errorf("mail: mailboxes[%d]: %w", i, err)
		}
		if _, dup := next[m.Name]; dup {
			return fmt.Errorf("mail: mailboxes[%d]: name %q repeated", i, m.Name)
		}
		if m.PollInterval == 0 {
			m.PollInterval = time.Minute
		}
		if old := s.mailboxes[m.Name]; old != nil && old.Mailbox == m {
			next[m.Name] = old
			continue
		}
		mb := &mailbox{Mailbox: m, status: Status{Mailbox: m.Name}}
		mb.imap, _ = parseIMAP(m.IMAP)
		if m.SMTP != "" {
			sender, err := smtp.New(m.SMTP, s.cfg.SMTP)
			if err != nil {
				return fmt.Errorf("mail: mailboxes[%d]: %w", i, err)
			}
			mb.sender = sender
		}
		next[m.Name] = mb
	}
	s.mailboxes = next
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return nil
}

// current returns the watched mailboxes, by name.
func (s *Service) current() map[string]*mailbox {
	s.mbMu.Lock()
	defer s.mbMu.Unlock()
	return s.mailboxes
}

// Run watches every mailbox until ctx ends, following SetMailboxes (and,
// with Config.Follow, the stored configuration); it returns after all its
// goroutines stopped.
func (s *Service) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.sendAcks(ctx) })
	if s.cfg.Follow > 0 {
		g.Go(func() error { return s.follow(ctx) })
	}
	g.Go(func() error { return s.superviseMailboxes(ctx) })
	return g.Wait()
}

// superviseMailboxes runs one goroutine per watched mailbox and changes
// them when SetMailboxes is called, until ctx ends. A replaced mailbox's
// goroutine has stopped before its successor starts, so that one mailbox
// is never read twice at once.
func (s *Service) superviseMailboxes(ctx context.Context) error {
	type run struct {
		cancel context.CancelFunc
		done   chan struct{}
	}
	running := map[*mailbox]run{}
	stop := func(mb *mailbox) {
		r := running[mb]
		r.cancel()
		<-r.done
		delete(running, mb)
	}
	defer func() {
		for mb := range running {
			stop(mb)
		}
	}()
	for {
		want := s.current()
		for mb := range running {
			if want[mb.Name] != mb {
				stop(mb)
			}
		}
		for _, mb := range want {
			if _, ok := running[mb]; ok {
				continue
			}
			mctx, cancel := context.WithCancel(ctx)
			r := run{cancel: cancel, done: make(chan struct{})}
			running[mb] = r
			go func() {
				defer close(r.done)
				s.runMailbox(mctx, mb)
			}()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.changed:
		}
	}
}

// follow reloads the mailboxes from the store whenever the configuration
// revision moves, until ctx ends. A configuration that fails to load is
// logged and retried only when it changes again; the mailboxes in force
// stay.
func (s *Service) follow(ctx context.Context) error {
	return s.st.FollowConfig(ctx, s.cfg.Follow, func(ctx context.Context, rev int64) {
		ms, err := LoadMailboxes(ctx, s.st)
		if err == nil {
			err = s.SetMailboxes(ms)
		}
		if err != nil {
			s.log.Error("mail: reloading mailboxes; the ones in force stay", "revision", rev, "err", err)
			return
		}
		s.log.Info("mail: mailboxes in force", "revision", rev, "mailboxes", len(ms))
	})
}

// topic is the subject conversation id started with (its timeline
// entry's name, whatever message came last), or subject when it cannot
// be read.
func (s *Service) topic(ctx context.Context, id int64, subject string) string {
	if first, err := s.st.MailConversationSubject(ctx, id); err == nil {
		return first
	}
	return subject
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
	s.resolveCustomer(ctx, res, m, uidvalidity != 0, now)
	if res.NewConversation && mb.Acknowledge && mb.sender != nil && !m.Automated && !strings.EqualFold(m.FromAddr, mb.From) {
		select {
		case s.acks <- ack{mb: mb, conv: res.ConversationID, msg: &parse.Message{MessageID: m.MessageID, References: m.References, FromAddr: m.FromAddr, Subject: m.Subject}}:
		default:
			s.log.Warn("mail: acknowledgement dropped: queue full", "mailbox", mb.Name, "conversation", res.ConversationID)
		}
	}
	return false, nil
}

// resolveCustomer resolves the sender of m to a customer and records the
// conversation on their timeline; verified is false for a web message,
// whose address the visitor typed.
func (s *Service) resolveCustomer(ctx context.Context, res store.MailIngestResult, m *parse.Message, verified bool, now time.Time) {
	if s.cfg.Customers == nil || !strings.Contains(m.FromAddr, "@") {
		return
	}
	cid := res.CustomerID
	if cid == 0 {
		var err error
		if cid, err = s.cfg.Customers.ResolveEmail(ctx, m.FromAddr, m.FromName, verified); err != nil {
			s.log.Warn("mail: customer not resolved", "from", m.FromAddr, "err", err)
			return
		}
		if err := s.st.SetMailCustomer(ctx, res.ConversationID, cid); err != nil {
			s.log.Warn("mail: customer not recorded", "conversation", res.ConversationID, "err", err)
		}
	}
	if err := s.cfg.Customers.RecordEmail(ctx, cid, res.ConversationID, "in", s.topic(ctx, res.ConversationID, m.Subject), m.FromAddr, now); err != nil {
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
	mb, ok := s.current()[name]
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
