package webui

import (
	"net/http"
	"time"
)

// defaultDownloadWriteTimeout is how long a download may wait for its
// client to take the next downloadChunk bytes.
const defaultDownloadWriteTimeout = 30 * time.Second

// downloadChunk is the most a download writes under one deadline: a
// client must read at least this much every DownloadWriteTimeout (64 KiB
// in 30 s, about 2 KiB/s, by default) or be dropped. The deadline moves
// with the data, so a large recording fetched slowly but steadily is never
// cut, while a client that stops reading frees its handler and connection
// within one timeout.
const downloadChunk = 64 << 10

// sending serves h, a download (a recording, an export, an attachment, a
// prompt's audio), with a write deadline per chunk of its answer. The
// answer closes its connection: the last deadline set would otherwise
// stay on a kept-alive connection and cut the next answer on it. Event
// streams and WebSockets are not downloads; they keep their own deadlines
// (EventWriteTimeout, the chat's).
func (s *Server) sending(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		h(&downloadWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: s.cfg.DownloadWriteTimeout}, r)
	}
}

// downloadWriter writes through its ResponseWriter in chunks of at most
// downloadChunk bytes, each under a deadline timeout away.
type downloadWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

// Write writes p chunk by chunk, each chunk within the timeout.
func (d *downloadWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), downloadChunk)]
		// A writer that is not a connection of ours (a test recorder)
		// takes no deadline.
		_ = d.rc.SetWriteDeadline(time.Now().Add(d.timeout))
		k, err := d.ResponseWriter.Write(chunk)
		n += k
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

// Unwrap returns the ResponseWriter, for http.ResponseController.
func (d *downloadWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }
