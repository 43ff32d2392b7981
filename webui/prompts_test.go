package webui

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/media/prompts"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// uploadForm returns a multipart body with fields and a file, and its
// content type.
func uploadForm(t *testing.T, fields map[string]string, filename string, file []byte) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	mw.Close()
	return b.String(), mw.FormDataContentType()
}

const promptsYAML = `queues:
  - {name: support, music: jazz}
flows:
  - name: main
    start: welcome
    nodes:
      welcome: {type: menu, prompt: welcome, title: Hello, options: {"1": q}, invalid: closed}
      q: {type: queue, queue: support}
      closed: {type: play, prompt: holiday, next: bye}
      bye: {type: hangup}
`

func TestPromptRoutesRefuseAgentsAndMissingCSRF(t *testing.T) {
	f := newFixture(t, Config{})
	agent := f.login(t, "agent1", auth.RoleAgent)
	sup := f.login(t, "sup1", auth.RoleSupervisor)
	admin := f.login(t, "admin1", auth.RoleAdmin)
	form, ctype := uploadForm(t, map[string]string{"name": "hello", "lang": "en"}, "hello.wav", peertest.ToneWAV(44100, 2, 1000, 0.2))
	pageForm, pageType := uploadForm(t, map[string]string{"name": "hi", "lang": "fr", "csrf": admin.csrf}, "hi.wav", peertest.ToneWAV(44100, 2, 1000, 0.2))
	for _, rt := range []struct{ method, path, ctype, body string }{
		{"GET", "/admin/prompts", "", ""},
		{"GET", "/api/v1/prompts", "", ""},
		{"GET", "/api/v1/prompts/en/welcome.wav", "", ""},
		{"GET", "/api/v1/prompts/music/default.wav", "", ""},
		{"POST", "/api/v1/prompts", ctype, form},
		{"DELETE", "/api/v1/prompts/en/hello", "", ""},
		{"POST", "/admin/prompts", pageType, pageForm},
		{"POST", "/admin/prompts/fr/hi/delete", "application/x-www-form-urlencoded", ""},
	} {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			if w := f.do(t, session{}, rt.method, rt.path, rt.ctype, rt.body, false); w.Code != http.StatusUnauthorized && w.Code != http.StatusSeeOther {
				t.Errorf("anonymous: status %d", w.Code)
			}
			for _, s := range []session{agent, sup} {
				if w := f.do(t, s, rt.method, rt.path, rt.ctype, rt.body, true); w.Code != http.StatusForbidden {
					t.Errorf("non-admin with CSRF: status %d, want 403", w.Code)
				}
			}
			if rt.method != "GET" && !strings.Contains(rt.body, admin.csrf) {
				if w := f.do(t, admin, rt.method, rt.path, rt.ctype, rt.body, false); w.Code != http.StatusForbidden {
					t.Errorf("admin without CSRF: status %d, want 403", w.Code)
				}
			}
			if w := f.do(t, admin, rt.method, rt.path, rt.ctype, rt.body, true); w.Code >= 400 {
				t.Errorf("admin: status %d: %s", w.Code, w.Body)
			}
		})
	}
}

// TestPromptUploadPlayAndRemove uploads prompts and music through the API
// and the page, plays them back as WAV, and shows that imports and
// removals check what flows and queues name.
func TestPromptUploadPlayAndRemove(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.login(t, "admin1", auth.RoleAdmin)

	w := f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", promptsYAML, true)
	if w.Code != http.StatusUnprocessableEntity || !hasPath(decodeErrors(t, w.Body.Bytes()), "flows[0].nodes.closed.prompt") ||
		!hasPath(decodeErrors(t, w.Body.Bytes()), "queues[0].music") {
		t.Fatalf("import naming an unknown prompt and music: %d %s", w.Code, w.Body)
	}

	for _, tc := range []struct {
		name     string
		fields   map[string]string
		filename string
		file     []byte
		status   int
		says     string
	}{
		{"not a WAV", map[string]string{"name": "holiday", "lang": "en"}, "holiday.mp3", []byte("ID3\x03 an mp3"), 400, "holiday.mp3: prompts: unreadable WAV file: not a RIFF WAVE file"},
		{"truncated WAV", map[string]string{"lang": "en"}, "cut.wav", peertest.ToneWAV(44100, 2, 1000, 0.1)[:40], 400, "cut.wav: prompts: unreadable WAV file"},
		{"no file", map[string]string{"name": "holiday", "lang": "en"}, "", nil, 400, "a WAV file is needed"},
		{"bad name", map[string]string{"name": "Holiday!", "lang": "en"}, "h.wav", peertest.ToneWAV(44100, 2, 1000, 0.1), 400, "prompts: bad name"},
		{"bad language", map[string]string{"name": "holiday", "lang": "de"}, "h.wav", peertest.ToneWAV(44100, 2, 1000, 0.1), 400, "prompts: unknown language"},
		{"prompt larger than the form limit", map[string]string{"lang": "en"}, "Holiday.wav", peertest.ToneWAV(44100, 2, 1000, 8), 201, `"name":"holiday"`},
		{"music", map[string]string{"name": "jazz", "kind": "music"}, "jazz.wav", peertest.ToneWAV(44100, 2, 1000, 0.5), 201, `"url":"/api/v1/prompts/music/jazz.wav"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ctype := uploadForm(t, tc.fields, tc.filename, tc.file)
			w := f.do(t, admin, "POST", "/api/v1/prompts", ctype, body, true)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.says) {
				t.Fatalf("status %d, want %d saying %q: %s", w.Code, tc.status, tc.says, w.Body)
			}
		})
	}

	if w := f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", promptsYAML, true); w.Code != http.StatusNoContent {
		t.Fatalf("import after the uploads: %d %s", w.Code, w.Body)
	}
	w = f.do(t, admin, "PUT", "/api/v1/queues/support", "application/json", `{"members":[],"music":"rock"}`, true)
	if w.Code != http.StatusUnprocessableEntity || !hasPath(decodeErrors(t, w.Body.Bytes()), "music") {
		t.Errorf("queue with unknown music: %d %s", w.Code, w.Body)
	}
	if w := f.do(t, admin, "PUT", "/api/v1/queues/sales", "application/json", `{"music":"jazz"}`, true); w.Code != http.StatusCreated {
		t.Errorf("queue with uploaded music: %d %s", w.Code, w.Body)
	}
	w = f.do(t, admin, "POST", "/admin/queues", "application/x-www-form-urlencoded", "name=sales&music=rock", true)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `no music named &#34;rock&#34;`) {
		t.Errorf("queue form with unknown music: %d", w.Code)
	}
	if page := f.do(t, admin, "GET", "/admin/queues?edit=sales", "", "", false).Body.String(); !strings.Contains(page, `<option selected>jazz</option>`) {
		t.Error("the queue form does not offer the uploaded music, chosen")
	}
	w = f.do(t, admin, "GET", "/api/v1/prompts", "", "", false)
	var list []promptView
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	var holiday *promptView
	for i := range list {
		if list[i].Kind == prompts.KindPrompt && list[i].Lang == "en" && list[i].Name == "holiday" {
			holiday = &list[i]
		}
	}
	if holiday == nil || !holiday.Uploaded || holiday.BuiltIn || holiday.Size != 64000 {
		t.Fatalf("holiday listed as %+v", holiday)
	}
	w = f.do(t, admin, "GET", holiday.URL, "", "", false)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "audio/wav" {
		t.Fatalf("GET %s: %d %s", holiday.URL, w.Code, w.Header().Get("Content-Type"))
	}
	served, err := prompts.ConvertWAV(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := prompts.NewLibrary(f.st).Get(t.Context(), "en", "holiday")
	if err != nil || !bytes.Equal(served, stored) {
		t.Fatalf("served audio differs from the stored upload (%d vs %d bytes, %v)", len(served), len(stored), err)
	}
	if w := f.do(t, admin, "GET", "/api/v1/prompts/en/nothing.wav", "", "", false); w.Code != http.StatusNotFound {
		t.Errorf("unknown prompt: %d", w.Code)
	}

	page := f.do(t, admin, "GET", "/admin/prompts", "", "", false).Body.String()
	for _, want := range []string{`<audio controls preload="none" src="/api/v1/prompts/en/holiday.wav">`, `src="/api/v1/prompts/fr/une.wav"`,
		`src="/api/v1/prompts/music/default.wav"`, `action="/admin/prompts/music/jazz/delete"`, `enctype="multipart/form-data"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}

	for _, tc := range []struct {
		path   string
		status int
		says   string
	}{
		{"/api/v1/prompts/en/holiday", 409, "prompt en/holiday is used by flow main node closed"},
		{"/api/v1/prompts/music/jazz", 409, "music jazz is used by queue sales, queue support"},
		{"/api/v1/prompts/en/welcome", 404, "not found"},
	} {
		if w := f.do(t, admin, "DELETE", tc.path, "", "", true); w.Code != tc.status || !strings.Contains(w.Body.String(), tc.says) {
			t.Errorf("DELETE %s: %d %s, want %d saying %q", tc.path, w.Code, w.Body, tc.status, tc.says)
		}
	}
	if w := f.do(t, admin, "POST", "/admin/prompts/en/holiday/delete", "application/x-www-form-urlencoded", "", true); w.Code != http.StatusConflict ||
		!strings.Contains(w.Body.String(), "used by flow main node closed") {
		t.Errorf("page removal of a used prompt: %d", w.Code)
	}
	body, ctype := uploadForm(t, map[string]string{"lang": "en", "csrf": admin.csrf}, "broken.wav", []byte("RIFF"))
	if w := f.do(t, admin, "POST", "/admin/prompts", ctype, body, false); w.Code != http.StatusBadRequest ||
		!strings.Contains(w.Body.String(), "broken.wav: prompts: unreadable WAV file") {
		t.Errorf("page upload of a bad file: %d", w.Code)
	}
}
