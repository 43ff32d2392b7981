package webui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// errNoEntry is returned when an agent or queue to delete does not exist.
var errNoEntry = errors.New("webui: no such entry")

// The configuration sections the panel's pages edit one by one.
const (
	sectionAgents      = "agents"
	sectionQueues      = "queues"
	sectionTrunks      = "trunks"
	sectionRoutes      = "routes"
	sectionPermissions = "permissions"
)

// editACD changes the stored agents and queues with change (see
// editConfig); the running distributor picks them up at its next
// configuration poll.
func (s *Server) editACD(ctx context.Context, change func(f *config.File) (section string, index int, err error)) error {
	return s.editConfig(ctx, []string{sectionAgents, sectionQueues}, change)
}

// editConfig changes the stored sections with change, which edits the
// exported configuration and returns the section and index of the entry
// it changed (-1 for none). The whole configuration is validated with the
// change, exactly as `config import` would, and the sections are applied in
// one transaction, as an import of them would. Problems come back as a
// config.ErrorList; those of the changed entry are named by their field
// alone.
func (s *Server) editConfig(ctx context.Context, sections []string, change func(f *config.File) (section string, index int, err error)) error {
	s.acdEdit.Lock()
	defer s.acdEdit.Unlock()
	f, err := config.Export(ctx, s.st)
	if err != nil {
		return fmt.Errorf("webui: export: %w", err)
	}
	section, index, err := change(f)
	if err != nil {
		return err
	}
	full, err := f.Marshal()
	if err != nil {
		return fmt.Errorf("webui: export: %w", err)
	}
	known, err := s.library().Known(ctx)
	if err != nil {
		return err
	}
	if _, err := config.ParseWith(full, known); err != nil {
		return relativeErrors(err, section, index)
	}
	part, err := sectionsYAML(full, sections)
	if err != nil {
		return fmt.Errorf("webui: encode: %w", err)
	}
	pf, err := config.Parse(part)
	if err != nil {
		return relativeErrors(err, section, index)
	}
	return config.Apply(ctx, s.st, pf)
}

// sectionsYAML keeps the named top-level sections of a whole file, an
// absent one written empty so that applying the result empties it.
func sectionsYAML(full []byte, sections []string) ([]byte, error) {
	var all map[string]any
	if err := yaml.Unmarshal(full, &all); err != nil {
		return nil, err
	}
	part := make(map[string]any, len(sections))
	for _, name := range sections {
		v, ok := all[name]
		switch {
		case ok:
			part[name] = v
		case name == sectionRoutes:
			part[name] = map[string]any{}
		default:
			part[name] = []any{}
		}
	}
	return yaml.Marshal(part)
}

// relativeErrors drops the lines (of a generated document, they mean
// nothing to the user) and names the changed entry's fields without its
// section and index.
func relativeErrors(err error, section string, index int) error {
	var list config.ErrorList
	if !errors.As(err, &list) {
		return err
	}
	entry := fmt.Sprintf("%s[%d]", section, index)
	out := make(config.ErrorList, 0, len(list))
	for _, fe := range list {
		path := fe.Path
		if index >= 0 {
			if rest, ok := strings.CutPrefix(path, entry+"."); ok {
				path = rest
			} else if path == entry {
				path = "(entry)"
			}
		}
		out = append(out, &config.FieldError{Path: path, Msg: fe.Msg})
	}
	return out
}

// upsert replaces the entry of *xs named like x, or appends x; it returns
// x's index and whether it was appended.
func upsert[T any](xs *[]T, x T, name func(T) string) (int, bool) {
	i := slices.IndexFunc(*xs, func(y T) bool { return name(y) == name(x) })
	if i < 0 {
		*xs = append(*xs, x)
		return len(*xs) - 1, true
	}
	(*xs)[i] = x
	return i, false
}

// remove deletes the entry of *xs named n, or returns errNoEntry.
func remove[T any](xs *[]T, n string, name func(T) string) error {
	i := slices.IndexFunc(*xs, func(y T) bool { return name(y) == n })
	if i < 0 {
		return errNoEntry
	}
	*xs = slices.Delete(*xs, i, i+1)
	return nil
}

func agentName(a config.Agent) string { return a.Name }
func queueName(q config.Queue) string { return q.Name }

// putAgent creates agent a or replaces the agent of that name.
func (s *Server) putAgent(ctx context.Context, a config.Agent) (created bool, err error) {
	err = s.editACD(ctx, func(f *config.File) (string, int, error) {
		i, added := upsert(&f.Agents, a, agentName)
		created = added
		return sectionAgents, i, nil
	})
	return created, err
}

// deleteAgent removes an agent, and their membership of every queue.
func (s *Server) deleteAgent(ctx context.Context, name string) error {
	return s.editACD(ctx, func(f *config.File) (string, int, error) {
		if err := remove(&f.Agents, name, agentName); err != nil {
			return "", 0, err
		}
		for j := range f.Queues {
			q := &f.Queues[j]
			q.Members = slices.DeleteFunc(q.Members, func(m string) bool { return m == name })
			delete(q.Penalties, name)
		}
		return sectionAgents, -1, nil
	})
}

// putQueue creates queue q or replaces the queue of that name.
func (s *Server) putQueue(ctx context.Context, q config.Queue) (created bool, err error) {
	err = s.editACD(ctx, func(f *config.File) (string, int, error) {
		i, added := upsert(&f.Queues, q, queueName)
		created = added
		return sectionQueues, i, nil
	})
	return created, err
}

// deleteQueue removes a queue; flows, widgets, mailboxes or other queues
// still sending items to it are named in the errors.
func (s *Server) deleteQueue(ctx context.Context, name string) error {
	return s.editACD(ctx, func(f *config.File) (string, int, error) {
		return sectionQueues, -1, remove(&f.Queues, name, queueName)
	})
}

// decodeEntry reads one agents: or queues: entry from a JSON (or YAML)
// body, durations written as in the file ("15s"), refusing unknown fields
// and trailing data; the error names the field at fault (see decodeYAML).
func decodeEntry(r io.Reader, v any) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return decodeYAML(body, v)
}

// entryJSON renders an agents: or queues: entry as the file writes it
// (durations as text), for JSON.
func entryJSON(v any) (map[string]any, error) {
	b, err := yaml.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// agentView is an agent's configuration with its live state.
type agentView struct {
	config.Agent
	Live *AgentState
	// Queues are the queues the agent is a member of.
	Queues []string
}

// queueView is a queue's configuration with its live figures.
type queueView struct {
	config.Queue
	Live *QueueStats
}

// acdViews reads agents and queues with the distributor's live state.
func (s *Server) acdViews(ctx context.Context) ([]agentView, []queueView, error) {
	qs, as, err := config.LoadACD(ctx, s.st)
	if err != nil {
		return nil, nil, err
	}
	var snap Snapshot
	if s.cfg.Live != nil {
		if snap, err = s.cfg.Live.Snapshot(ctx); err != nil {
			return nil, nil, err
		}
	}
	agents := make([]agentView, 0, len(as))
	for _, a := range as {
		v := agentView{Agent: a}
		for i := range snap.Agents {
			if snap.Agents[i].Name == a.Name {
				v.Live = &snap.Agents[i]
			}
		}
		for _, q := range qs {
			if slices.Contains(q.Members, a.Name) {
				v.Queues = append(v.Queues, q.Name)
			}
		}
		agents = append(agents, v)
	}
	queues := make([]queueView, 0, len(qs))
	for _, q := range qs {
		v := queueView{Queue: q}
		for i := range snap.Queues {
			if snap.Queues[i].Name == q.Name {
				v.Live = &snap.Queues[i]
			}
		}
		queues = append(queues, v)
	}
	return agents, queues, nil
}

func (s *Server) apiAgents(w http.ResponseWriter, r *http.Request) {
	agents, _, err := s.acdViews(r.Context())
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(agents))
	for _, a := range agents {
		m, err := entryJSON(a.Agent)
		if err != nil {
			s.apiServerError(w, r, err)
			return
		}
		if a.Live != nil {
			m["live"] = a.Live
		}
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiQueues(w http.ResponseWriter, r *http.Request) {
	_, queues, err := s.acdViews(r.Context())
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(queues))
	for _, q := range queues {
		m, err := entryJSON(q.Queue)
		if err != nil {
			s.apiServerError(w, r, err)
			return
		}
		if q.Live != nil {
			m["live"] = q.Live
		}
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, out)
}

// apiPutEntry answers a PUT of one agent or queue.
func (s *Server) apiPutEntry(w http.ResponseWriter, r *http.Request, entry any, name *string, put func() (bool, error)) {
	if !decodeBody(w, r, entry) {
		return
	}
	switch *name {
	case "":
		*name = r.PathValue("name")
	case r.PathValue("name"):
	default:
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: "invalid entry",
			Errors: []fieldError{{Path: "name", Msg: fmt.Sprintf("%q differs from the name in the path", *name)}}})
		return
	}
	created, err := put()
	if s.putRefused(w, r, err) {
		return
	}
	out, err := entryJSON(entry)
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, out)
}

// decodeBody reads an entry or a whole section from a PUT's body (see
// decodeEntry); a bad body is answered 400 and false returned.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := decodeEntry(r.Body, v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", tooBig.Limit))
			return false
		}
		fe := fieldError{Path: "(body)", Msg: err.Error()}
		var be *bodyError
		if errors.As(err, &be) && be.path != "" {
			fe = fieldError{Path: be.path, Msg: be.err.Error()}
		}
		writeJSON(w, http.StatusBadRequest, apiError{Error: "bad body", Errors: []fieldError{fe}})
		return false
	}
	return true
}

// putRefused answers a change that was refused (422, the fields named)
// or failed (500), and reports whether it answered.
func (s *Server) putRefused(w http.ResponseWriter, r *http.Request, err error) bool {
	if fes := fieldErrors(err); fes != nil {
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: "nothing was applied: the change has errors", Errors: fes})
		return true
	}
	if err != nil {
		s.apiServerError(w, r, err)
		return true
	}
	return false
}

func (s *Server) apiPutAgent(w http.ResponseWriter, r *http.Request) {
	var a config.Agent
	s.apiPutEntry(w, r, &a, &a.Name, func() (bool, error) { return s.putAgent(r.Context(), a) })
}

func (s *Server) apiPutQueue(w http.ResponseWriter, r *http.Request) {
	var q config.Queue
	s.apiPutEntry(w, r, &q, &q.Name, func() (bool, error) { return s.putQueue(r.Context(), q) })
}

// apiDeleteEntry answers a DELETE of one agent or queue.
func (s *Server) apiDeleteEntry(w http.ResponseWriter, r *http.Request, del func(context.Context, string) error) {
	err := del(r.Context(), r.PathValue("name"))
	if errors.Is(err, errNoEntry) {
		writeError(w, http.StatusNotFound, "no such entry")
		return
	}
	if fes := fieldErrors(err); fes != nil {
		writeJSON(w, http.StatusConflict, apiError{Error: "nothing was deleted: the configuration still needs it", Errors: fes})
		return
	}
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiDeleteAgent(w http.ResponseWriter, r *http.Request) {
	s.apiDeleteEntry(w, r, s.deleteAgent)
}

func (s *Server) apiDeleteQueue(w http.ResponseWriter, r *http.Request) {
	s.apiDeleteEntry(w, r, s.deleteQueue)
}
