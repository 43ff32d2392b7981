package thread

import (
	"slices"
	"strings"
	"testing"
)

func TestToken(t *testing.T) {
	cases := []struct {
		name, subject string
		want          int64
		ok            bool
	}{
		{"plain", "Re: [#1234] printer", 1234, true},
		{"none", "printer on fire", 0, false},
		{"not a number", "[#abc] then [#7]", 7, true},
		{"zero", "[#0]", 0, false},
		{"sign", "[#+5]", 0, false},
		{"unterminated", "[#12", 0, false},
		{"huge", "[#99999999999999999999]", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Token(c.subject)
			if got != c.want || ok != c.ok {
				t.Fatalf("Token(%q) = %d, %v; want %d, %v", c.subject, got, ok, c.want, c.ok)
			}
		})
	}
}

func TestSubject(t *testing.T) {
	cases := []struct{ in, want string }{
		{"printer", "Re: [#42] printer"},
		{"Re: RE: printer", "Re: [#42] printer"},
		{"Re: [#42] printer", "Re: [#42] printer"},
		{"[#41] printer", "Re: [#42] [#41] printer"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := Subject(c.in, 42); got != c.want {
				t.Fatalf("Subject(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestIDsAndParents(t *testing.T) {
	refs := IDs("<a@x> <b@x>\r\n <c@x> <a@x> <bad id> <>")
	if !slices.Equal(refs, []string{"a@x", "b@x", "c@x"}) {
		t.Fatalf("IDs = %q", refs)
	}
	got := Parents([]string{"c@x"}, refs)
	if !slices.Equal(got, []string{"c@x", "b@x", "a@x"}) {
		t.Fatalf("Parents = %q", got)
	}
}

func TestReply(t *testing.T) {
	irt, refs := Reply("c@x", []string{"a@x", "b@x"})
	if irt != "c@x" || !slices.Equal(refs, []string{"a@x", "b@x", "c@x"}) {
		t.Fatalf("Reply = %q %q", irt, refs)
	}
	var long []string
	for i := range 150 {
		long = append(long, strings.Repeat("x", i+1)+"@y")
	}
	_, refs = Reply("p@y", long)
	if len(refs) != maxIDs || refs[0] != long[0] || refs[len(refs)-1] != "p@y" {
		t.Fatalf("Reply trimmed to %d ids, first %q last %q", len(refs), refs[0], refs[len(refs)-1])
	}
}

// FuzzThread checks that header parsing never panics, yields well-formed
// ids, and that a reply's References always ends with its parent.
func FuzzThread(f *testing.F) {
	f.Add("<a@x> <b@x>", "Re: [#12] hello")
	f.Add("<<>>", "[#")
	f.Add("<a@x", "[#-1]")
	f.Fuzz(func(t *testing.T, header, subject string) {
		ids := IDs(header)
		if len(ids) > maxIDs {
			t.Fatalf("%d ids", len(ids))
		}
		for _, id := range ids {
			if id == "" || strings.ContainsAny(id, "<> \t\r\n") {
				t.Fatalf("bad id %q", id)
			}
		}
		if n, ok := Token(subject); ok {
			if n <= 0 {
				t.Fatalf("token %d", n)
			}
			if got, ok := Token(Subject(subject, n)); !ok || got != n {
				t.Fatalf("Subject lost token %d: %q", n, Subject(subject, n))
			}
		}
		if got, ok := Token(Subject(subject, 7)); !ok || got != 7 {
			t.Fatalf("Subject(%q, 7) = %q", subject, Subject(subject, 7))
		}
		if len(ids) > 0 {
			irt, refs := Reply(ids[0], ids[1:])
			if irt != ids[0] || refs[len(refs)-1] != ids[0] {
				t.Fatalf("Reply(%q) = %q %q", ids[0], irt, refs)
			}
		}
	})
}

func TestTopic(t *testing.T) {
	for in, want := range map[string]string{
		"printer on fire":                     "printer on fire",
		"Re: [#12] printer on fire":           "printer on fire",
		"RE: Re: [#12]  printer   on fire":    "printer on fire",
		"Fwd: TR: AW: printer on fire [#12]":  "printer on fire",
		"Re: [#x] not a token":                "[#x] not a token",
		"Ready: the release":                  "Ready: the release",
		"":                                    "",
		"Re:":                                 "",
		"[#1][#2] Re: two tokens":             "two tokens",
		"Réponse: accents stay":               "Réponse: accents stay",
		"Re: [#99999999999999999999999] long": "[#99999999999999999999999] long",
	} {
		if got := Topic(in); got != want {
			t.Errorf("Topic(%q) = %q, want %q", in, got, want)
		}
	}
}
