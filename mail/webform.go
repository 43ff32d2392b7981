package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Errors of Submit.
var (
	// ErrNoMailboxForQueue: no mailbox feeds the queue, so its answer could
	// not be sent.
	ErrNoMailboxForQueue = errors.New("no mailbox serves this queue")
	// ErrBadWebMessage: the address or the message is missing or invalid.
	ErrBadWebMessage = errors.New("a valid email address and a message are needed")
)

// maxWebMessage bounds a message written on the contact page.
const maxWebMessage = 20 << 10

// Submit turns a message written on the web contact page into an email
// conversation of the first mailbox serving queue, exactly as if the
// visitor had written to it: stored, threaded, resolved to a customer and
// routed to the distributor, answered from the console by email. It
// returns the message's Message-ID.
func (s *Service) Submit(ctx context.Context, queue, addr, name, subject, body string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(addr))
	body = strings.TrimSpace(body)
	if err != nil || body == "" || len(body) > maxWebMessage {
		return "", ErrBadWebMessage
	}
	var mb *mailbox
	mbs := s.current()
	for _, name := range slices.Sorted(maps.Keys(mbs)) {
		if mbs[name].Queue == queue {
			mb = mbs[name]
			break
		}
	}
	if mb == nil {
		return "", fmt.Errorf("mail: web message for queue %s: %w", queue, ErrNoMailboxForQueue)
	}
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	msgID := fmt.Sprintf("<web-%x@switchboard.invalid>", rnd)
	from := (&mail.Address{Name: strings.TrimSpace(name), Address: a.Address}).String()
	var raw bytes.Buffer
	fmt.Fprintf(&raw, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n", from, mb.From,
		mime.QEncoding.Encode("utf-8", strings.ReplaceAll(subject, "\n", " ")), s.cfg.Now().Format(time.RFC1123Z), msgID)
	raw.WriteString("X-Switchboard-Source: contact-page\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n")
	raw.WriteString("Content-Transfer-Encoding: 8bit\r\n\r\n")
	raw.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	raw.WriteString("\r\n")
	// Web messages take UIDVALIDITY 0, which IMAP never uses, and a random
	// UID: they cannot collide with fetched messages.
	uid := binary.BigEndian.Uint32(rnd[:4]) | 1
	if _, err := s.ingest(ctx, mb, 0, uid, raw.Bytes(), false); err != nil {
		return "", err
	}
	if err := s.route(ctx, mb); err != nil {
		s.log.Warn("mail: web message stored, routing deferred to the mailbox runner", "mailbox", mb.Name, "err", err)
	}
	return msgID, nil
}
