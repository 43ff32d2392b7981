package tollfraud

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/switchboard-cc/switchboard/internal/events"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func status(t *testing.T, err error) int {
	t.Helper()
	var se interface{ SIPStatus() (int, string) }
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a SIP status", err)
	}
	code, _ := se.SIPStatus()
	return code
}

func TestUnauthenticated(t *testing.T) {
	g := New(Config{Logger: quiet()})
	_, err := g.Admit("", "+33123456789", false, false)
	if !errors.Is(err, ErrUnauthenticated) || status(t, err) != 403 {
		t.Fatalf("err = %v, want ErrUnauthenticated 403", err)
	}
	if _, err := g.Admit("", "112", false, true); err != nil {
		t.Fatalf("emergency refused: %v", err)
	}
}

func TestConcurrentLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := events.NewBus()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		alerts := bus.Subscribe(ctx, 4, "alert")
		g := New(Config{Default: Limits{MaxConcurrent: 3}, Bus: bus, Logger: quiet()})

		var wg sync.WaitGroup
		calls := make(chan *Call, 10)
		errs := make(chan error, 10)
		for range 10 {
			wg.Go(func() {
				c, err := g.Admit("1001", "+33123456789", false, false)
				if err != nil {
					errs <- err
					return
				}
				calls <- c
			})
		}
		wg.Wait()
		close(calls)
		close(errs)
		if len(calls) != 3 || len(errs) != 7 {
			t.Fatalf("admitted %d, refused %d; want 3 and 7", len(calls), len(errs))
		}
		for err := range errs {
			if !errors.Is(err, ErrConcurrent) || status(t, err) != 503 {
				t.Fatalf("err = %v, want ErrConcurrent 503", err)
			}
		}
		if _, err := g.Admit("1002", "+33123456789", false, false); err != nil {
			t.Fatalf("another extension refused: %v", err)
		}
		if _, err := g.Admit("1001", "112", false, true); err != nil {
			t.Fatalf("emergency refused at the limit: %v", err)
		}
		synctest.Wait()
		if n := len(alerts); n != 4 {
			t.Fatalf("%d alerts buffered, want 4 (bus buffer)", n)
		}
		a := (<-alerts).Data.(Alert)
		if a.Extension != "1001" || a.Reason != ErrConcurrent.Error() {
			t.Fatalf("alert = %+v", a)
		}
		for c := range calls {
			c.End()
			c.End()
		}
		if n := g.Active("1001"); n != 0 {
			t.Fatalf("active = %d after End, want 0", n)
		}
		if _, err := g.Admit("1001", "+33123456789", false, false); err != nil {
			t.Fatalf("refused after calls ended: %v", err)
		}
	})
}

func TestInternationalMinutesPerDay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(Config{Default: Limits{InternationalPerDay: 30 * time.Minute}, Location: time.UTC, Logger: quiet()})
		// Start of the synctest clock is midnight UTC 2000-01-01.
		time.Sleep(8 * time.Hour)
		for i, d := range []time.Duration{10 * time.Minute, 15 * time.Minute, 6 * time.Minute} {
			c, err := g.Admit("1001", "+44207946000", true, false)
			if err != nil {
				t.Fatalf("call %d refused: %v", i, err)
			}
			if b, ok := c.Budget(); !ok || b != 30*time.Minute-g.Used("1001") {
				t.Fatalf("call %d budget = %v, %v", i, b, ok)
			}
			time.Sleep(20 * time.Second) // ringing is not charged
			c.Answered()
			time.Sleep(d)
			c.End()
		}
		if u := g.Used("1001"); u != 31*time.Minute {
			t.Fatalf("used = %v, want 31m", u)
		}
		_, err := g.Admit("1001", "+44207946000", true, false)
		if !errors.Is(err, ErrMinutes) || status(t, err) != 503 {
			t.Fatalf("err = %v, want ErrMinutes 503", err)
		}
		if _, err := g.Admit("1001", "+33123456789", false, false); err != nil {
			t.Fatalf("national call refused after the international budget: %v", err)
		}
		time.Sleep(16 * time.Hour) // next day
		if _, err := g.Admit("1001", "+44207946000", true, false); err != nil {
			t.Fatalf("refused the next day: %v", err)
		}
	})
}

func TestAllowlist(t *testing.T) {
	g := New(Config{AllowedPrefixes: []string{"+44", "+49"}, Logger: quiet()})
	cases := []struct {
		number string
		intl   bool
		err    error
	}{
		{"+44207946000", true, nil},
		{"+4930123456", true, nil},
		{"+882123456", true, ErrDestination},
		{"+33123456789", false, nil},
	}
	for _, c := range cases {
		t.Run(c.number, func(t *testing.T) {
			call, err := g.Admit("1001", c.number, c.intl, false)
			if !errors.Is(err, c.err) {
				t.Fatalf("err = %v, want %v", err, c.err)
			}
			if err != nil {
				if status(t, err) != 403 {
					t.Fatalf("status for %v", err)
				}
				return
			}
			call.End()
		})
	}
}

func TestPerExtensionLimits(t *testing.T) {
	g := New(Config{Default: Limits{MaxConcurrent: 1}, PerExtension: map[string]Limits{"2000": {MaxConcurrent: 2}}, Logger: quiet()})
	for i := range 2 {
		if _, err := g.Admit("2000", "+33123456789", false, false); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if _, err := g.Admit("2000", "+33123456789", false, false); !errors.Is(err, ErrConcurrent) {
		t.Fatalf("third call: %v", err)
	}
	if _, err := g.Admit("1001", "+33123456789", false, false); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Admit("1001", "+33123456789", false, false); !errors.Is(err, ErrConcurrent) {
		t.Fatalf("default limit: %v", err)
	}
}

func TestUsedSurvivesRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var charged []time.Duration
		cfg := Config{Default: Limits{InternationalPerDay: 10 * time.Minute}, Location: time.UTC, Logger: quiet(),
			OnCharge: func(ext, day string, d time.Duration) {
				if ext != "1001" || day != "2000-01-01" {
					t.Errorf("charged %s on %s", ext, day)
				}
				charged = append(charged, d)
			}}
		g := New(cfg)
		c, err := g.Admit("1001", "+44207946000", true, false)
		if err != nil {
			t.Fatal(err)
		}
		c.Answered()
		time.Sleep(4 * time.Minute)
		c.End()
		if len(charged) != 1 || charged[0] != 4*time.Minute {
			t.Fatalf("charged %v", charged)
		}
		// A restart reads today's usage back.
		cfg.Used, cfg.UsedDay = map[string]time.Duration{"1001": 10 * time.Minute}, g.Day()
		g2 := New(cfg)
		if _, err := g2.Admit("1001", "+44207946000", true, false); !errors.Is(err, ErrMinutes) {
			t.Fatalf("after restart err = %v, want ErrMinutes", err)
		}
		// Yesterday's usage is ignored.
		cfg.UsedDay = "1999-12-31"
		if _, err := New(cfg).Admit("1001", "+44207946000", true, false); err != nil {
			t.Fatalf("yesterday's usage counted: %v", err)
		}
	})
}

func TestSetLimits(t *testing.T) {
	g := New(Config{Default: Limits{MaxConcurrent: 3}, Logger: quiet()})
	var calls []*Call
	for range 2 {
		c, err := g.Admit("1001", "+33123456789", false, false)
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, c)
	}
	// A reload lowers 1001's limit to one call and allows only +44: the
	// two calls in progress stay counted.
	g.SetLimits(Config{PerExtension: map[string]Limits{"1001": {MaxConcurrent: 1}}, AllowedPrefixes: []string{"+44"}})
	if _, err := g.Admit("1001", "+33123456789", false, false); !errors.Is(err, ErrConcurrent) {
		t.Fatalf("third call after the reload: %v, want ErrConcurrent", err)
	}
	if g.Active("1001") != 2 {
		t.Fatalf("active = %d after the reload, want 2", g.Active("1001"))
	}
	for _, c := range calls {
		c.End()
	}
	if _, err := g.Admit("1001", "+12125550100", true, false); !errors.Is(err, ErrDestination) {
		t.Fatalf("international call off the new allowlist: %v", err)
	}
	c, err := g.Admit("1002", "+442079460000", true, false)
	if err != nil {
		t.Fatalf("call within the new limits: %v", err)
	}
	c.End()
}
