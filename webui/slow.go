package webui

import (
	"net/http"
	"time"
)

// Defaults of the connection limits (Config's zero values).
const (
	// defaultReadHeaderTimeout bounds the reading of a request's header: a
	// client trickling it (slowloris) is cut off.
	defaultReadHeaderTimeout = 10 * time.Second
	// defaultBodyTimeout bounds the reading of a request's body; a prompt
	// upload (up to 64 MiB) gets uploadTimeoutFactor times it.
	defaultBodyTimeout = time.Minute
	// defaultIdleTimeout closes a kept-alive connection with no new request.
	defaultIdleTimeout = 2 * time.Minute
	// defaultEventWriteTimeout drops an event stream's client that reads
	// nothing (the streams send a keepalive every 25s).
	defaultEventWriteTimeout = 30 * time.Second
	// uploadTimeoutFactor stretches the body timeout for prompt uploads
	// (ten minutes by default: 64 MiB at about 1 Mbit/s).
	uploadTimeoutFactor = 10
	// maxHeaderBytes bounds a request's header (net/http's default is
	// 1 MiB; a session cookie and a browser's headers need a few KiB).
	maxHeaderBytes = 64 << 10
)

// bodyDeadline gives the body of each request timeout to arrive: a client
// trickling a body is cut off. Once the body is read, net/http lifts the
// connection's read deadline as it starts watching for the client going
// away, so a long answer (an export, a report) is not cut
// (TestBodyDeadlineLifted). Requests without a body (WebSocket upgrades,
// event streams) are left alone.
func bodyDeadline(timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			d := timeout
			if isUpload(r) {
				d *= uploadTimeoutFactor
			}
			// A writer that is not a connection of ours (a test
			// recorder) cannot take a deadline.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
		}
		next.ServeHTTP(w, r)
	})
}
