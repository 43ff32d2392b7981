package webui

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// acdPage is what the agents and queues templates show.
type acdPage struct {
	Agents []agentView
	Queues []queueView
	// Extensions fill the agent form's phone choice.
	Extensions []store.Extension
	// Form is the entry being edited (the submitted one after an error).
	Form       acdForm
	Channels   []string
	Strategies []string
	// Music names the uploaded music a queue may hold callers with.
	Music []string
	Live  bool
}

// acdForm is an agent or queue as the form shows it.
type acdForm struct {
	Editing bool
	Agent   config.Agent
	Queue   config.Queue
	Skills  string
	// Durations and numbers as typed.
	RingTimeout, WrapUp, ServiceLevel, MaxWait string
	ServiceGoal, MaxLength, Capacity           string
}

func (s *Server) renderACD(w http.ResponseWriter, r *http.Request, status int, page string, d pageData, form acdForm) {
	agents, queues, err := s.acdViews(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	exts, err := s.st.Extensions(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	music, err := s.uploadedMusic(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Nav = page
	d.Title = map[string]string{sectionAgents: "Agents", sectionQueues: "Queues"}[page]
	d.Data = acdPage{Agents: agents, Queues: queues, Extensions: exts, Form: form, Channels: config.Channels,
		Strategies: config.Strategies, Music: music, Live: s.cfg.Live != nil}
	s.render(w, r, status, page, d)
}

func (s *Server) agentsPage(w http.ResponseWriter, r *http.Request) {
	form := acdForm{Capacity: "100"}
	if name := r.URL.Query().Get("edit"); name != "" {
		_, as, err := config.LoadACD(r.Context(), s.st)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if i := slices.IndexFunc(as, func(a config.Agent) bool { return a.Name == name }); i >= 0 {
			form = agentForm(as[i])
		}
	}
	s.renderACD(w, r, http.StatusOK, sectionAgents, pageData{Notice: r.URL.Query().Get("notice")}, form)
}

func agentForm(a config.Agent) acdForm {
	f := acdForm{Editing: true, Agent: a, Skills: skillsText(a.Skills), Capacity: strconv.Itoa(a.Capacity)}
	if a.Capacity == 0 {
		f.Capacity = ""
	}
	return f
}

func (s *Server) queuesPage(w http.ResponseWriter, r *http.Request) {
	form := acdForm{}
	if name := r.URL.Query().Get("edit"); name != "" {
		qs, _, err := config.LoadACD(r.Context(), s.st)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if i := slices.IndexFunc(qs, func(q config.Queue) bool { return q.Name == name }); i >= 0 {
			form = queueForm(qs[i])
		}
	}
	s.renderACD(w, r, http.StatusOK, sectionQueues, pageData{Notice: r.URL.Query().Get("notice")}, form)
}

func queueForm(q config.Queue) acdForm {
	f := acdForm{Editing: true, Queue: q, Skills: skillsText(q.Skills), RingTimeout: durationText(q.RingTimeout),
		ServiceLevel: durationText(q.ServiceLevel), MaxWait: durationText(q.MaxWait)}
	if q.WrapUp != nil {
		f.WrapUp = q.WrapUp.Std().String()
	}
	if q.ServiceGoal != 0 {
		f.ServiceGoal = strconv.Itoa(q.ServiceGoal)
	}
	if q.MaxLength != 0 {
		f.MaxLength = strconv.Itoa(q.MaxLength)
	}
	return f
}

func durationText(d config.Duration) string {
	if d == 0 {
		return ""
	}
	return d.Std().String()
}

// skillsText writes skills as "name:level" pairs.
func skillsText(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

// formParser reads typed form fields, collecting the errors by field.
type formParser struct {
	r    *http.Request
	errs config.ErrorList
}

func (p *formParser) fail(field, format string, args ...any) {
	p.errs = append(p.errs, &config.FieldError{Path: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *formParser) text(field string) string { return strings.TrimSpace(p.r.PostFormValue(field)) }

func (p *formParser) int(field string) int { return p.rowInt(field, p.text(field)) }

func (p *formParser) duration(field string) *config.Duration {
	v := p.text(field)
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.fail(field, "%q is not a duration (write e.g. 15s, 5m, 1h)", v)
		return nil
	}
	cd := config.Duration(d)
	return &cd
}

// skills reads "name:level" pairs separated by spaces or commas.
func (p *formParser) skills(field string) map[string]int {
	out := map[string]int{}
	for _, pair := range strings.FieldsFunc(p.text(field), func(r rune) bool { return r == ',' || r == ' ' }) {
		name, level, ok := strings.Cut(pair, ":")
		n, err := strconv.Atoi(level)
		if !ok || err != nil {
			p.fail(field, "write skills as name:level, got %q", pair)
			continue
		}
		out[name] = n
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (p *formParser) list(field string) []string {
	var out []string
	for _, v := range p.r.PostForm[field] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (s *Server) agentSubmit(w http.ResponseWriter, r *http.Request) {
	p := &formParser{r: r}
	name := p.text("name")
	a := config.Agent{Name: name}
	_, as, err := config.LoadACD(r.Context(), s.st)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if i := slices.IndexFunc(as, func(x config.Agent) bool { return x.Name == name }); i >= 0 {
		a = as[i] // keep what the form does not show
	}
	a.Extension, a.Capacity, a.Skills, a.Channels = p.text("extension"), p.int("capacity"), p.skills("skills"), p.list("channels")
	if len(a.Channels) == len(config.Channels) {
		a.Channels = nil // every channel, the default
	}
	err = p.errs
	if len(p.errs) == 0 {
		_, err = s.putAgent(r.Context(), a)
	}
	if fes := fieldErrors(err); fes != nil {
		form := agentForm(a)
		form.Editing, form.Capacity, form.Skills = false, r.PostFormValue("capacity"), r.PostFormValue("skills")
		s.renderACD(w, r, http.StatusUnprocessableEntity, sectionAgents, pageData{Error: "Nothing was saved: the agent has errors.", Errors: fes}, form)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/agents?notice="+url.QueryEscape("Saved agent "+a.Name), http.StatusSeeOther)
}

func (s *Server) queueSubmit(w http.ResponseWriter, r *http.Request) {
	p := &formParser{r: r}
	name := p.text("name")
	q := config.Queue{Name: name}
	qs, _, err := config.LoadACD(r.Context(), s.st)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if i := slices.IndexFunc(qs, func(x config.Queue) bool { return x.Name == name }); i >= 0 {
		q = qs[i] // keep what the form does not show (overflow, aging …)
	}
	q.Strategy, q.Members, q.Skills = p.text("strategy"), p.list("members"), p.skills("skills")
	q.Record = r.PostFormValue("record") != ""
	q.Music = p.text("music")
	q.WrapUp = p.duration("wrap_up")
	for field, dst := range map[string]*config.Duration{"ring_timeout": &q.RingTimeout, "service_level": &q.ServiceLevel, "max_wait": &q.MaxWait} {
		*dst = 0
		if d := p.duration(field); d != nil {
			*dst = *d
		}
	}
	q.ServiceGoal, q.MaxLength = p.int("service_goal"), p.int("max_length")
	for m := range q.Penalties {
		if !slices.Contains(q.Members, m) {
			delete(q.Penalties, m)
		}
	}
	err = p.errs
	if len(p.errs) == 0 {
		_, err = s.putQueue(r.Context(), q)
	}
	if fes := fieldErrors(err); fes != nil {
		form := acdForm{Queue: q, Skills: r.PostFormValue("skills"), RingTimeout: r.PostFormValue("ring_timeout"),
			WrapUp: r.PostFormValue("wrap_up"), ServiceLevel: r.PostFormValue("service_level"), MaxWait: r.PostFormValue("max_wait"),
			ServiceGoal: r.PostFormValue("service_goal"), MaxLength: r.PostFormValue("max_length")}
		s.renderACD(w, r, http.StatusUnprocessableEntity, sectionQueues, pageData{Error: "Nothing was saved: the queue has errors.", Errors: fes}, form)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/queues?notice="+url.QueryEscape("Saved queue "+q.Name), http.StatusSeeOther)
}

// entryDelete answers the delete button of a configuration entry; a
// refusal shows the page again through rerender.
func (s *Server) entryDelete(w http.ResponseWriter, r *http.Request, page string, del func(r *http.Request) error, rerender func(status int, d pageData)) {
	err := del(r)
	if fes := fieldErrors(err); fes != nil {
		rerender(http.StatusConflict, pageData{Error: "Nothing was deleted: the configuration still needs it.", Errors: fes})
		return
	}
	if err != nil && !errors.Is(err, errNoEntry) {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/"+page+"?notice="+url.QueryEscape("Deleted "+r.PathValue("name")), http.StatusSeeOther)
}

func (s *Server) agentDelete(w http.ResponseWriter, r *http.Request) {
	s.entryDelete(w, r, sectionAgents, func(r *http.Request) error { return s.deleteAgent(r.Context(), r.PathValue("name")) },
		func(status int, d pageData) { s.renderACD(w, r, status, sectionAgents, d, acdForm{}) })
}

func (s *Server) queueDelete(w http.ResponseWriter, r *http.Request) {
	s.entryDelete(w, r, sectionQueues, func(r *http.Request) error { return s.deleteQueue(r.Context(), r.PathValue("name")) },
		func(status int, d pageData) { s.renderACD(w, r, status, sectionQueues, d, acdForm{}) })
}
