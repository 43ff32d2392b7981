package webui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/media/prompts"
)

// sectionSettings is the `settings:` section: time zone, country,
// language and channel sizes. The SIP realm is shown, not edited here:
// extension passwords are hashed for it (config import changes it).
const sectionSettings = "settings"

// loadSettings reads the stored settings in their file form.
func (s *Server) loadSettings(ctx context.Context) (config.Settings, error) {
	f, err := config.Export(ctx, s.st)
	if err != nil {
		return config.Settings{}, fmt.Errorf("webui: export: %w", err)
	}
	if f.Settings == nil {
		return config.Settings{}, nil
	}
	return *f.Settings, nil
}

// putSettings replaces the settings section, keeping the realm in force.
func (s *Server) putSettings(ctx context.Context, in config.Settings) error {
	return s.editConfig(ctx, []string{sectionSettings}, func(f *config.File) (string, int, error) {
		if f.Settings != nil {
			in.Realm = f.Settings.Realm
		}
		f.Settings = &in
		return sectionSettings, -1, nil
	})
}

func (s *Server) apiSettings(w http.ResponseWriter, r *http.Request) {
	st, err := s.loadSettings(r.Context())
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	out, err := fileJSON(st)
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiPutSettings(w http.ResponseWriter, r *http.Request) {
	var in config.Settings
	s.apiPutSection(w, r, &in, func() error { return s.putSettings(r.Context(), in) })
}

// settingsPage is what the settings template shows.
type settingsPage struct {
	Settings  config.Settings
	Languages []string
	// Sizes are the channel sizes in force or typed, by channel.
	Sizes    map[string]string
	Channels []string
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, d pageData, st config.Settings, sizes map[string]string) {
	if sizes == nil {
		sizes = map[string]string{}
		for c, n := range st.ChannelSizes {
			sizes[c] = fmt.Sprint(n)
		}
	}
	d.Title, d.Nav = "Settings", sectionSettings
	d.Data = settingsPage{Settings: st, Languages: prompts.Languages(), Sizes: sizes, Channels: config.Channels}
	s.render(w, r, status, sectionSettings, d)
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	st, err := s.loadSettings(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderSettings(w, r, http.StatusOK, pageData{Notice: r.URL.Query().Get("notice")}, st, nil)
}

func (s *Server) settingsSubmit(w http.ResponseWriter, r *http.Request) {
	p := &formParser{r: r}
	in := config.Settings{Timezone: p.text("timezone"), Country: p.text("country"), Language: p.text("language")}
	sizes := map[string]string{}
	for _, c := range config.Channels {
		v := p.text("size_" + c)
		sizes[c] = v
		if n := p.int("size_" + c); n != 0 {
			if in.ChannelSizes == nil {
				in.ChannelSizes = map[string]int{}
			}
			in.ChannelSizes[c] = n
		}
	}
	var err error = p.errs
	if len(p.errs) == 0 {
		err = s.putSettings(r.Context(), in)
	}
	if fes := fieldErrors(err); fes != nil {
		if cur, lerr := s.loadSettings(r.Context()); lerr == nil {
			in.Realm = cur.Realm
		}
		s.renderSettings(w, r, http.StatusUnprocessableEntity, pageData{Error: "Nothing was saved: the change has errors.", Errors: fes}, in, sizes)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/settings?notice="+url.QueryEscape("Saved the settings"), http.StatusSeeOther)
}
