package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestImplicitTLS connects over imaps:// to a server whose certificate is
// trusted through Config.IMAPTLS, and refuses one that is not trusted.
func TestImplicitTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("support", "secret")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:   imap.CapSet{imap.CapIMAP4rev1: {}},
		Logger: discardLogger{},
	})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })

	for _, tc := range []struct {
		name    string
		trusted bool
	}{{"trusted", true}, {"untrusted", false}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			st, err := store.Open(ctx, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			cfg := Config{
				Mailboxes:  []Mailbox{{Name: "support", IMAP: "imaps://support:secret@" + ln.Addr().String(), Queue: "support", PollInterval: time.Hour}},
				Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
				MinBackoff: time.Hour,
			}
			if tc.trusted {
				cfg.IMAPTLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
			}
			svc, err := New(st, cfg)
			if err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() { errc <- svc.Run(ctx) }()
			defer func() { cancel(); <-errc }()
			waitFor(t, "a connection attempt", func() bool {
				s := svc.Status()[0]
				return s.Connected || s.LastError != ""
			})
			s := svc.Status()[0]
			if tc.trusted && !s.Connected {
				t.Fatalf("not connected over TLS: %s", s.LastError)
			}
			if !tc.trusted && (s.Connected || !strings.Contains(s.LastError, "certificate")) {
				t.Fatalf("untrusted server: connected %v, error %q", s.Connected, s.LastError)
			}
		})
	}
}
