package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Status is the live state of one mailbox.
type Status struct {
	Mailbox   string
	Connected bool
	// Idle is true while the server pushes new mail (IMAP IDLE); false
	// means polling.
	Idle        bool
	LastError   string
	LastErrorAt time.Time
	LastSync    time.Time
	// Ingested counts messages stored since start.
	Ingested int64
}

// Status returns the live state of every mailbox, by name.
func (s *Service) Status() []Status {
	mbs := s.current()
	out := make([]Status, 0, len(mbs))
	for _, mb := range mbs {
		mb.mu.Lock()
		out = append(out, mb.status)
		mb.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b Status) int {
		if a.Mailbox < b.Mailbox {
			return -1
		}
		if a.Mailbox > b.Mailbox {
			return 1
		}
		return 0
	})
	return out
}

func (mb *mailbox) update(fn func(st *Status)) Status {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	fn(&mb.status)
	return mb.status
}

// setConnected records and persists the connection state.
func (s *Service) setConnected(ctx context.Context, mb *mailbox, connected bool, err error) {
	now := s.cfg.Now()
	st := mb.update(func(st *Status) {
		st.Connected = connected
		if err != nil {
			st.LastError, st.LastErrorAt = err.Error(), now
		}
		if !connected {
			st.Idle = false
		}
	})
	if perr := s.st.SetMailboxStatus(context.WithoutCancel(ctx), mb.Name, connected, st.LastError, now); perr != nil {
		s.log.Warn("mail: status not persisted", "mailbox", mb.Name, "err", perr)
	}
}

// runMailbox keeps mb connected until ctx ends, reconnecting with
// exponential backoff.
func (s *Service) runMailbox(ctx context.Context, mb *mailbox) error {
	backoff := s.cfg.MinBackoff
	for {
		start := time.Now()
		err := s.session(ctx, mb)
		if ctx.Err() != nil {
			s.setConnected(ctx, mb, false, nil)
			return nil
		}
		s.setConnected(ctx, mb, false, err)
		s.log.Warn("mail: mailbox disconnected", "mailbox", mb.Name, "err", err, "retry_in", backoff)
		if time.Since(start) > s.cfg.MaxBackoff {
			backoff = s.cfg.MinBackoff
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, s.cfg.MaxBackoff)
	}
}

// dial connects and logs in to mb's IMAP server.
func (s *Service) dial(mb *mailbox, opts *imapclient.Options) (*imapclient.Client, error) {
	t := mb.imap
	opts.TLSConfig = &tls.Config{ServerName: t.host}
	if s.cfg.IMAPTLS != nil {
		opts.TLSConfig = s.cfg.IMAPTLS.Clone()
	}
	var c *imapclient.Client
	var err error
	switch {
	case t.implicit:
		c, err = imapclient.DialTLS(t.addr, opts)
	case t.plain:
		c, err = imapclient.DialInsecure(t.addr, opts)
	default:
		c, err = imapclient.DialStartTLS(t.addr, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("mail: dial %s: %w", t.addr, err)
	}
	if err := c.Login(t.user, t.pass).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("mail: login %s@%s: %w", t.user, t.addr, err)
	}
	return c, nil
}

// session runs one connection: select, catch up, then wait for new mail
// (IDLE or polling) and catch up again, until an error or ctx ends.
func (s *Service) session(ctx context.Context, mb *mailbox) error {
	notify := make(chan struct{}, 1)
	opts := &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				select {
				case notify <- struct{}{}:
				default:
				}
			}
		},
	}}
	c, err := s.dial(mb, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	sel, err := c.Select(mb.imap.folder, nil).Wait()
	if err != nil {
		return fmt.Errorf("mail: select %s: %w", mb.imap.folder, err)
	}
	idle := c.Caps().Has(imap.CapIdle)
	s.setConnected(ctx, mb, true, nil)
	mb.update(func(st *Status) { st.Idle = idle })
	if err := s.flagCommitted(ctx, mb, c, sel.UIDValidity); err != nil {
		return err
	}
	if err := s.route(ctx, mb); err != nil {
		return err
	}
	for {
		select {
		case <-notify:
		default:
		}
		if err := s.sync(ctx, mb, c, sel.UIDValidity); err != nil {
			return err
		}
		if err := s.wait(ctx, mb, c, idle, notify); err != nil {
			return err
		}
	}
}

// wait returns when new mail may have arrived: on an IDLE notification or
// after PollInterval.
func (s *Service) wait(ctx context.Context, mb *mailbox, c *imapclient.Client, idle bool, notify <-chan struct{}) error {
	t := time.NewTimer(mb.PollInterval)
	defer t.Stop()
	if !idle {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if err := c.Noop().Wait(); err != nil {
			return fmt.Errorf("mail: noop: %w", err)
		}
		return nil
	}
	cmd, err := c.Idle()
	if err != nil {
		return fmt.Errorf("mail: idle: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-notify:
	case <-t.C:
	case <-c.Closed():
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("mail: idle done: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("mail: idle: %w", err)
	}
	return ctx.Err()
}

// flagCommitted flags \Seen the messages at or below the UID cursor that
// are not: they were committed by a run that stopped before flagging them.
func (s *Service) flagCommitted(ctx context.Context, mb *mailbox, c *imapclient.Client, uidvalidity uint32) error {
	state, err := s.st.MailboxState(ctx, mb.Name)
	if err != nil {
		return err
	}
	if state.UIDValidity != uidvalidity || state.LastUID == 0 {
		return nil
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{
		UID:     []imap.UIDSet{{imap.UIDRange{Start: 1, Stop: imap.UID(state.LastUID)}}},
		NotFlag: []imap.Flag{imap.FlagSeen},
	}, nil).Wait()
	if err != nil {
		return fmt.Errorf("mail: search unflagged: %w", err)
	}
	uids := found.AllUIDs()
	if len(uids) == 0 {
		return nil
	}
	flags := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
	if err := c.Store(imap.UIDSetNum(uids...), flags, nil).Close(); err != nil {
		return fmt.Errorf("mail: flag seen: %w", err)
	}
	return nil
}

// sync ingests every message above the stored UID cursor in batches: each
// message is committed, then the batch is flagged \Seen and routed.
func (s *Service) sync(ctx context.Context, mb *mailbox, c *imapclient.Client, uidvalidity uint32) error {
	state, err := s.st.MailboxState(ctx, mb.Name)
	if err != nil {
		return err
	}
	last := state.LastUID
	if state.UIDValidity != uidvalidity {
		if state.UIDValidity != 0 {
			s.log.Warn("mail: UIDVALIDITY changed: re-reading, deduplicated by Message-ID", "mailbox", mb.Name, "old", state.UIDValidity, "new", uidvalidity)
		}
		last = 0
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: imap.UID(last + 1), Stop: 0}}}}, nil).Wait()
	if err != nil {
		return fmt.Errorf("mail: search: %w", err)
	}
	var uids []imap.UID
	for _, u := range found.AllUIDs() {
		if uint32(u) > last {
			uids = append(uids, u)
		}
	}
	slices.Sort(uids)
	for len(uids) > 0 {
		n := min(len(uids), s.cfg.FetchBatch)
		if err := s.fetchBatch(ctx, mb, c, uidvalidity, uids[:n]); err != nil {
			return err
		}
		uids = uids[n:]
	}
	mb.update(func(st *Status) { st.LastSync = s.cfg.Now() })
	return nil
}

func (s *Service) fetchBatch(ctx context.Context, mb *mailbox, c *imapclient.Client, uidvalidity uint32, uids []imap.UID) error {
	cmd := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	var done []imap.UID
	var ingested int64
	var ingestErr error
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var uid imap.UID
		var body []byte
		var cut bool
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = it.UID
			case imapclient.FetchItemDataBodySection:
				if it.Literal == nil {
					continue
				}
				raw, err := io.ReadAll(io.LimitReader(it.Literal, s.cfg.MaxMessageBytes+1))
				if err != nil {
					ingestErr = fmt.Errorf("mail: fetch body: %w", err)
				}
				if int64(len(raw)) > s.cfg.MaxMessageBytes {
					raw, cut = raw[:s.cfg.MaxMessageBytes], true
				}
				body = raw
			}
		}
		if uid == 0 || ingestErr != nil {
			continue
		}
		dup, err := s.ingest(ctx, mb, uidvalidity, uint32(uid), body, cut)
		if err != nil {
			ingestErr = err
			continue
		}
		if !dup {
			ingested++
		}
		done = append(done, uid)
	}
	if err := cmd.Close(); err != nil && ingestErr == nil {
		ingestErr = fmt.Errorf("mail: fetch: %w", err)
	}
	mb.update(func(st *Status) { st.Ingested += ingested })
	if len(done) > 0 {
		flags := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
		if err := c.Store(imap.UIDSetNum(done...), flags, nil).Close(); err != nil {
			return fmt.Errorf("mail: flag seen: %w", err)
		}
	}
	if ingestErr != nil {
		return ingestErr
	}
	return s.route(ctx, mb)
}
