package voice

import (
	"context"
	"strings"
	"time"
)

// prompt plays a prompt. With bargeIn, the first digit pressed stops it
// and is returned; otherwise digits pressed during it stay unread. A
// returned 0 means no digit.
func (w *walk) prompt(ctx context.Context, name string, bargeIn bool) (byte, error) {
	if !bargeIn {
		return 0, w.call.Play(ctx, name)
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.call.Play(pctx, name) }()
	select {
	case err := <-done:
		return 0, err
	case d, ok := <-w.call.Digits():
		cancel()
		<-done
		if !ok {
			return 0, ErrHangup
		}
		return d, nil
	case <-ctx.Done():
		<-done
		return 0, ctx.Err()
	}
}

// digit waits up to timeout for one digit; 0 means none came.
func (w *walk) digit(ctx context.Context, timeout time.Duration) (byte, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case d, ok := <-w.call.Digits():
		if !ok {
			return 0, ErrHangup
		}
		return d, nil
	case <-t.C:
		return 0, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// digits reads up to limit digits, ended early by terminator (not kept) or
// by inter of silence.
func (w *walk) digits(ctx context.Context, limit int, terminator string, inter time.Duration) (string, error) {
	var b strings.Builder
	for b.Len() < limit {
		d, err := w.digit(ctx, inter)
		if err != nil {
			return "", err
		}
		if d == 0 || (terminator != "" && string(d) == terminator) {
			break
		}
		b.WriteByte(d)
	}
	return b.String(), nil
}
