package peertest

import (
	"io"
	"net"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// SMTPSink is an in-process SMTP server (go-smtp) on 127.0.0.1 that keeps
// every message it receives.
type SMTPSink struct {
	// Addr is the listener, 127.0.0.1:port.
	Addr string
	msgs chan Sunk
}

// Sunk is one message the sink received.
type Sunk struct {
	From string
	To   []string
	Data []byte
}

type sinkSession struct {
	s    *SMTPSink
	from string
	to   []string
}

func (ss *sinkSession) Mail(from string, _ *gosmtp.MailOptions) error { ss.from = from; return nil }
func (ss *sinkSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.msgs <- Sunk{ss.from, ss.to, b}
	return nil
}
func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }

// StartSMTPSink starts the sink on a free loopback port; it stops at
// cleanup.
func StartSMTPSink(tb testing.TB) *SMTPSink {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &SMTPSink{Addr: ln.Addr().String(), msgs: make(chan Sunk, 64)}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "sink.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	tb.Cleanup(func() { srv.Close(); <-done })
	return s
}

// Next returns the next message received, failing tb after 20 s.
func (s *SMTPSink) Next(tb testing.TB) Sunk {
	tb.Helper()
	select {
	case m := <-s.msgs:
		return m
	case <-time.After(20 * time.Second):
		tb.Fatal("nothing reached the SMTP sink within 20 s")
		return Sunk{}
	}
}
