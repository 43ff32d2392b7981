package webui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// sseEvent is one event as sent on the stream.
type sseEvent struct {
	Seq   uint64    `json:"seq"`
	Time  time.Time `json:"time"`
	Topic string    `json:"topic"`
	Data  any       `json:"data"`
}

// apiEvents streams the bus as Server-Sent Events (topics chosen with
// repeated ?topic=, all when none) until the client goes away or the
// server shuts down. A jump in seq tells the client it missed events.
func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	ch := s.bus.Subscribe(r.Context(), 256, r.URL.Query()["topic"]...)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": connected\n\n")
	flusher.Flush()
	keepalive := time.NewTicker(25 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return
			}
			b, err := json.Marshal(sseEvent{Seq: ev.Seq, Time: ev.Time, Topic: ev.Topic, Data: ev.Data})
			if err != nil {
				b, _ = json.Marshal(sseEvent{Seq: ev.Seq, Time: ev.Time, Topic: ev.Topic})
			}
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.Seq, sanitizeEventName(ev.Topic), b)
			flusher.Flush()
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
			flusher.Flush()
		case <-r.Context().Done():
			return
		}
	}
}

// sanitizeEventName keeps an SSE event name on one line.
func sanitizeEventName(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c > ' ' && c < 0x7f {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "message"
	}
	return string(out)
}
