package chat

import (
	"context"
)

// WatchWidgets follows the stored `chat:` section until ctx ends: whenever
// the configuration revision changes (an import, the panel's widget page),
// it reloads the widgets and puts them in force with SetWidgets, so new
// visitors see the change at once; open chats keep their queue. It checks
// every Config.WidgetPoll and returns nil when ctx ends. A configuration
// that fails to load is logged and retried only when it changes again.
func (s *Server) WatchWidgets(ctx context.Context) error {
	return s.st.FollowConfig(ctx, s.cfg.WidgetPoll, func(ctx context.Context, rev int64) {
		ws, err := LoadWidgets(ctx, s.st)
		if err == nil {
			err = s.SetWidgets(ws)
		}
		if err != nil {
			s.log.Error("chat: reloading widgets; the ones in force stay", "revision", rev, "err", err)
			return
		}
		s.log.Info("chat: widgets in force", "revision", rev, "widgets", len(ws))
	})
}
