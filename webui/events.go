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
	ch := s.bus.Subscribe(r.Context(), 256, r.URL.Query()["topic"]...)
	es, err := s.startStream(w)
	if err != nil {
		return
	}
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
			if es.send("id: %d\nevent: %s\ndata: %s\n\n", ev.Seq, sanitizeEventName(ev.Topic), b) != nil {
				return
			}
		case <-keepalive.C:
			if es.send(": keepalive\n\n") != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

// eventStream writes a Server-Sent Events stream, each write under a
// deadline: a client that stops reading ends its stream (and frees its
// connection) instead of holding its handler forever.
type eventStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

// startStream answers 200 with an event stream and its first comment.
func (s *Server) startStream(w http.ResponseWriter) (*eventStream, error) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	es := &eventStream{w: w, rc: http.NewResponseController(w), timeout: s.cfg.EventWriteTimeout}
	return es, es.send(": connected\n\n")
}

// send writes and flushes one event (or comment) within the timeout.
func (es *eventStream) send(format string, args ...any) error {
	// A writer that is not a connection of ours (a test recorder) takes
	// no deadline.
	_ = es.rc.SetWriteDeadline(time.Now().Add(es.timeout))
	if _, err := fmt.Fprintf(es.w, format, args...); err != nil {
		return err
	}
	return es.rc.Flush()
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
