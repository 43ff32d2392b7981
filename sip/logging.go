package sip

import (
	"context"
	"log/slog"

	"github.com/emiago/sipgo/sip"
)

// quietHandler demotes every record of the SIP library to debug: its
// warnings and errors are about what peers send (unparsable datagrams,
// stray responses), and logging them at error level would let any scanner
// flood the appliance's log.
type quietHandler struct{ h slog.Handler }

func (q quietHandler) Enabled(ctx context.Context, _ slog.Level) bool {
	return q.h.Enabled(ctx, slog.LevelDebug)
}

func (q quietHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = slog.LevelDebug
	return q.h.Handle(ctx, r)
}

func (q quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietHandler{q.h.WithAttrs(attrs)}
}

func (q quietHandler) WithGroup(name string) slog.Handler { return quietHandler{q.h.WithGroup(name)} }

// libraryLogger is the logger handed to sipgo.
func libraryLogger(l *slog.Logger) *slog.Logger {
	return slog.New(quietHandler{l.Handler()}).With("lib", "sipgo")
}

// defaultHandler forwards to slog.Default()'s handler at each record (a
// logger derived by With keeps the default of that moment).
type defaultHandler struct{}

func (defaultHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return slog.Default().Handler().Enabled(ctx, l)
}

func (defaultHandler) Handle(ctx context.Context, r slog.Record) error {
	return slog.Default().Handler().Handle(ctx, r)
}

func (defaultHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return slog.Default().Handler().WithAttrs(attrs)
}

func (defaultHandler) WithGroup(name string) slog.Handler {
	return slog.Default().Handler().WithGroup(name)
}

// init quiets sipgo's package logger, the one library state we cannot
// pass as a Config field: a transport given to its transport layer (the
// TCP one, for its dial policy) logs there, not on the layer's logger,
// including an error for each connection read that fails (a peer's read
// deadline) and each message that does not parse, with its bytes. It is
// set here, before any goroutine of the library runs.
func init() {
	sip.SetDefaultLogger(slog.New(quietHandler{defaultHandler{}}))
}
