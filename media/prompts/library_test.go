package prompts

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

func TestWAVRoundTrip(t *testing.T) {
	for _, n := range []int{1, 2, 801} {
		ulaw := make([]byte, n)
		for i := range ulaw {
			ulaw[i] = byte(i*37 + 5)
		}
		w := WAV(ulaw)
		if len(w)%2 != 0 || string(w[:4]) != "RIFF" || int(w[4])|int(w[5])<<8 != len(w)-8 {
			t.Fatalf("%d samples: RIFF size or padding wrong (%d bytes)", n, len(w))
		}
		got, err := ConvertWAV(bytes.NewReader(w))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, ulaw) {
			t.Fatalf("%d samples: µ-law 8 kHz mono did not come back bit for bit", n)
		}
	}
}

// libraryFixture is a Library over a fresh store holding a flow that plays
// welcome and holiday, and a queue that plays the music jazz.
func libraryFixture(t *testing.T) (*Library, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f, err := config.Parse([]byte(`queues:
  - {name: support, music: jazz}
flows:
  - name: main
    start: welcome
    nodes:
      welcome: {type: menu, prompt: welcome, title: Hello, options: {"1": q}, invalid: closed}
      q: {type: queue, queue: support}
      closed: {type: play, prompt: holiday, next: bye}
      bye: {type: hangup}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := config.Apply(ctx, st, f); err != nil {
		t.Fatal(err)
	}
	return NewLibrary(st), st
}

// TestLibraryUploadsOverrideBuiltIns uploads a prompt over a built-in, a
// new prompt and a music, and checks what plays, what is known and listed,
// and what may be removed.
func TestLibraryUploadsOverrideBuiltIns(t *testing.T) {
	ctx := context.Background()
	lib, st := libraryFixture(t)
	cli := NewLibrary(st) // uploads come from another process: the CLI or the panel
	builtIn, _ := Get("en", Welcome)
	if got, err := lib.Get(ctx, "en", Welcome); err != nil || !bytes.Equal(got, builtIn) {
		t.Fatalf("before any upload: %d bytes, %v", len(got), err)
	}
	k, err := lib.Known(ctx)
	if err != nil {
		t.Fatal(err)
	}
	en := k.Prompts["en"]
	if !en[Welcome] || !en["40"] || en["42"] || en["holiday"] || !k.Music[DefaultMusic] || k.Music["jazz"] {
		t.Fatalf("known before uploads: %+v", k)
	}
	if !k.Prompts["fr"]["une"] || k.Prompts["en"]["une"] || k.Language != "en" || !slices.Equal(k.Languages(), []string{"en", "fr"}) {
		t.Fatalf("known languages before uploads: %v, French %v, language %q", k.Languages(), k.Prompts["fr"], k.Language)
	}

	for _, up := range []struct{ kind, lang, name string }{{KindPrompt, "en", Welcome}, {KindPrompt, "en", "holiday"}, {KindMusic, "ignored", "jazz"}} {
		e, err := cli.Add(ctx, up.kind, up.lang, up.name, bytes.NewReader(wav16(44100, 2, 1000, 0.5)))
		if err != nil {
			t.Fatal(err)
		}
		if !e.Uploaded || e.Size < 3990 || e.Size > 4010 {
			t.Fatalf("added %+v", e)
		}
	}
	got, err := lib.Get(ctx, "en", Welcome)
	if err != nil {
		t.Fatal(err)
	}
	checkTone(t, got, 1000, 0.5) // the upload plays, not the cached built-in
	if fr, _ := lib.Get(ctx, "fr", Welcome); bytes.Equal(fr, got) {
		t.Error("the English upload overrides the French built-in too")
	}
	music, err := lib.Music(ctx, "jazz")
	if err != nil {
		t.Fatal(err)
	}
	checkTone(t, music, 1000, 0.5)
	if def, err := lib.Music(ctx, ""); err != nil || !bytes.Equal(def, Music()) {
		t.Errorf("default music: %d bytes, %v", len(def), err)
	}
	if _, err := lib.Music(ctx, "rock"); !errors.Is(err, ErrNoPrompt) {
		t.Errorf("unknown music: %v", err)
	}
	joined, err := lib.Audio(ctx, "en", []string{"holiday", "40", "2"})
	if err != nil || len(joined) < 4000 {
		t.Errorf("holiday 40 2: %d bytes, %v", len(joined), err)
	}
	k, _ = lib.Known(ctx)
	if !k.Prompts["en"]["holiday"] || !k.Music["jazz"] {
		t.Errorf("known after uploads: %+v", k)
	}
	if k.Prompts["fr"]["holiday"] {
		t.Error("an English upload is known in French")
	}

	list, err := lib.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	find := func(kind, lang, name string) Entry {
		for _, e := range list {
			if e.Kind == kind && e.Lang == lang && e.Name == name {
				return e
			}
		}
		t.Fatalf("%s %s/%s not listed", kind, lang, name)
		return Entry{}
	}
	if e := find(KindPrompt, "en", Welcome); !e.BuiltIn || !e.Uploaded || e.Created.IsZero() {
		t.Errorf("overridden welcome listed as %+v", e)
	}
	if e := find(KindPrompt, "fr", "une"); !e.BuiltIn || e.Uploaded {
		t.Errorf("built-in une listed as %+v", e)
	}
	if e := find(KindMusic, "", DefaultMusic); !e.BuiltIn || e.Seconds() < 1 {
		t.Errorf("default music listed as %+v", e)
	}
	if list[0].Kind != KindPrompt || list[0].Lang != "en" || list[0].Name != "0" || list[len(list)-1].Kind != KindMusic {
		t.Errorf("order: first %+v, last %+v", list[0], list[len(list)-1])
	}

	for _, tc := range []struct {
		name, kind, lang, prompt string
		want                     error
		says                     string
	}{
		{"prompt a flow plays", KindPrompt, "en", "holiday", ErrInUse, "prompt en/holiday is used by flow main node closed"},
		{"music a queue plays", KindMusic, "", "jazz", ErrInUse, "music jazz is used by queue support"},
		{"override of a built-in a flow plays", KindPrompt, "en", Welcome, nil, ""},
		{"twice", KindPrompt, "en", Welcome, store.ErrNotFound, ""},
		{"built-in only", KindPrompt, "fr", Welcome, store.ErrNotFound, ""},
		{"bad name", KindPrompt, "en", "Hello World", ErrBadName, ""},
		{"bad language", KindPrompt, "de", Welcome, ErrBadLanguage, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := lib.Remove(ctx, tc.kind, tc.lang, tc.prompt)
			if !errors.Is(err, tc.want) || (err != nil && !strings.Contains(err.Error(), tc.says)) {
				t.Fatalf("Remove = %v, want %v saying %q", err, tc.want, tc.says)
			}
		})
	}
	if got, _ := lib.Get(ctx, "en", Welcome); !bytes.Equal(got, builtIn) {
		t.Error("after removing the upload, the built-in does not play again")
	}
}

func TestLibraryAddRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	lib, _ := libraryFixture(t)
	for _, tc := range []struct {
		name, kind, lang, prompt string
		file                     []byte
		want                     error
	}{
		{"not a WAV", KindPrompt, "en", "x", []byte("ID3 an mp3 file"), ErrBadWAV},
		{"bad name", KindPrompt, "en", "../etc", wav16(8000, 1, 440, 0.1), ErrBadName},
		{"bad language", KindPrompt, "xx", "x", wav16(8000, 1, 440, 0.1), ErrBadLanguage},
		{"bad kind", "video", "en", "x", wav16(8000, 1, 440, 0.1), ErrBadKind},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := lib.Add(ctx, tc.kind, tc.lang, tc.prompt, bytes.NewReader(tc.file))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Add = %v, want %v", err, tc.want)
			}
		})
	}
	if list, _ := lib.List(ctx); len(list) != len(BuiltIn("en"))+len(BuiltIn("fr"))+1 {
		t.Errorf("refused uploads were stored: %d entries", len(list))
	}
}

func TestLibraryWithoutStore(t *testing.T) {
	lib := NewLibrary(nil)
	if b, err := lib.Get(context.Background(), "fr", "une"); err != nil || len(b) == 0 {
		t.Fatalf("built-in: %v", err)
	}
	if _, err := lib.Add(context.Background(), KindPrompt, "en", "x", bytes.NewReader(wav16(8000, 1, 440, 0.1))); err == nil {
		t.Fatal("Add without a store succeeded")
	}
}
