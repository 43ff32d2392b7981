package chat

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// TestWatchWidgets changes the stored `chat:` section under a running
// server, as the panel's widget page and `config import` do: the new widget
// is served and the removed one refused without a restart.
func TestWatchWidgets(t *testing.T) {
	r := newRig(t, func(c *Config) { c.WidgetPoll = 10 * time.Millisecond })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.srv.WatchWidgets(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	start := func(widget string) int {
		t.Helper()
		res, err := http.Get(r.http.URL + "/chat/start/" + widget)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := start("shop"); code != http.StatusNotFound {
		t.Fatalf("shop before the change: %d", code)
	}
	f, err := config.Parse([]byte("chat:\n  - {name: shop, queue: sales, origins: [\"https://shop.example.com\"]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := config.Apply(t.Context(), r.st, f); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for start("shop") != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the new widget is not served 5 s after the change")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code := start("website"); code != http.StatusNotFound {
		t.Fatalf("the removed widget is still served: %d", code)
	}
}
