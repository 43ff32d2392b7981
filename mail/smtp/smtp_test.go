package smtp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

type session struct {
	authed bool
	got    chan<- string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "agent" || pass != "pw" {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}
func (s *session) Mail(string, *gosmtp.MailOptions) error {
	if !s.authed {
		return errors.New("auth first")
	}
	return nil
}
func (s *session) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.got <- string(b)
	return err
}
func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

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

// serve runs a go-smtp server on ln requiring AUTH PLAIN agent/pw.
func serve(t *testing.T, ln net.Listener, insecure bool) <-chan string {
	t.Helper()
	got := make(chan string, 1)
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &session{got: got}, nil }))
	srv.AllowInsecureAuth = insecure
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return got
}

func TestSend(t *testing.T) {
	cert, pool := selfSigned(t)
	msg := []byte("Subject: hi\r\n\r\nbody\r\n")
	t.Run("implicit TLS", func(t *testing.T) {
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
		if err != nil {
			t.Fatal(err)
		}
		got := serve(t, ln, false)
		s, err := New("smtps://agent:pw@"+ln.Addr().String(), Config{TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), "a@example.com", []string{"b@example.com"}, msg); err != nil {
			t.Fatal(err)
		}
		if m := <-got; !strings.Contains(m, "body") {
			t.Fatalf("received %q", m)
		}
	})
	t.Run("untrusted certificate refused", func(t *testing.T) {
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
		if err != nil {
			t.Fatal(err)
		}
		serve(t, ln, false)
		s, err := New("smtps://agent:pw@"+ln.Addr().String(), Config{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), "a@example.com", []string{"b@example.com"}, msg); err == nil {
			t.Fatal("sent through a certificate nobody trusts")
		}
	})
	t.Run("plain to loopback with auth", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		got := serve(t, ln, true)
		s, err := New("smtp://agent:pw@"+ln.Addr().String(), Config{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), "a@example.com", []string{"b@example.com"}, msg); err != nil {
			t.Fatal(err)
		}
		<-got
	})
	t.Run("wrong password", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		serve(t, ln, true)
		s, err := New("smtp://agent:nope@"+ln.Addr().String(), Config{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), "a@example.com", []string{"b@example.com"}, msg); err == nil || !strings.Contains(err.Error(), "auth") {
			t.Fatalf("Send = %v; want an auth error", err)
		}
	})
}

func TestNew(t *testing.T) {
	cases := []struct {
		url, addr string
		err       bool
	}{
		{"smtps://u:p@mail.example.com", "mail.example.com:465", false},
		{"smtp://mail.example.com", "mail.example.com:587", false},
		{"smtp://mail.example.com:2525", "mail.example.com:2525", false},
		{"pop3://mail.example.com", "", true},
		{"smtp://", "", true},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			s, err := New(c.url, Config{})
			if (err != nil) != c.err {
				t.Fatalf("New(%q) error %v", c.url, err)
			}
			if err == nil && s.Addr() != c.addr {
				t.Fatalf("Addr = %q, want %q", s.Addr(), c.addr)
			}
		})
	}
}

// TestNewErrorHidesPassword: an unparseable URL's error names the fault,
// not the URL, whose user part holds the password.
func TestNewErrorHidesPassword(t *testing.T) {
	_, err := New("smtps://u:s3cret@mail.example.com:bad/", Config{})
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "port") {
		t.Fatalf("New = %v; want a port error without the password", err)
	}
}
