package webui

import (
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/media/prompts"
)

// musicLang stands for the language in the prompt URLs of music, which has
// none (no language is called that).
const musicLang = "music"

// errBadUpload means an upload form lacks its file or cannot be read.
var errBadUpload = errors.New("webui: bad upload")

// maxUploadBody bounds the body of a prompt upload: the WAV file
// (prompts.MaxUpload) and the form around it.
const maxUploadBody = prompts.MaxUpload + 1<<20

// bodyLimits bounds every request body to maxBody, except prompt uploads,
// which may carry a WAV file of up to prompts.MaxUpload; a body announced
// larger is refused at once with 413. The temporary files of an upload
// parsed for its CSRF token are removed after.
func bodyLimits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(maxBody)
		if isUpload(r) {
			limit = maxUploadBody
		}
		if r.ContentLength > limit {
			tooLarge(w, r, limit)
			return
		}
		r2 := *r
		r2.Body = http.MaxBytesReader(w, r.Body, limit)
		defer removeUploads(&r2)
		next.ServeHTTP(w, &r2)
	})
}

// tooLarge answers a body over limit bytes: JSON for the API, text
// otherwise.
func tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	msg := fmt.Sprintf("request body over %d bytes", limit)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeError(w, http.StatusRequestEntityTooLarge, msg)
		return
	}
	http.Error(w, msg, http.StatusRequestEntityTooLarge)
}

// isUpload reports whether r is a prompt upload.
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == "/api/v1/prompts" || r.URL.Path == "/admin/prompts")
}

// removeUploads removes the temporary files of r's parsed multipart form.
func removeUploads(r *http.Request) {
	if r.MultipartForm != nil {
		r.MultipartForm.RemoveAll()
	}
}

// library resolves prompts over the store; it is cheap to make, and what
// it caches is only worth keeping for the players.
func (s *Server) library() *prompts.Library { return prompts.NewLibrary(s.st) }

// parseKnownConfig parses a YAML file as an import does, checking flows'
// prompts and queues' music against the built-ins and uploads, and giving
// each config.Placeholder the stored secret of its object (exportConfig
// shows them so).
func (s *Server) parseKnownConfig(ctx context.Context, data []byte) (*config.File, []fieldError) {
	known, err := s.library().Known(ctx)
	if err != nil {
		return nil, []fieldError{{Path: "(prompts)", Msg: err.Error()}}
	}
	if known.Stored, err = config.Export(ctx, s.st); err != nil {
		return nil, []fieldError{{Path: "(stored)", Msg: err.Error()}}
	}
	return parseConfig(data, known)
}

// uploadedMusic returns the names of the uploaded music, sorted.
func (s *Server) uploadedMusic(ctx context.Context) ([]string, error) {
	entries, err := s.library().List(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.Kind == prompts.KindMusic && e.Uploaded && e.Name != prompts.DefaultMusic {
			out = append(out, e.Name)
		}
	}
	return out, nil
}

// promptView is a prompt or music as the panel lists it, with the URL
// that plays it.
type promptView struct {
	prompts.Entry
	URL string `json:"url"`
}

func newPromptView(e prompts.Entry) promptView {
	lang := e.Lang
	if e.Kind == prompts.KindMusic {
		lang = musicLang
	}
	return promptView{Entry: e, URL: "/api/v1/prompts/" + url.PathEscape(lang) + "/" + url.PathEscape(e.Name) + ".wav"}
}

// DeleteURL is where the page's form removes the upload.
func (v promptView) DeleteURL() string {
	return "/admin/prompts/" + strings.TrimSuffix(strings.TrimPrefix(v.URL, "/api/v1/prompts/"), ".wav") + "/delete"
}

// promptsData is what the prompts page shows: music, then the prompts of
// each language.
type promptsData struct {
	Languages []string
	Sections  []promptSection
	MaxMB     int
}

type promptSection struct {
	ID, Title string
	Rows      []promptView
}

// promptViews lists every prompt and music with its URL.
func (s *Server) promptViews(ctx context.Context) ([]promptView, error) {
	entries, err := s.library().List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]promptView, 0, len(entries))
	for _, e := range entries {
		out = append(out, newPromptView(e))
	}
	return out, nil
}

func (s *Server) promptsPage(w http.ResponseWriter, r *http.Request) {
	s.renderPrompts(w, r, http.StatusOK, pageData{Notice: r.URL.Query().Get("notice")})
}

func (s *Server) renderPrompts(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	views, err := s.promptViews(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data := promptsData{Languages: prompts.Languages(), MaxMB: prompts.MaxUpload >> 20,
		Sections: []promptSection{{ID: musicLang, Title: "Music on hold"}}}
	for _, lang := range data.Languages {
		data.Sections = append(data.Sections, promptSection{ID: lang, Title: "Prompts (" + lang + ")"})
	}
	for _, v := range views {
		for i := range data.Sections {
			if id := data.Sections[i].ID; id == v.Lang || (id == musicLang && v.Kind == prompts.KindMusic) {
				data.Sections[i].Rows = append(data.Sections[i].Rows, v)
			}
		}
	}
	d.Title, d.Nav, d.Data = "Prompts and music", "prompts", data
	s.render(w, r, status, "prompts", d)
}

// promptUpload is a multipart upload: name, lang, kind (prompt or music)
// and file.
type promptUpload struct {
	kind, lang, name string
	file             multipart.File
	filename         string
}

// readUpload reads the upload's fields from r's multipart form; call
// removeUploads(r) after.
func readUpload(r *http.Request) (promptUpload, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return promptUpload{}, err
		}
		return promptUpload{}, fmt.Errorf("%w: %v", errBadUpload, err)
	}
	u := promptUpload{kind: r.FormValue("kind"), lang: r.FormValue("lang"), name: strings.TrimSpace(r.FormValue("name"))}
	if u.kind == "" {
		u.kind = prompts.KindPrompt
	}
	f, h, err := r.FormFile("file")
	if err != nil {
		return promptUpload{}, fmt.Errorf("%w: a WAV file is needed in the file field: %v", errBadUpload, err)
	}
	u.file, u.filename = f, h.Filename
	if u.name == "" {
		u.name = strings.TrimSuffix(strings.ToLower(h.Filename), ".wav")
	}
	return u, nil
}

// addPrompt stores an upload; the error names the file.
func (s *Server) addPrompt(ctx context.Context, u promptUpload) (prompts.Entry, error) {
	defer u.file.Close()
	e, err := s.library().Add(ctx, u.kind, u.lang, u.name, u.file)
	if err != nil {
		return e, fmt.Errorf("%s: %w", u.filename, err)
	}
	return e, nil
}

// uploadStatus is the HTTP status of an upload error: the file or the
// fields are at fault, or the server is.
func uploadStatus(err error) int {
	for _, bad := range []error{errBadUpload, prompts.ErrBadWAV, prompts.ErrBadName, prompts.ErrBadLanguage, prompts.ErrBadKind} {
		if errors.Is(err, bad) {
			return http.StatusBadRequest
		}
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

func (s *Server) promptSubmit(w http.ResponseWriter, r *http.Request) {
	defer removeUploads(r)
	u, err := readUpload(r)
	var e prompts.Entry
	if err == nil {
		e, err = s.addPrompt(r.Context(), u)
	}
	if status := 0; err != nil {
		if status = uploadStatus(err); status == http.StatusInternalServerError {
			s.serverError(w, r, err)
			return
		}
		s.renderPrompts(w, r, status, pageData{Error: err.Error()})
		return
	}
	http.Redirect(w, r, "/admin/prompts?notice="+url.QueryEscape("Uploaded "+e.Kind+" "+e.Name), http.StatusSeeOther)
}

// promptKey reads {lang} and {name} (or {file}, NAME.wav) from the path;
// the language "music" means music.
func promptKey(r *http.Request) (kind, lang, name string) {
	kind, lang, name = prompts.KindPrompt, r.PathValue("lang"), r.PathValue("name")
	if f := r.PathValue("file"); f != "" {
		name = strings.TrimSuffix(f, ".wav")
	}
	if lang == musicLang {
		kind, lang = prompts.KindMusic, ""
	}
	return kind, lang, name
}

// removeStatus is the HTTP status of a removal error.
func removeStatus(err error) int {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, prompts.ErrInUse):
		return http.StatusConflict
	case errors.Is(err, prompts.ErrBadName), errors.Is(err, prompts.ErrBadLanguage):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

func (s *Server) promptDelete(w http.ResponseWriter, r *http.Request) {
	kind, lang, name := promptKey(r)
	if err := s.library().Remove(r.Context(), kind, lang, name); err != nil {
		if status := removeStatus(err); status != http.StatusInternalServerError {
			s.renderPrompts(w, r, status, pageData{Error: err.Error()})
			return
		}
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/prompts?notice="+url.QueryEscape("Removed "+kind+" "+name), http.StatusSeeOther)
}

func (s *Server) apiPrompts(w http.ResponseWriter, r *http.Request) {
	views, err := s.promptViews(r.Context())
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, views)
}

func (s *Server) apiAddPrompt(w http.ResponseWriter, r *http.Request) {
	defer removeUploads(r)
	u, err := readUpload(r)
	var e prompts.Entry
	if err == nil {
		e, err = s.addPrompt(r.Context(), u)
	}
	if err != nil {
		status := uploadStatus(err)
		if status == http.StatusInternalServerError {
			s.apiServerError(w, r, err)
			return
		}
		writeError(w, status, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, newPromptView(e))
}

// apiPromptAudio serves the audio that plays for a prompt or music as a
// µ-law WAV file, which browsers' audio elements play.
func (s *Server) apiPromptAudio(w http.ResponseWriter, r *http.Request) {
	kind, lang, name := promptKey(r)
	if !strings.HasSuffix(r.PathValue("file"), ".wav") {
		writeError(w, http.StatusNotFound, "prompts are served as NAME.wav")
		return
	}
	audio, err := s.library().Find(r.Context(), kind, lang, name)
	if errors.Is(err, prompts.ErrNoPrompt) {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(prompts.WAV(audio))
}

func (s *Server) apiDeletePrompt(w http.ResponseWriter, r *http.Request) {
	kind, lang, name := promptKey(r)
	if err := s.library().Remove(r.Context(), kind, lang, name); err != nil {
		status := removeStatus(err)
		if status == http.StatusInternalServerError {
			s.apiServerError(w, r, err)
			return
		}
		writeError(w, status, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
