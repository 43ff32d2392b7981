package prompts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Library resolves the prompt and music names the voice face, queue
// announcements and music on hold play: an upload in the store first, then
// the built-in of that name. It keeps what it read from the store until the
// configuration revision changes (every upload and removal bumps it), so a
// running server plays a new upload at the next call, and a call does not
// query the store for each prompt beyond reading the revision.
type Library struct {
	st      *store.Store
	uploads *store.Cached[*uploadSet] // nil without a store

	musicOnce sync.Once
	music     []byte // the built-in music, read once
}

type entryKey struct{ kind, lang, name string }

// uploadSet is the uploads of one configuration revision: which exist,
// and the audio of those played so far.
type uploadSet struct {
	index map[entryKey]bool // read-only once loaded

	mu    sync.Mutex // guards the following field
	audio map[entryKey][]byte
}

// NewLibrary returns a Library over the uploads in st; a nil st serves the
// built-ins alone.
func NewLibrary(st *store.Store) *Library {
	l := &Library{st: st}
	if st != nil {
		l.uploads = store.NewCached(st, loadUploads)
	}
	return l
}

func loadUploads(ctx context.Context, st *store.Store) (*uploadSet, error) {
	list, err := st.Prompts(ctx)
	if err != nil {
		return nil, err
	}
	set := &uploadSet{index: map[entryKey]bool{}, audio: map[entryKey][]byte{}}
	for _, p := range list {
		set.index[entryKey{p.Kind, p.Lang, p.Name}] = true
	}
	return set, nil
}

// current returns the uploads of the current revision (none without a
// store).
func (l *Library) current(ctx context.Context) (*uploadSet, error) {
	if l.uploads == nil {
		return &uploadSet{}, nil
	}
	return l.uploads.Get(ctx)
}

// upload returns an upload's audio, or nil when there is none.
func (l *Library) upload(ctx context.Context, k entryKey) ([]byte, error) {
	set, err := l.current(ctx)
	if err != nil || !set.index[k] {
		return nil, err
	}
	set.mu.Lock()
	defer set.mu.Unlock()
	if b, ok := set.audio[k]; ok {
		return b, nil
	}
	b, err := l.st.PromptAudio(ctx, k.kind, k.lang, k.name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // removed since the index was read
	}
	if err != nil {
		return nil, err
	}
	set.audio[k] = b
	return b, nil
}

// Get returns the µ-law audio of the prompt name in lang: the upload if
// there is one, else the built-in. The slice is shared: do not modify it.
func (l *Library) Get(ctx context.Context, lang, name string) ([]byte, error) {
	b, err := l.upload(ctx, entryKey{KindPrompt, lang, name})
	if err != nil {
		return nil, fmt.Errorf("prompts: %s/%s: %w", lang, name, err)
	}
	if b != nil {
		return b, nil
	}
	return Get(lang, name)
}

// Audio returns the concatenated audio of the named prompts in lang.
func (l *Library) Audio(ctx context.Context, lang string, names []string) ([]byte, error) {
	var out []byte
	for _, name := range names {
		b, err := l.Get(ctx, lang, name)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// Music returns the music on hold called name ("" is DefaultMusic): an
// upload if there is one, else the built-in when name is DefaultMusic.
// The slice is shared: do not modify it.
func (l *Library) Music(ctx context.Context, name string) ([]byte, error) {
	if name == "" {
		name = DefaultMusic
	}
	b, err := l.upload(ctx, entryKey{KindMusic, "", name})
	if err != nil {
		return nil, fmt.Errorf("prompts: music %s: %w", name, err)
	}
	if b != nil {
		return b, nil
	}
	if name != DefaultMusic {
		return nil, fmt.Errorf("%w: music %s", ErrNoPrompt, name)
	}
	l.musicOnce.Do(func() { l.music = Music() })
	return l.music, nil
}

// Find returns the audio of a prompt (kind KindPrompt, in lang) or of
// music (KindMusic, lang ignored).
func (l *Library) Find(ctx context.Context, kind, lang, name string) ([]byte, error) {
	if kind == KindMusic {
		return l.Music(ctx, name)
	}
	return l.Get(ctx, lang, name)
}

// Known returns the names an imported file may use: each language with
// prompts (built in or uploaded) and its prompts, every music, and the
// settings language stored.
func (l *Library) Known(ctx context.Context) (config.Known, error) {
	k := config.Known{Prompts: map[string]map[string]bool{}, Music: map[string]bool{DefaultMusic: true}}
	for _, lang := range Languages() {
		k.Prompts[lang] = map[string]bool{}
		for _, n := range BuiltIn(lang) {
			k.Prompts[lang][n] = true
		}
	}
	set, err := l.current(ctx)
	if err != nil {
		return config.Known{}, fmt.Errorf("prompts: known names: %w", err)
	}
	for e := range set.index {
		if e.kind == KindMusic {
			k.Music[e.name] = true
			continue
		}
		if k.Prompts[e.lang] == nil {
			k.Prompts[e.lang] = map[string]bool{}
		}
		k.Prompts[e.lang][e.name] = true
	}
	if l.st != nil {
		if k.Language, err = config.StoredLanguage(ctx, l.st); err != nil {
			return config.Known{}, fmt.Errorf("prompts: known names: %w", err)
		}
	}
	return k, nil
}

// Entry is one prompt or music as the CLI and the panel list it.
type Entry struct {
	Kind string `json:"kind"`
	// Lang is empty for music.
	Lang string `json:"lang,omitempty"`
	Name string `json:"name"`
	// BuiltIn is true when the binary has it, Uploaded when an upload
	// exists (and then it is what plays).
	BuiltIn  bool `json:"built_in"`
	Uploaded bool `json:"uploaded"`
	// Size is the length in bytes of the audio that plays (8000 a second).
	Size int `json:"size"`
	// Created is when it was uploaded (zero for a built-in).
	Created time.Time `json:"created,omitzero"`
}

// Seconds is the length of the audio that plays.
func (e Entry) Seconds() float64 { return float64(e.Size) / 8000 }

// List returns every prompt of every language, then every music, each
// sorted by language and name.
func (l *Library) List(ctx context.Context) ([]Entry, error) {
	byKey := map[entryKey]*Entry{}
	for _, lang := range Languages() {
		for _, n := range BuiltIn(lang) {
			b, _ := Get(lang, n)
			byKey[entryKey{KindPrompt, lang, n}] = &Entry{Kind: KindPrompt, Lang: lang, Name: n, BuiltIn: true, Size: len(b)}
		}
	}
	byKey[entryKey{KindMusic, "", DefaultMusic}] = &Entry{Kind: KindMusic, Name: DefaultMusic, BuiltIn: true, Size: len(Music())}
	if l.st != nil {
		ups, err := l.st.Prompts(ctx)
		if err != nil {
			return nil, fmt.Errorf("prompts: list: %w", err)
		}
		for _, p := range ups {
			k := entryKey{p.Kind, p.Lang, p.Name}
			e := byKey[k]
			if e == nil {
				e = &Entry{Kind: p.Kind, Lang: p.Lang, Name: p.Name}
				byKey[k] = e
			}
			e.Uploaded, e.Size, e.Created = true, p.Size, p.Created
		}
	}
	out := make([]Entry, 0, len(byKey))
	for _, e := range byKey {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(strings.Compare(b.Kind, a.Kind), strings.Compare(a.Lang, b.Lang), compareNames(a.Name, b.Name))
	})
	return out, nil
}

// compareNames orders numbers by value, then other names alphabetically.
func compareNames(a, b string) int {
	if len(a) != len(b) && isDigits(a) && isDigits(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}

// Add converts the WAV file read from wav (see ConvertWAV) and stores it as
// the prompt name in lang (kind KindPrompt) or as music (KindMusic, lang
// ignored), replacing an earlier upload; a built-in of the same name is
// overridden. It returns what was stored.
func (l *Library) Add(ctx context.Context, kind, lang, name string, wav io.Reader) (Entry, error) {
	if err := l.checkKey(kind, &lang, name); err != nil {
		return Entry{}, err
	}
	audio, err := ConvertWAV(wav)
	if err != nil {
		return Entry{}, err
	}
	p := store.Prompt{Kind: kind, Lang: lang, Name: name, Audio: audio, Created: time.Now().Truncate(time.Second)}
	if err := l.st.Update(ctx, func(tx *store.Tx) error { return tx.PutPrompt(ctx, p) }); err != nil {
		return Entry{}, err
	}
	_, builtIn := l.builtIn(kind, lang, name)
	return Entry{Kind: kind, Lang: lang, Name: name, BuiltIn: builtIn, Uploaded: true, Size: len(audio), Created: p.Created}, nil
}

// Remove deletes an upload (store.ErrNotFound when there is none). When no
// built-in of that name would play instead, it refuses (ErrInUse) if a flow
// speaking lang plays the prompt or a queue holds callers with the music,
// naming them.
func (l *Library) Remove(ctx context.Context, kind, lang, name string) error {
	if err := l.checkKey(kind, &lang, name); err != nil {
		return err
	}
	return l.st.Update(ctx, func(tx *store.Tx) error {
		if _, builtIn := l.builtIn(kind, lang, name); !builtIn {
			users, err := l.users(ctx, kind, lang, name)
			if err != nil {
				return err
			}
			if len(users) > 0 {
				what := "prompt " + lang + "/" + name
				if kind == KindMusic {
					what = "music " + name
				}
				return fmt.Errorf("%w: %s is used by %s", ErrInUse, what, strings.Join(users, ", "))
			}
		}
		return tx.DeletePrompt(ctx, kind, lang, name)
	})
}

// users names the nodes of the flows speaking lang (their own language,
// else the settings language) that play the prompt name, or the queues
// that hold callers with the music name.
func (l *Library) users(ctx context.Context, kind, lang, name string) ([]string, error) {
	var out []string
	if kind == KindMusic {
		queues, _, err := config.LoadACD(ctx, l.st)
		if err != nil {
			return nil, err
		}
		for _, q := range queues {
			if q.Music == name {
				out = append(out, "queue "+q.Name)
			}
		}
		return out, nil
	}
	flows, err := config.ExportFlows(ctx, l.st)
	if err != nil {
		return nil, err
	}
	settings, err := config.StoredLanguage(ctx, l.st)
	if err != nil {
		return nil, err
	}
	for _, f := range flows {
		if cmp.Or(f.Language, settings) != lang {
			continue
		}
		for _, id := range slices.Sorted(maps.Keys(f.Nodes)) {
			if f.Nodes[id].Prompt == name {
				out = append(out, "flow "+f.Name+" node "+id)
			}
		}
	}
	return out, nil
}

// builtIn returns the built-in audio of a kind, language and name, and
// whether there is one.
func (l *Library) builtIn(kind, lang, name string) ([]byte, bool) {
	if kind == KindMusic {
		return nil, name == DefaultMusic
	}
	b, err := Get(lang, name)
	return b, err == nil
}

// checkKey validates a kind, language and name for Add and Remove; music
// has no language.
func (l *Library) checkKey(kind string, lang *string, name string) error {
	if l.st == nil {
		return errors.New("prompts: library has no store")
	}
	switch kind {
	case KindMusic:
		*lang = ""
	case KindPrompt:
		if err := ValidLanguage(*lang); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: %q (prompt or music)", ErrBadKind, kind)
	}
	return ValidName(name)
}
