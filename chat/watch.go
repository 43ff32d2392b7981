package chat

import (
	"context"
	"time"
)

// WatchWidgets follows the stored `chat:` section until ctx ends: whenever
// the configuration revision changes (an import, the panel's widget page),
// it reloads the widgets and puts them in force with SetWidgets, so new
// visitors see the change at once; open chats keep their queue. It checks
// every Config.WidgetPoll and returns nil when ctx ends. A configuration
// that fails to load is logged and retried only when it changes again.
func (s *Server) WatchWidgets(ctx context.Context) error {
	last, err := s.st.ConfigRev(ctx)
	if err != nil {
		last = -1
	}
	t := time.NewTicker(s.cfg.WidgetPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		rev, err := s.st.ConfigRev(ctx)
		if err != nil || rev == last {
			continue
		}
		last = rev
		ws, err := LoadWidgets(ctx, s.st)
		if err == nil {
			err = s.SetWidgets(ws)
		}
		if err != nil {
			s.log.Error("chat: reloading widgets; the ones in force stay", "revision", rev, "err", err)
			continue
		}
		s.log.Info("chat: widgets in force", "revision", rev, "widgets", len(ws))
	}
}
