package digest

import (
	"encoding/binary"
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
	for _, h := range a.Challenges(a.now(), false) {
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
			if _, res := a.Verify("REGISTER", []string{h}, users); res != Stale {
				t.Fatalf("replayed nonce count: %v, want Stale", res)
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

// TestVerifyManyNoncesInFlight: one user (a PBX, a load generator)
// authenticating with many nonces at once, in any order, is accepted
// once per nonce count.
func TestVerifyManyNoncesInFlight(t *testing.T) {
	a := New(Config{Realm: realm})
	var headers []string
	for range 200 {
		headers = append(headers, answer(t, a, MD5, "1001", "right-pass", 1))
	}
	for i := len(headers) - 1; i >= 0; i-- {
		if _, res := a.Verify("REGISTER", []string{headers[i]}, users); res != OK {
			t.Fatalf("nonce %d of %d, used in reverse order: %v", i, len(headers), res)
		}
	}
	for i, h := range headers {
		if _, res := a.Verify("REGISTER", []string{h}, users); res != Stale {
			t.Fatalf("replay of nonce %d: %v, want Stale", i, res)
		}
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

// TestCounts: counts only increase per nonce and user, whatever the
// order nonces are used in; when a generation fills up, the nonces issued
// before it are accepted only if remembered; after two idle lifetimes
// everything is forgotten.
func TestCounts(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	nonce := func(ms int) (n [nonceLen]byte) {
		binary.BigEndian.PutUint64(n[:8], uint64(start.Add(time.Duration(ms)*time.Millisecond).UnixNano()))
		return n
	}
	c := newCounts(time.Minute, 2, start)
	steps := []struct {
		name      string
		at, nonce int // milliseconds after start: time of use, nonce issue
		user      string
		nc        uint32
		want      bool
	}{
		{"first use", 10, 5, "1001", 1, true},
		{"replay", 11, 5, "1001", 1, false},
		{"lower count", 12, 5, "1001", 0, false},
		{"higher count", 13, 5, "1001", 3, true},
		{"another user, same nonce", 14, 5, "1002", 1, true},
		{"an older nonce used later starts a generation", 15, 1, "1001", 1, true},
		{"its replay", 16, 1, "1001", 1, false},
		{"a nonce of the previous generation", 17, 5, "1001", 4, true},
		{"a third generation drops the first", 20, 18, "1001", 1, true},
		{"a use dropped with it is refused", 21, 5, "1002", 2, false},
		{"an unseen nonce issued before the second began", 22, 4, "1001", 1, false},
		{"an unseen nonce issued after", 23, 16, "1001", 1, true},
		{"a remembered use still counted", 24, 1, "1001", 1, false},
		{"a remembered use, higher count", 25, 1, "1001", 2, true},
	}
	for _, s := range steps {
		if got := c.fresh(nonce(s.nonce), s.user, s.nc, start.Add(time.Duration(s.at)*time.Millisecond)); got != s.want {
			t.Fatalf("%s: fresh = %v, want %v", s.name, got, s.want)
		}
	}
	c.fresh(nonce(5*60_000), "1003", 1, start.Add(5*time.Minute))
	if got := c.len(); got != 1 {
		t.Fatalf("%d nonce uses remembered after two idle lifetimes, want 1", got)
	}
}

// BenchmarkVerify is one successful MD5 verification with a fresh nonce
// count, as every authenticated REGISTER does.
func BenchmarkVerify(b *testing.B) {
	a := New(Config{Realm: realm})
	ch, err := digest.ParseChallenge(a.Challenges(a.now(), false)[0])
	if err != nil {
		b.Fatal(err)
	}
	stored, _ := users("1001")
	lookup := func(string) (HA1, bool) { return stored, true }
	b.ReportAllocs()
	nc := 0
	for b.Loop() {
		nc++
		b.StopTimer()
		cred, err := digest.Digest(ch, digest.Options{Method: "REGISTER", URI: "sip:127.0.0.1", Username: "1001", Password: "right-pass", Count: nc})
		if err != nil {
			b.Fatal(err)
		}
		h := cred.String()
		b.StartTimer()
		if _, res := a.Verify("REGISTER", []string{h}, lookup); res != OK {
			b.Fatalf("Verify: %v", res)
		}
	}
}
