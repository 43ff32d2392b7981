package load

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/chat"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/test/load/loadinfo"
)

// The server process of TestChatLoad is the test binary run again with
// these variables: serverEnv says what it serves ("chat" or "echo"),
// profileEnv turns on the mutex and block profiles.
const (
	serverEnv  = "SWITCHBOARD_CHATLOAD_SERVER"
	profileEnv = "SWITCHBOARD_CHATLOAD_PROFILE"
)

// listenPrefix starts the line the server process prints with its address.
const listenPrefix = "CHATLOAD LISTEN "

const origin = "https://shop.example"

// serverStats is what the server process reports of itself at /ctl/stats:
// its heap and stacks in use (after a GC) above what they were before the
// first connection, its goroutines and the CPU it has used.
type serverStats struct {
	Heap, Stack int64
	Goroutines  int
	CPU         time.Duration
}

// serveLoad is the server process: it serves mode on 127.0.0.1:0, prints
// its address on stdout and serves until its stdin closes. Besides mode's
// handlers it serves /debug/pprof/ and /ctl/stats.
func serveLoad(t *testing.T, mode string, conns int) {
	if os.Getenv(profileEnv) != "" {
		runtime.SetMutexProfileFraction(5)
		runtime.SetBlockProfileRate(int(100 * time.Microsecond))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	switch mode {
	case "chat":
		srv := newChatServer(t, conns)
		defer srv.Close()
		mux.Handle("/chat/", http.StripPrefix("/chat", srv.Handler()))
		mux.Handle("/agent/", http.StripPrefix("/agent", srv.AgentHandler()))
	case "echo":
		mux.HandleFunc("/echo", serveEcho)
	default:
		t.Fatalf("%s=%q: want chat or echo", serverEnv, mode)
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	mux.HandleFunc("/ctl/stats", func(w http.ResponseWriter, r *http.Request) {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		json.NewEncoder(w).Encode(serverStats{
			Heap: int64(m.HeapInuse) - int64(before.HeapInuse), Stack: int64(m.StackInuse) - int64(before.StackInuse),
			Goroutines: runtime.NumGoroutine(), CPU: loadinfo.CPUTime(),
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Printf("%s%s\n", listenPrefix, ln.Addr())
	io.Copy(io.Discard, os.Stdin) // the generator closes it when done
	hs.Close()
	<-served
}

// newChatServer returns a chat server on a fresh store whose one widget
// queues to "support", served by (conns+3)/4 agents agent0000… taking
// four chats each (capacity 100, a chat is 25), all available.
func newChatServer(t *testing.T, conns int) *chat.Server {
	ctx := t.Context()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir, err := customer.New(st, customer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	dist := acd.New(acd.Config{Store: st, Logger: discard})
	q := config.Queue{Name: "support"}
	var as []config.Agent
	for i := range agentCount(conns) {
		q.Members = append(q.Members, agentName(i))
		as = append(as, config.Agent{Name: agentName(i)})
	}
	dist.SetConfig([]config.Queue{q}, as)
	for _, a := range as {
		if err := dist.SetPresence(ctx, a.Name, acd.Presence{State: acd.Available}); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := chat.New(ctx, st, dir, dist, chat.Config{
		Widgets:          []chat.Widget{{Name: "website", Queue: "support", Origins: []string{origin}}},
		AgentFromRequest: func(r *http.Request) (string, bool) { a := r.Header.Get("X-Agent"); return a, a != "" },
		MaxConnsPerIP:    conns + 1,
		MaxChatsPerIP:    conns + 1,
		Rate:             100,
		Burst:            100,
		Logger:           discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func agentCount(conns int) int { return (conns + 3) / 4 }

func agentName(i int) string { return fmt.Sprintf("agent%04d", i) }

// serveEcho is the baseline: a bare WebSocket, through the same library,
// that sends every message back as it came.
func serveEcho(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	for {
		typ, data, err := ws.Read(r.Context())
		if err != nil {
			return
		}
		if err := ws.Write(r.Context(), typ, data); err != nil {
			return
		}
	}
}
