package digest

import (
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/switchboard-cc/switchboard/internal/credential"
)

const realm = "switchboard.local"

func users(user string) (HA1, bool) {
	if user != "1001" {
		return HA1{}, false
	}
	return HA1{MD5: credential.HA1MD5("1001", realm, "right-pass"), SHA256: credential.HA1SHA256("1001", realm, "right-pass")}, true
}

// answer computes a phone's Authorization header for the challenge of the
// given algorithm with the icholy/digest client code.
func answer(t *testing.T, a *Authenticator, alg, user, password string, nc int) string {
	t.Helper()
	for _, h := range a.Challenges(false) {
		c, err := digest.ParseChallenge(h)
		if err != nil {
			t.Fatal(err)
		}
		if c.Algorithm != alg {
			continue
		}
		cred, err := digest.Digest(c, digest.Options{Method: "REGISTER", URI: "sip:127.0.0.1", Username: user, Password: password, Count: nc})
		if err != nil {
			t.Fatal(err)
		}
		return cred.String()
	}
	t.Fatalf("no %s challenge", alg)
	return ""
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { now = now.Add(time.Millisecond); return now }
	a := New(Config{Realm: realm, Algorithms: []string{SHA256, MD5}, Now: clock})
	for _, alg := range []string{MD5, SHA256} {
		t.Run(alg, func(t *testing.T) {
			h := answer(t, a, alg, "1001", "right-pass", 1)
			if user, res := a.Verify("REGISTER", []string{h}, users); res != OK || user != "1001" {
				t.Fatalf("right password: %q %v", user, res)
			}
			if _, res := a.Verify("REGISTER", []string{h}, users); res != Invalid {
				t.Fatalf("replayed nonce count: %v, want Invalid", res)
			}
			if _, res := a.Verify("REGISTER", []string{answer(t, a, alg, "1001", "wrong-pass", 1)}, users); res != Invalid {
				t.Fatalf("wrong password: %v", res)
			}
			if _, res := a.Verify("INVITE", []string{answer(t, a, alg, "1001", "right-pass", 1)}, users); res != Invalid {
				t.Fatalf("credentials for another method: %v", res)
			}
			if _, res := a.Verify("REGISTER", []string{answer(t, a, alg, "1002", "right-pass", 1)}, users); res != Invalid {
				t.Fatalf("unknown user: %v", res)
			}
		})
	}
	if _, res := a.Verify("REGISTER", nil, users); res != Missing {
		t.Fatalf("no header: %v", res)
	}
	other := New(Config{Realm: realm, Algorithms: []string{MD5}, Now: clock})
	if _, res := a.Verify("REGISTER", []string{answer(t, other, MD5, "1001", "right-pass", 1)}, users); res != Invalid {
		t.Fatalf("nonce of another key: %v, want Invalid", res)
	}
	h := answer(t, a, MD5, "1001", "right-pass", 1)
	now = now.Add(10 * time.Minute)
	if _, res := a.Verify("REGISTER", []string{h}, users); res != Stale {
		t.Fatalf("expired nonce: %v, want Stale", res)
	}
}

func FuzzVerify(f *testing.F) {
	a := New(Config{Realm: realm})
	f.Add(`Digest username="1001", realm="switchboard.local", nonce="x", uri="sip:a", response="00", qop=auth, nc=00000001, cnonce="c"`)
	f.Add(`Digest username="1001"`)
	f.Add(`Basic abc`)
	f.Fuzz(func(t *testing.T, h string) {
		user, res := a.Verify("REGISTER", []string{h}, users)
		if res == OK || res == Stale {
			t.Fatalf("forged header accepted: %q → %q %v", h, user, res)
		}
	})
}

func TestParseAlgorithms(t *testing.T) {
	if got, err := ParseAlgorithms("sha-256, md5"); err != nil || len(got) != 2 || got[0] != SHA256 {
		t.Fatalf("ParseAlgorithms = %v, %v", got, err)
	}
	if _, err := ParseAlgorithms("MD5,SHA1"); err == nil {
		t.Fatal("SHA1 accepted")
	}
}
