package webui

import (
	"net/http"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// funnelRow is one (node, face, step, choice) count of a flow's funnel.
type funnelRow struct {
	Node   string `json:"node"`
	Face   string `json:"face"`
	Step   string `json:"step"`
	Choice string `json:"choice,omitempty"`
	Count  int    `json:"count"`
	// Width is the bar's share of the flow's largest count, 0 to 100.
	Width int `json:"-"`
}

// flowFunnel is the funnel of one flow.
type flowFunnel struct {
	Flow string      `json:"flow"`
	Rows []funnelRow `json:"rows"`
}

// funnels reads the funnel of every configured flow.
func (s *Server) funnels(r *http.Request) ([]flowFunnel, error) {
	flows, err := config.ExportFlows(r.Context(), s.st)
	if err != nil {
		return nil, err
	}
	out := make([]flowFunnel, 0, len(flows))
	for _, f := range flows {
		counts, err := s.st.FunnelCounts(r.Context(), f.Name)
		if err != nil {
			return nil, err
		}
		ff := flowFunnel{Flow: f.Name, Rows: []funnelRow{}}
		most := 0
		for _, c := range counts {
			most = max(most, c.Count)
		}
		for _, c := range counts {
			ff.Rows = append(ff.Rows, funnelRow{Node: c.Node, Face: c.Face, Step: c.Step, Choice: c.Choice, Count: c.Count, Width: c.Count * 100 / max(most, 1)})
		}
		out = append(out, ff)
	}
	return out, nil
}

func (s *Server) funnelPage(w http.ResponseWriter, r *http.Request) {
	fs, err := s.funnels(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "funnel", pageData{Title: "IVR funnel", Nav: "funnel", Data: fs})
}

func (s *Server) apiFunnel(w http.ResponseWriter, r *http.Request) {
	fs, err := s.funnels(r)
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, fs)
}
