package sip

import (
	"context"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/sip/digest"
)

// configPoll is how often the service looks for configuration changes made
// by the CLI or the web panel on the same data directory.
const configPoll = 500 * time.Millisecond

// extCache is the extensions table as of a configuration revision.
type extCache struct {
	rev    int64
	loaded bool
	byNum  map[string]store.Extension
}

// watchConfig reloads the extensions whenever the configuration revision
// changes, until ctx ends.
func (s *Server) watchConfig(ctx context.Context) error {
	t := time.NewTicker(configPoll)
	defer t.Stop()
	for {
		if err := s.reloadExtensions(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("sip: reloading extensions", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (s *Server) reloadExtensions(ctx context.Context) error {
	rev, err := s.st.ConfigRev(ctx)
	if err != nil {
		return err
	}
	s.extLock.Lock()
	current := s.ext.loaded && s.ext.rev == rev
	s.extLock.Unlock()
	if current {
		return nil
	}
	exts, err := s.st.Extensions(ctx)
	if err != nil {
		return err
	}
	byNum := make(map[string]store.Extension, len(exts))
	for _, e := range exts {
		byNum[e.Number] = e
	}
	s.extLock.Lock()
	s.ext = extCache{rev: rev, loaded: true, byNum: byNum}
	s.extLock.Unlock()
	return nil
}

// extension returns the extension with that number, reading the store
// when the cache is not loaded yet or lags behind the CLI.
func (s *Server) extension(number string) (store.Extension, bool) {
	s.extLock.Lock()
	e, ok := s.ext.byNum[number]
	loaded := s.ext.loaded
	s.extLock.Unlock()
	if ok || loaded && !s.configChanged() {
		return e, ok
	}
	if err := s.reloadExtensions(context.Background()); err != nil {
		s.log.Error("sip: reloading extensions", "err", err)
		return store.Extension{}, false
	}
	s.extLock.Lock()
	defer s.extLock.Unlock()
	e, ok = s.ext.byNum[number]
	return e, ok
}

// configChanged reports whether the stored configuration moved past the
// cache: an extension added a moment ago by the CLI is found at once.
func (s *Server) configChanged() bool {
	rev, err := s.st.ConfigRev(context.Background())
	if err != nil {
		return false
	}
	s.extLock.Lock()
	defer s.extLock.Unlock()
	return rev != s.ext.rev
}

// credentials looks up an extension's stored hashes for digest checks;
// hashes made for another realm never match.
func (s *Server) credentials(user string) (digest.HA1, bool) {
	e, ok := s.extension(user)
	if !ok || e.Realm != s.cfg.Realm {
		return digest.HA1{}, false
	}
	return digest.HA1{MD5: e.HA1MD5, SHA256: e.HA1SHA256}, true
}

// extensionExists reports whether number is a configured extension.
func (s *Server) extensionExists(number string) bool {
	_, ok := s.extension(number)
	return ok
}

// extensionRecorded reports whether number is an extension whose calls are
// recorded.
func (s *Server) extensionRecorded(number string) bool {
	e, ok := s.extension(number)
	return ok && e.Record
}
