package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

const superviseYAML = `
extensions:
  - {number: "1001", password: caller-pass1}
  - {number: "2001", password: agent-pass1}
  - {number: "2009", password: agent-pass1}
agents:
  - {name: ann, extension: "2001"}
queues:
  - {name: support, members: [ann], wrap_up: 0s}
flows:
  - name: to-support
    number: "700"
    start: q
    nodes:
      q: {type: queue, queue: support}
`

// TestSupervisorListensToALiveCall bridges a queued caller to an agent,
// then a supervisor asks the panel's API to listen: the appliance rings
// the supervisor's desk phone and joins it to the call; a second request
// is refused while the first stands; when the caller hangs up, the agent
// and the supervisor are hung up too.
func TestSupervisorListensToALiveCall(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	importConfig(t, data, superviseYAML)
	srv := startServer(t, nil, binPath, data)
	web := regexp.MustCompile(`web=(http://[0-9.:]+)/`).FindStringSubmatch(srv.output())
	if web == nil {
		t.Fatalf("no web address in:\n%s", srv.output())
	}
	token := adminToken(t, data)
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	os.WriteFile(users, []byte("SEQUENTIAL\n1001;[authentication username=1001 password=caller-pass1]\n"), 0o644)

	phones := map[string]func() error{}
	for _, ext := range []string{"2001", "2009"} {
		port := freeUDPPort(t)
		phones[ext] = sippRun(t, dir, "uas_answer.xml", "-i", "127.0.0.1", "-p", fmt.Sprint(port),
			"-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1")
		if err := sippRegisterContact(t, srv.sipPort, ext, "agent-pass1", "127.0.0.1", freeUDPPort(t), port); err != nil {
			t.Fatalf("registering %s:\n%s", ext, srv.output())
		}
	}
	mustCLI(t, "--data", data, "agent", "login", "ann")
	caller := sippRun(t, dir, "uac_queue.xml", "-i", "127.0.0.1", "-p", fmt.Sprint(freeUDPPort(t)),
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1", "-d", "8000",
		fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "700", "-inf", users)

	supervise := func() (int, string) {
		req, _ := http.NewRequest("POST", web[1]+"/api/v1/agents/ann/supervise", strings.NewReader(`{"mode":"listen","extension":"2009"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	// The caller is bridged to ann within a few seconds; until then the
	// API says there is no call.
	deadline := time.Now().Add(6 * time.Second)
	code, body := supervise()
	for code == http.StatusNotFound && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		code, body = supervise()
	}
	if code != http.StatusAccepted {
		t.Fatalf("supervise: %d %s\nserver:\n%s", code, body, srv.output())
	}
	time.Sleep(time.Second)
	if code, body := supervise(); code != http.StatusConflict {
		t.Errorf("second supervisor: %d %s, want 409", code, body)
	}
	if err := caller(); err != nil {
		t.Fatalf("caller: %v\nserver:\n%s", err, srv.output())
	}
	for ext, wait := range phones {
		if err := wait(); err != nil {
			t.Fatalf("phone %s: %v\nserver:\n%s", ext, err, srv.output())
		}
	}
	if !strings.Contains(srv.output(), "supervisor joined a call") {
		t.Errorf("no log of the supervisor joining:\n%s", srv.output())
	}
}

// adminToken issues an API token for the panel's admin user straight in
// the store (what the panel's token page does).
func adminToken(t *testing.T, data string) string {
	t.Helper()
	st, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok, err := auth.New(st, auth.Config{}).CreateToken(context.Background(), "admin", "e2e")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
