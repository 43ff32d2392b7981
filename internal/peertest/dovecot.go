package peertest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Dovecot is a real Dovecot IMAP server started by a test (REAL-PEERS.md
// §5): user support, password secret, Maildir delivery, plain IMAP on
// 127.0.0.1 only.
type Dovecot struct {
	// Addr is the IMAP listener, 127.0.0.1:port.
	Addr string
	// Maildir is the support user's Maildir.
	Maildir string
	seq     atomic.Int64
}

// StartDovecot starts Dovecot on a free loopback port with a Maildir under
// a temp dir, waits until it listens, and stops it (by PID) at cleanup. It
// needs root (Dovecot drops privileges to its own users).
func StartDovecot(tb testing.TB) *Dovecot {
	tb.Helper()
	bin := Binary(tb, "dovecot")
	Root(tb)
	dir := tb.TempDir()
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	maildir := filepath.Join(dir, "mail", "support", "Maildir")
	for _, d := range []string{filepath.Join(dir, "run"), filepath.Join(dir, "state"), filepath.Join(maildir, "new"), filepath.Join(maildir, "cur"), filepath.Join(maildir, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	u, err := user.Lookup("dovecot")
	if err != nil {
		Missing(tb, "no dovecot user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := filepath.Walk(filepath.Join(dir, "mail"), func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	}); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users"), []byte("support:{PLAIN}secret\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	port := FreePorts(tb, 1)
	conf := fmt.Sprintf(`protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:%[1]s/mail/%%u/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/users
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=%[1]s/mail/%%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    port = 0
  }
}
`, dir, port)
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-F", "-c", confPath)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			tb.Fatalf("dovecot not listening on %s: %v\n%s", addr, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &Dovecot{Addr: addr, Maildir: maildir}
}

// URL is the mailbox URL of the support user.
func (d *Dovecot) URL() string { return "imap://support:secret@" + d.Addr }

// Deliver drops raw into the Maildir the way an MTA does (tmp, then an
// atomic rename into new).
func (d *Dovecot) Deliver(tb testing.TB, raw []byte) {
	tb.Helper()
	name := fmt.Sprintf("%d.M%dP%d.switchboard-test", time.Now().Unix(), d.seq.Add(1), os.Getpid())
	tmp := filepath.Join(d.Maildir, "tmp", name)
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(d.Maildir, "new", name)); err != nil {
		tb.Fatal(err)
	}
}

// Unseen counts the delivered messages Dovecot does not hold as \Seen
// (Maildir flag S).
func (d *Dovecot) Unseen(tb testing.TB) int {
	tb.Helper()
	n := 0
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(d.Maildir, sub))
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range entries {
			_, info, _ := strings.Cut(e.Name(), ":2,")
			if !strings.Contains(info, "S") {
				n++
			}
		}
	}
	return n
}
