package chat

import (
	"html/template"
	"net/http"
	"net/url"
)

var startTmpl = template.Must(template.New("start").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title></head>
<body><main><h1>{{.Title}}</h1><p>{{.Lead}}</p></main>
<script src="../widget.js" data-widget="{{.Widget}}" data-intent="{{.Intent}}" data-lang="{{.Lang}}"></script></body></html>
`))

// startTexts are the start page's words by language; widget.js has its
// own table for the widget's.
var startTexts = map[string]struct{ Title, Lead string }{
	"en": {"Chat with us", "Open the chat below to talk with an agent."},
	"fr": {"Discutez avec nous", "Ouvrez la discussion ci-dessous pour parler avec un conseiller."},
}

// serveStart serves the appliance's own page for a widget: the page the
// contact page's chat button opens, loading the widget script (its
// WebSocket is accepted from the appliance's own origin) in the widgets'
// language. The intent query parameter reaches the widget's pre-chat form.
func (s *Server) serveStart(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("widget")
	s.mu.Lock()
	_, ok := s.widgets[name]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	lang := s.cfg.Language(r.Context())
	t, ok := startTexts[lang]
	if !ok {
		lang, t = "en", startTexts["en"]
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The widget styles its elements with style attributes.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	startTmpl.Execute(w, struct{ Widget, Intent, Lang, Title, Lead string }{name, r.URL.Query().Get("intent"), lang, t.Title, t.Lead})
}

// sameHost reports whether the canonical origin o names host, the
// request's own host: a page the appliance served itself.
func sameHost(o, host string) bool {
	u, err := url.Parse(o)
	return err == nil && host != "" && u.Host == host
}
