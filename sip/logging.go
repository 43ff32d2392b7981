package sip

import (
	"context"
	"log/slog"
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
