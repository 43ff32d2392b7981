package b2bua

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/switchboard-cc/switchboard/media"
)

// recorded reports whether the call is recorded for one of its
// extensions: the caller (unless the call came from a trunk) or the callee
// (an extension, or a number on a trunk for which the lookup says no).
func (c *call) recorded() bool {
	return !c.inbound && c.b.extensionRecorded(c.cdr.Caller) || c.b.extensionRecorded(c.cdr.Callee)
}

// extensionRecorded reports whether number is an extension whose calls are
// recorded.
func (b *B2BUA) extensionRecorded(number string) bool {
	return b.deps.Recorded != nil && b.deps.Recorded(number)
}

// startRecording records caller's phone on the left and callee's on the
// right into a new file of the recordings directory, named for CDR cdrID.
// It returns the file's name relative to the directory ("" when nothing is
// recorded) and stop, which ends the recording and waits for the file to
// be complete.
func (b *B2BUA) startRecording(cdrID int64, callID string, caller, callee *media.Session) (rel string, stop func()) {
	dir := b.cfg.Recordings
	if dir == "" {
		b.log.Warn("b2bua: recording asked for but no recordings directory is set", "call_id", callID)
		return "", func() {}
	}
	now := time.Now().UTC()
	rel = filepath.Join(now.Format("2006/01/02"), fmt.Sprintf("%d-%s.wav", cdrID, now.Format("150405")))
	path := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		b.log.Error("b2bua: recordings directory", "err", err)
		return "", func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := media.Record(ctx, caller, callee, path); err != nil {
			b.log.Error("b2bua: recording failed", "call_id", callID, "path", path, "err", err)
		}
	}()
	return rel, func() {
		cancel()
		<-done
	}
}
