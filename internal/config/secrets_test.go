package config

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// secretsYAML has one of each kind of secret, and objects without any.
const secretsYAML = `extensions:
  - {number: "1001", name: Alice, password: alice-desk-pw}
  - {number: "1002", name: Bob, ha1_md5: 0123456789abcdef0123456789abcdef, ha1_sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef}
trunks:
  - {name: provider, type: register, host: "127.0.0.1:5070", username: u, password: trunk-pw-1}
  - {name: gateway, type: peer, host: 192.0.2.10}
mailboxes:
  - {name: support, imap: "imaps://sup:imap-pw-1@mail.example.com/INBOX", smtp: "smtps://sup:smtp%40pw-1@mail.example.com", from: support@example.com, queue: support}
  - {name: sales, imap: "imaps://sales@mail.example.com", queue: sales}
`

// secretValues are the secrets of secretsYAML as they may appear in a
// file.
var secretValues = []string{"alice-desk-pw", "0123456789abcdef", "trunk-pw-1", "imap-pw-1", "smtp%40pw-1", "smtp@pw-1"}

func mustParse(t *testing.T, data string, known Known) *File {
	t.Helper()
	f, err := ParseWith([]byte(data), known)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, data)
	}
	return f
}

func TestRedactHidesEverySecret(t *testing.T) {
	f := mustParse(t, secretsYAML, Known{})
	before, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	r := Redact(f)
	out, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secretValues {
		if strings.Contains(string(out), s) {
			t.Errorf("redacted file shows %q:\n%s", s, out)
		}
	}
	if n := strings.Count(string(out), Placeholder); n != 5 {
		t.Errorf("%d placeholders, want 5 (2 extensions, 1 trunk, 2 mailbox URLs):\n%s", n, out)
	}
	if r.Trunks[1].Password != "" || r.Mailboxes[1].IMAP != "imaps://sales@mail.example.com" {
		t.Errorf("a secret not set shows as set: %+v %+v", r.Trunks[1], r.Mailboxes[1])
	}
	if again, _ := f.Marshal(); string(again) != string(before) {
		t.Error("Redact changed its argument")
	}
}

func TestRedactUnparseableURL(t *testing.T) {
	f := &File{Mailboxes: []Mailbox{{Name: "odd", IMAP: "imaps://u:p%zz@host"}}}
	if got := Redact(f).Mailboxes[0].IMAP; got != Placeholder {
		t.Fatalf("unparseable URL redacted as %q", got)
	}
	if got := restoreMailURL(Placeholder, f.Mailboxes[0].IMAP); got != f.Mailboxes[0].IMAP {
		t.Fatalf("restored as %q", got)
	}
}

// TestRedactedRoundTripChangesNothing: export → redact → parse against the
// stored configuration → apply → export gives the same configuration.
func TestRedactedRoundTripChangesNothing(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := Apply(ctx, st, mustParse(t, secretsYAML, Known{})); err != nil {
		t.Fatal(err)
	}
	stored, err := Export(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	shown, err := Redact(stored).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back := mustParse(t, string(shown), Known{Stored: stored})
	if err := Apply(ctx, st, back); err != nil {
		t.Fatal(err)
	}
	after, err := Export(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, stored) {
		t.Fatalf("round trip changed the configuration:\n%+v\n%+v", after, stored)
	}
	if i := slices.IndexFunc(after.Mailboxes, func(m Mailbox) bool { return m.Name == "support" }); i < 0 || after.Mailboxes[i].SMTP != "smtps://sup:smtp%40pw-1@mail.example.com" {
		t.Fatalf("mailbox URL not kept as stored: %+v", after.Mailboxes)
	}
}

func TestRestoreCases(t *testing.T) {
	prev := mustParse(t, secretsYAML, Known{})
	bob := prev.Extensions[1]
	cases := []struct {
		name  string
		file  string
		errs  []string // paths of the errors, in order
		check func(t *testing.T, f *File)
	}{
		{name: "reordered objects keep their own secrets",
			file: "extensions:\n  - {number: \"1002\", password: __hidden__}\n  - {number: \"1001\", password: __hidden__}\n" +
				"trunks:\n  - {name: gateway, type: peer, host: 192.0.2.10}\n  - {name: provider, type: register, host: \"127.0.0.1:5070\", username: u, password: __hidden__}\n",
			check: func(t *testing.T, f *File) {
				if e := f.Extensions[0]; e.Password != "" || e.HA1MD5 != bob.HA1MD5 || e.HA1SHA256 != bob.HA1SHA256 {
					t.Errorf("1002: %+v", e)
				}
				if e := f.Extensions[1]; e.Password != "alice-desk-pw" || e.HA1MD5 != "" {
					t.Errorf("1001: %+v", e)
				}
				if f.Trunks[1].Password != "trunk-pw-1" {
					t.Errorf("provider: %+v", f.Trunks[1])
				}
			}},
		{name: "new extension", file: "extensions:\n  - {number: \"1001\", password: __hidden__}\n  - {number: \"1003\", password: __hidden__}\n",
			errs: []string{"extensions[1].password (line 3)"}},
		{name: "renumbered extension", file: "extensions:\n  - {number: \"1009\", password: __hidden__}\n",
			errs: []string{"extensions[0].password (line 2)"}},
		{name: "removed extension", file: "extensions:\n  - {number: \"1002\", password: __hidden__}\n",
			check: func(t *testing.T, f *File) {
				if len(f.Extensions) != 1 || f.Extensions[0].HA1MD5 != bob.HA1MD5 {
					t.Errorf("%+v", f.Extensions)
				}
			}},
		{name: "renamed trunk", file: "trunks:\n  - {name: carrier, type: register, host: \"127.0.0.1:5070\", username: u, password: __hidden__}\n",
			errs: []string{"trunks[0].password (line 2)"}},
		{name: "trunk that had no password", file: "trunks:\n  - {name: gateway, type: register, host: 192.0.2.10, username: u, password: __hidden__}\n",
			errs: []string{"trunks[0].password (line 2)"}},
		{name: "clear passwords are taken as typed",
			file: "extensions:\n  - {number: \"1003\", password: new-desk-pw}\ntrunks:\n  - {name: carrier, type: register, host: 192.0.2.1, username: u, password: new-trunk-pw}\n",
			check: func(t *testing.T, f *File) {
				if f.Extensions[0].Password != "new-desk-pw" || f.Trunks[0].Password != "new-trunk-pw" {
					t.Errorf("%+v %+v", f.Extensions, f.Trunks)
				}
			}},
		{name: "placeholder beside hashes", file: "extensions:\n  - {number: \"1002\", password: __hidden__, ha1_md5: " + bob.HA1MD5 + ", ha1_sha256: " + bob.HA1SHA256 + "}\n",
			errs: []string{"extensions[0].password (line 2)", "extensions[0].password (line 2)"}},
		{name: "mailbox moved to another host keeps its passwords",
			file: "mailboxes:\n  - {name: support, imap: \"imaps://sup:__hidden__@mail2.example.com/INBOX\", smtp: \"smtps://sup:__hidden__@mail2.example.com:465\", from: a@example.com, queue: support}\n",
			check: func(t *testing.T, f *File) {
				m := f.Mailboxes[0]
				if m.IMAP != "imaps://sup:imap-pw-1@mail2.example.com/INBOX" || m.SMTP != "smtps://sup:smtp%40pw-1@mail2.example.com:465" {
					t.Errorf("%+v", m)
				}
			}},
		{name: "mailbox URL for another user",
			file: "mailboxes:\n  - {name: support, imap: \"imaps://sup:__hidden__@mail.example.com/INBOX\", smtp: \"smtps://other:__hidden__@mail.example.com\", from: a@example.com, queue: support}\n",
			errs: []string{"mailboxes[0].smtp (line 2)"}},
		{name: "mailbox URL that had no password",
			file: "mailboxes:\n  - {name: sales, imap: \"imaps://sales:__hidden__@mail.example.com\", smtp: \"smtps://x:__hidden__@mail.example.com\", from: a@example.com, queue: sales}\n",
			errs: []string{"mailboxes[0].imap (line 2)", "mailboxes[0].smtp (line 2)"}},
		{name: "renamed mailbox", file: "mailboxes:\n  - {name: help, imap: \"imaps://sup:__hidden__@mail.example.com/INBOX\", queue: support}\n",
			errs: []string{"mailboxes[0].imap (line 2)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ParseWith([]byte(c.file), Known{Stored: prev})
			var got []string
			var list ErrorList
			if errors.As(err, &list) {
				for _, fe := range list {
					got = append(got, fmt.Sprintf("%s (line %d)", fe.Path, fe.Line))
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.errs) {
				t.Fatalf("errors %q, want %q (%v)", got, c.errs, err)
			}
			for _, fe := range list {
				if strings.Contains(fe.Msg, Placeholder+" keeps") && !strings.Contains(fe.Msg, "none is stored") {
					t.Errorf("message %q", fe.Msg)
				}
			}
			if c.check != nil {
				c.check(t, f)
			}
		})
	}
}

// TestPlaceholderWithoutStoredIsAnError: `config import` reads no stored
// configuration, so a web export's placeholder cannot become a password.
func TestPlaceholderWithoutStoredIsAnError(t *testing.T) {
	shown, err := Redact(mustParse(t, secretsYAML, Known{})).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(shown)
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 5 {
		t.Fatalf("got %v, want 5 errors", err)
	}
	for _, fe := range list {
		if !strings.Contains(fe.Msg, "switchboard config export") || fe.Line == 0 {
			t.Errorf("%v", fe)
		}
	}
}

// TestRestoreRandomEdits applies random renames, removals, additions and
// reorderings to a configuration's redacted form: every placeholder of an
// object still in prev gets that object's secret back, every other one is
// an error naming its field, and nothing else changes.
func TestRestoreRandomEdits(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 42))
	for round := range 300 {
		prev := &File{}
		for i := range 1 + rng.IntN(6) {
			prev.Extensions = append(prev.Extensions, Extension{Number: fmt.Sprint(1000 + i), Password: fmt.Sprintf("desk-%d-pw", i)})
			prev.Trunks = append(prev.Trunks, Trunk{Name: fmt.Sprintf("t%d", i), Password: fmt.Sprintf("trunk-%d-pw", i)})
			prev.Mailboxes = append(prev.Mailboxes, Mailbox{Name: fmt.Sprintf("m%d", i), IMAP: fmt.Sprintf("imaps://u%d:imap-%d@h%d", i, i, i)})
		}
		next := Redact(prev)
		wantErr := map[string]bool{}
		for i := range next.Extensions {
			switch rng.IntN(4) {
			case 0: // renamed or new
				next.Extensions[i].Number = fmt.Sprint(2000 + i)
				next.Trunks[i].Name = fmt.Sprintf("new%d", i)
				next.Mailboxes[i].Name = fmt.Sprintf("new%d", i)
			case 1: // a clear secret typed
				next.Extensions[i].Password = "typed-pw"
				next.Trunks[i].Password = "typed-pw"
				next.Mailboxes[i].IMAP = "imaps://u:typed@h"
			}
		}
		rng.Shuffle(len(next.Extensions), func(i, j int) { next.Extensions[i], next.Extensions[j] = next.Extensions[j], next.Extensions[i] })
		rng.Shuffle(len(next.Trunks), func(i, j int) { next.Trunks[i], next.Trunks[j] = next.Trunks[j], next.Trunks[i] })
		drop := rng.IntN(len(next.Mailboxes) + 1)
		next.Mailboxes = append(next.Mailboxes[:drop:drop], next.Mailboxes[min(drop+1, len(next.Mailboxes)):]...)
		for i, e := range next.Extensions {
			if strings.HasPrefix(e.Number, "2") {
				wantErr[fmt.Sprintf("extensions[%d].password", i)] = true
			}
		}
		for i, tr := range next.Trunks {
			if strings.HasPrefix(tr.Name, "new") {
				wantErr[fmt.Sprintf("trunks[%d].password", i)] = true
			}
		}
		for i, m := range next.Mailboxes {
			if strings.HasPrefix(m.Name, "new") {
				wantErr[fmt.Sprintf("mailboxes[%d].imap", i)] = true
			}
		}
		err := Restore(prev, next)
		gotErr := map[string]bool{}
		var list ErrorList
		errors.As(err, &list)
		for _, fe := range list {
			gotErr[fe.Path] = true
		}
		if !reflect.DeepEqual(gotErr, wantErr) && (len(gotErr) > 0 || len(wantErr) > 0) {
			t.Fatalf("round %d: errors %v, want %v", round, gotErr, wantErr)
		}
		for _, e := range next.Extensions {
			if want := "desk-" + strings.TrimPrefix(e.Number, "100") + "-pw"; strings.HasPrefix(e.Number, "1") && e.Password != want && e.Password != "typed-pw" {
				t.Fatalf("round %d: extension %s has %q", round, e.Number, e.Password)
			}
		}
		for _, tr := range next.Trunks {
			if want := "trunk-" + strings.TrimPrefix(tr.Name, "t") + "-pw"; strings.HasPrefix(tr.Name, "t") && tr.Password != want && tr.Password != "typed-pw" {
				t.Fatalf("round %d: trunk %s has %q", round, tr.Name, tr.Password)
			}
		}
		for _, m := range next.Mailboxes {
			n := strings.TrimPrefix(m.Name, "m")
			if want := fmt.Sprintf("imaps://u%s:imap-%s@h%s", n, n, n); strings.HasPrefix(m.Name, "m") && m.IMAP != want && m.IMAP != "imaps://u:typed@h" {
				t.Fatalf("round %d: mailbox %s has %q", round, m.Name, m.IMAP)
			}
		}
	}
}

// FuzzRedactMailURL: a redacted mail URL never keeps its password, keeps
// the user and host, and restores to the stored URL exactly.
func FuzzRedactMailURL(f *testing.F) {
	for _, s := range []string{"", "imaps://u:p@h/INBOX", "smtps://sup:smtp%40pw-1@mail.example.com", "imap://u@h:143", "imaps://u:p%zz@h", "imaps://u:__hidden__@h", "smtp://:pw@[::1]:25", "imaps:u:p@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		red := redactMailURL(raw)
		if got := restoreMailURL(red, raw); got != raw {
			t.Fatalf("%q redacted as %q restores as %q", raw, red, got)
		}
		u, err := url.Parse(raw)
		if err != nil {
			if red != Placeholder {
				t.Fatalf("unparseable %q redacted as %q", raw, red)
			}
			return
		}
		if _, set := u.User.Password(); !set {
			return
		}
		r, err := url.Parse(red)
		if err != nil {
			if red != Placeholder {
				t.Fatalf("%q redacted as %q, which does not parse: %v", raw, red, err)
			}
			return
		}
		// The password lives in the user part alone: all else is the same.
		if rpw, _ := r.User.Password(); rpw != Placeholder || r.User.Username() != u.User.Username() ||
			r.Scheme != u.Scheme || r.Host != u.Host || r.Path != u.Path || r.RawQuery != u.RawQuery || r.Fragment != u.Fragment || r.Opaque != u.Opaque {
			t.Fatalf("%q redacted as %q", raw, red)
		}
	})
}
