package chat

import (
	"html/template"
	"net/http"
	"net/url"
)

var startTmpl = template.Must(template.New("start").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chat with us</title></head>
<body><main><h1>Chat with us</h1><p>Open the chat below to talk with an agent.</p></main>
<script src="../widget.js" data-widget="{{.Widget}}" data-intent="{{.Intent}}"></script></body></html>
`))

// serveStart serves the appliance's own page for a widget: the page the
// contact page's chat button opens, loading the widget script (its
// WebSocket is accepted from the appliance's own origin). The intent query
// parameter reaches the widget's pre-chat form.
func (s *Server) serveStart(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("widget")
	s.mu.Lock()
	_, ok := s.widgets[name]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The widget styles its elements with style attributes.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	startTmpl.Execute(w, struct{ Widget, Intent string }{name, r.URL.Query().Get("intent")})
}

// sameHost reports whether the canonical origin o names host, the
// request's own host: a page the appliance served itself.
func sameHost(o, host string) bool {
	u, err := url.Parse(o)
	return err == nil && host != "" && u.Host == host
}
