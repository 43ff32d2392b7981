package main

import (
	"context"
	"log/slog"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// settingsLanguage returns the settings language as the voice side, the
// contact page and the chat widget read it: from the store, again when the
// configuration changes, the default language when it cannot be read.
func settingsLanguage(st *store.Store, log *slog.Logger) func(context.Context) string {
	language := store.NewCached(st, config.StoredLanguage)
	return func(ctx context.Context) string {
		lang, err := language.Get(ctx)
		if err != nil {
			log.Warn("reading settings.language failed; the default language speaks", "err", err)
			return config.DefaultLanguage
		}
		return lang
	}
}
