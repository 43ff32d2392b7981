package webui

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// sectionChat is the configuration section the chat widgets page edits.
const sectionChat = "chat"

func widgetName(w config.ChatWidget) string { return w.Name }

// putWidget creates chat widget wd or replaces the widget of that name; the
// running chat server follows the configuration revision (chat
// WatchWidgets), so new visitors see the change within a second.
func (s *Server) putWidget(ctx context.Context, wd config.ChatWidget) (bool, error) {
	return putEntry(ctx, s, sectionChat, widgets, wd, widgetName)
}

func widgets(f *config.File) *[]config.ChatWidget { return &f.Chat }

// deleteWidget removes a chat widget: open chats keep going, new visitors
// are refused.
func (s *Server) deleteWidget(ctx context.Context, name string) error {
	return deleteEntry(ctx, s, sectionChat, widgets, name, widgetName)
}

// widgetView is a widget with what the company's website needs.
type widgetView struct {
	config.ChatWidget
	// Script is the tag to paste in the website's pages.
	Script string
	// StartURL is the appliance's own page for the widget.
	StartURL string
}

// widgetViews reads the widgets; base is the panel's scheme://host as the
// admin reaches it (the website loads the script from there).
func (s *Server) widgetViews(ctx context.Context, base string) ([]widgetView, error) {
	f, err := config.Export(ctx, s.st)
	if err != nil {
		return nil, err
	}
	out := make([]widgetView, 0, len(f.Chat))
	for _, wd := range f.Chat {
		out = append(out, widgetView{ChatWidget: wd,
			Script:   `<script src="` + template.HTMLEscapeString(base+"/chat/widget.js") + `" data-widget="` + template.HTMLEscapeString(wd.Name) + `" async></script>`,
			StartURL: base + "/chat/start/" + url.PathEscape(wd.Name)})
	}
	return out, nil
}

// baseURL is scheme://host of the request, as the admin reached the panel.
func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if s.cfg.TLS || r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) apiWidgets(w http.ResponseWriter, r *http.Request) {
	views, err := s.widgetViews(r.Context(), s.baseURL(r))
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(views))
	for _, v := range views {
		m, err := entryJSON(v.ChatWidget)
		if err != nil {
			s.apiServerError(w, r, err)
			return
		}
		m["script"], m["start_url"] = v.Script, v.StartURL
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiPutWidget(w http.ResponseWriter, r *http.Request) {
	var wd config.ChatWidget
	s.apiPutEntry(w, r, &wd, &wd.Name, func() (bool, error) { return s.putWidget(r.Context(), wd) })
}

func (s *Server) apiDeleteWidget(w http.ResponseWriter, r *http.Request) {
	s.apiDeleteEntry(w, r, s.deleteWidget)
}

// widgetsPage is what the widgets template shows.
type widgetsPage struct {
	Widgets []widgetView
	// Queues fill the form's queue choice.
	Queues []string
	Form   widgetForm
}

// widgetForm is a widget as the form shows it.
type widgetForm struct {
	Editing bool
	Widget  config.ChatWidget
	// Origins one a line.
	Origins string
}

// queueNames lists the configured queues, for a form's queue choice.
func (s *Server) queueNames(ctx context.Context) ([]string, error) {
	qs, _, err := config.LoadACD(ctx, s.st)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(qs))
	for _, q := range qs {
		out = append(out, q.Name)
	}
	return out, nil
}

func (s *Server) renderWidgets(w http.ResponseWriter, r *http.Request, status int, d pageData, form widgetForm) {
	views, err := s.widgetViews(r.Context(), s.baseURL(r))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	queues, err := s.queueNames(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	page := widgetsPage{Widgets: views, Queues: queues, Form: form}
	d.Nav, d.Title, d.Data = "widgets", "Chat widgets", page
	s.render(w, r, status, "widgets", d)
}

func (s *Server) widgetsPage(w http.ResponseWriter, r *http.Request) {
	var form widgetForm
	if name := r.URL.Query().Get("edit"); name != "" {
		views, err := s.widgetViews(r.Context(), "")
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if i := slices.IndexFunc(views, func(v widgetView) bool { return v.Name == name }); i >= 0 {
			form = widgetForm{Editing: true, Widget: views[i].ChatWidget, Origins: strings.Join(views[i].Origins, "\n")}
		}
	}
	s.renderWidgets(w, r, http.StatusOK, pageData{Notice: r.URL.Query().Get("notice")}, form)
}

func (s *Server) widgetSubmit(w http.ResponseWriter, r *http.Request) {
	p := &formParser{r: r}
	form := widgetForm{Widget: config.ChatWidget{Name: p.text("name"), Queue: p.text("queue"), Origins: strings.Fields(p.text("origins"))},
		Origins: r.PostFormValue("origins")}
	_, err := s.putWidget(r.Context(), form.Widget)
	s.afterSubmit(w, r, err, "widgets", "widget "+form.Widget.Name, func(status int, d pageData) { s.renderWidgets(w, r, status, d, form) })
}

func (s *Server) widgetDelete(w http.ResponseWriter, r *http.Request) {
	s.entryDelete(w, r, "widgets", func(r *http.Request) error { return s.deleteWidget(r.Context(), r.PathValue("name")) },
		func(status int, d pageData) { s.renderWidgets(w, r, status, d, widgetForm{}) })
}
