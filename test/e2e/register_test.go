package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// sippRegister registers ext with password against the server with sipp and
// returns sipp's exit error (nil: 200 OK after the 401 challenge).
func sippRegister(t *testing.T, sipPort int, ext, password string) error {
	t.Helper()
	return sippRegisterContact(t, sipPort, ext, password, "127.0.0.1", freeUDPPort(t), 0)
}

// sippRegisterContact registers ext from localIP, with a Contact at
// contactPort (0: the registering port), and returns sipp's exit error.
func sippRegisterContact(t *testing.T, sipPort int, ext, password, localIP string, localPort, contactPort int) error {
	t.Helper()
	if contactPort == 0 {
		contactPort = localPort
	}
	return peertest.Sipp(t, t.TempDir(), "testdata/register.xml", fmt.Sprintf("127.0.0.1:%d", sipPort),
		"-s", ext, "-au", ext, "-ap", password, "-i", localIP, "-p", fmt.Sprint(localPort),
		"-key", "contact_port", fmt.Sprint(contactPort), "-m", "1", "-timeout", "5")()
}

func TestServeRegistersAndStops(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	mustCLI(t, "--data", data, "extension", "add", "1001", "--password", "right-pass1")
	srv := startServer(t, nil, binPath, data)
	if err := sippRegister(t, srv.sipPort, "1001", "right-pass1"); err != nil {
		t.Fatalf("REGISTER with the right password failed:\n%s", srv.output())
	}
	if err := sippRegister(t, srv.sipPort, "1001", "wrong-pass1"); err == nil {
		t.Fatal("REGISTER with a wrong password succeeded")
	}
	// An extension added by the CLI while the server runs registers at once.
	mustCLI(t, "--data", data, "extension", "add", "1002", "--password", "added-live2")
	var err error
	for range 5 { // a running server notices configuration changes within a second
		if err = sippRegister(t, srv.sipPort, "1002", "added-live2"); err == nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("extension added while serving does not register:\n%s", srv.output())
	}
	srv.stop(t)
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("serve exited %d after SIGTERM:\n%s", code, srv.output())
	}
}
