// Package parse turns a raw RFC 5322 message into what the email channel
// stores: headers for threading, the text body, the sanitised HTML body and
// the attachments, with size limits. It never fails: a message it cannot
// fully read comes back flagged Malformed with what could be read, and the
// caller keeps the raw bytes.
package parse

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/switchboard-cc/switchboard/mail/sanitize"
	"github.com/switchboard-cc/switchboard/mail/thread"
)

// Options bound what Parse keeps. Zero fields mean the defaults.
type Options struct {
	// MaxAttachmentBytes is the largest attachment whose data is kept
	// (default 10 MiB); a larger one is recorded with its size only.
	MaxAttachmentBytes int64
	// MaxBodyBytes is the largest text or HTML body kept (default 1 MiB);
	// the rest is cut and the message flagged Oversize.
	MaxBodyBytes int64
	// MaxParts is the largest number of MIME parts read (default 100).
	MaxParts int
	// Policy sanitises HTML bodies (default sanitize.New()).
	Policy *sanitize.Policy
}

func (o Options) withDefaults() Options {
	if o.MaxAttachmentBytes <= 0 {
		o.MaxAttachmentBytes = 10 << 20
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.MaxParts <= 0 {
		o.MaxParts = 100
	}
	if o.Policy == nil {
		o.Policy = sanitize.New()
	}
	return o
}

// Message is a parsed message.
type Message struct {
	// MessageID is the Message-ID without brackets, or, when missing,
	// "sha256-HASH@switchboard.invalid" so that it is never empty.
	MessageID   string
	InReplyTo   []string
	References  []string
	FromAddr    string
	FromName    string
	To          string
	Subject     string
	Date        time.Time
	Text        string
	HTML        string // sanitised
	Attachments []Attachment
	// ContentHash is the hex SHA-256 of the raw message.
	ContentHash string
	// Automated is true for mail no human wrote (Auto-Submitted,
	// Precedence bulk/list/junk, bounces, mailing lists): it gets no
	// acknowledgement.
	Automated bool
	// Malformed and Oversize flag a message only partly read; Problem says why.
	Malformed bool
	Oversize  bool
	Problem   string
}

// Attachment is one attachment; Data is nil when Truncated.
type Attachment struct {
	Filename    string
	ContentType string
	Size        int64
	Truncated   bool
	Data        []byte
}

// Parse parses raw. It never panics and always returns a message.
func Parse(raw []byte, opts Options) (m *Message) {
	opts = opts.withDefaults()
	sum := sha256.Sum256(raw)
	m = &Message{ContentHash: hex.EncodeToString(sum[:])}
	defer func() {
		if r := recover(); r != nil {
			m.flag(fmt.Errorf("parser panic: %v", r))
		}
		if m.MessageID == "" {
			m.MessageID = "sha256-" + m.ContentHash + "@switchboard.invalid"
		}
	}()
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && mr == nil {
		m.flag(err)
		m.Automated = true // no readable sender: never answered
		return m
	}
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		m.flag(err)
	}
	defer mr.Close()
	m.headers(&mr.Header)
	parts := 0
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && (p == nil || (!message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err))) {
			m.flag(err)
			break
		}
		if parts++; parts > opts.MaxParts {
			m.flag(fmt.Errorf("more than %d parts", opts.MaxParts))
			break
		}
		m.part(p, opts)
	}
	return m
}

func (m *Message) flag(err error) {
	m.Malformed = true
	if m.Problem == "" {
		m.Problem = err.Error()
	}
}

func (m *Message) headers(h *mail.Header) {
	if ids := thread.IDs(h.Get("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = thread.IDs(h.Get("In-Reply-To"))
	m.References = thread.IDs(strings.Join(h.Values("References"), " "))
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		m.FromAddr, m.FromName = strings.ToLower(from[0].Address), from[0].Name
	} else {
		m.FromAddr = strings.TrimSpace(h.Get("From"))
	}
	if to, err := h.AddressList("To"); err == nil && len(to) > 0 {
		m.To = strings.ToLower(to[0].Address)
	}
	if s, err := h.Subject(); err == nil {
		m.Subject = s
	} else {
		m.Subject = h.Get("Subject")
	}
	if d, err := h.Date(); err == nil {
		m.Date = d
	}
	m.Automated = automated(h, m.FromAddr)
}

// automated reports mail no human wrote (RFC 3834 Auto-Submitted, RFC 2076
// Precedence, RFC 2369 List-Id, bounce senders): answering it risks a loop.
func automated(h *mail.Header, from string) bool {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "list", "junk", "auto_reply":
		return true
	}
	if h.Has("List-Id") || h.Has("X-Autoreply") || h.Has("X-Autorespond") {
		return true
	}
	if rp := strings.TrimSpace(h.Get("Return-Path")); rp == "<>" {
		return true
	}
	local, _, _ := strings.Cut(from, "@")
	switch local {
	case "mailer-daemon", "postmaster", "bounces", "bounce", "noreply", "no-reply", "":
		return true
	}
	return strings.HasPrefix(local, "bounce") || strings.HasPrefix(local, "owner-")
}

func (m *Message) part(p *mail.Part, opts Options) {
	switch h := p.Header.(type) {
	case *mail.InlineHeader:
		ct, _, _ := h.ContentType()
		if (ct == "text/plain" && m.Text == "") || (ct == "text/html" && m.HTML == "") {
			body, over, err := readLimited(p.Body, opts.MaxBodyBytes)
			if err != nil {
				m.flag(err)
			}
			if over {
				m.Oversize = true
				if m.Problem == "" {
					m.Problem = fmt.Sprintf("body over %d bytes cut", opts.MaxBodyBytes)
				}
			}
			if ct == "text/plain" {
				m.Text = strings.ToValidUTF8(string(body), "\uFFFD")
			} else {
				m.HTML = opts.Policy.HTML(strings.ToValidUTF8(string(body), "\uFFFD"))
			}
			return
		}
		_, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
		m.attach(p.Body, params["name"], ct, opts)
	case *mail.AttachmentHeader:
		name, _ := h.Filename()
		ct, _, _ := h.ContentType()
		m.attach(p.Body, name, ct, opts)
	}
}

func (m *Message) attach(r io.Reader, name, ct string, opts Options) {
	if ct == "" {
		ct = "application/octet-stream"
	}
	data, err := io.ReadAll(io.LimitReader(r, opts.MaxAttachmentBytes+1))
	if err != nil {
		m.flag(err)
	}
	a := Attachment{Filename: name, ContentType: ct, Size: int64(len(data)), Data: data}
	if a.Size > opts.MaxAttachmentBytes {
		n, err := io.Copy(io.Discard, r)
		if err != nil {
			m.flag(err)
		}
		a.Size, a.Data, a.Truncated = a.Size+n, nil, true
		m.Oversize = true
		if m.Problem == "" {
			m.Problem = fmt.Sprintf("attachment %q over %d bytes not kept", name, opts.MaxAttachmentBytes)
		}
	}
	m.Attachments = append(m.Attachments, a)
}

// readLimited reads at most limit bytes of r; over reports that r held more.
func readLimited(r io.Reader, limit int64) (data []byte, over bool, err error) {
	data, err = io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(data)) > limit {
		return data[:limit], true, err
	}
	return data, false, err
}
