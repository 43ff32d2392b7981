package chat

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestStartPage: the appliance's own page of a widget loads the widget
// script with the widget's name and the intent escaped; an unknown widget
// is 404; the page's own origin may open the visitor WebSocket, while an
// origin on another port of the same host may not.
func TestStartPage(t *testing.T) {
	r := newRig(t, nil)
	resp, err := http.Get(r.http.URL + "/chat/start/website?intent=" + `x"><script>`)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `<script src="../widget.js" data-widget="website" data-intent="x&#34;&gt;&lt;script&gt;" data-lang="en">`) {
		t.Fatalf("start page: %d\n%s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("start page CSP %q", csp)
	}
	resp, err = http.Get(r.http.URL + "/chat/start/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown widget's start page: %d, want 404", resp.StatusCode)
	}

	if _, _, err := r.dial("/chat/ws?widget=website", http.Header{"Origin": {r.http.URL}}); err != nil {
		t.Errorf("the appliance's own origin %s refused: %v", r.http.URL, err)
	}
	other := strings.TrimSuffix(r.http.URL, r.http.URL[strings.LastIndex(r.http.URL, ":"):]) + ":1"
	if _, resp, err := r.dial("/chat/ws?widget=website", http.Header{"Origin": {other}}); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("origin %s on another port accepted: %v", other, err)
	}
}
