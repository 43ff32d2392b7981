package chat

import (
	_ "embed"
	"net/http"
)

// widgetJS is the embeddable widget: a page includes it with
// <script src="https://APPLIANCE/chat/widget.js" data-widget="NAME"></script>.
// It speaks Config.Language, which its welcome frame names; a page may add
// data-lang="fr" so that the widget is French before that frame comes.
//
//go:embed widget.js
var widgetJS []byte

func serveWidget(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	w.Write(widgetJS)
}
