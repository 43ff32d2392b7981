package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestPrompts(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	put := func(p Prompt) {
		t.Helper()
		if err := st.Update(ctx, func(tx *Tx) error { return tx.PutPrompt(ctx, p) }); err != nil {
			t.Fatal(err)
		}
	}
	rev0, _ := st.ConfigRev(ctx)
	put(Prompt{Kind: "prompt", Lang: "en", Name: "welcome", Audio: []byte{1, 2, 3}})
	put(Prompt{Kind: "music", Name: "jazz", Audio: []byte{4, 5}})
	put(Prompt{Kind: "prompt", Lang: "en", Name: "welcome", Audio: []byte{9, 9, 9, 9}}) // replaces
	if rev, _ := st.ConfigRev(ctx); rev != rev0+3 {
		t.Errorf("revision %d after three puts from %d", rev, rev0)
	}
	list, err := st.Prompts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "jazz" || list[0].Size != 2 || list[1].Name != "welcome" || list[1].Size != 4 || list[1].Audio != nil {
		t.Fatalf("list %+v", list)
	}
	audio, err := st.PromptAudio(ctx, "prompt", "en", "welcome")
	if err != nil || !bytes.Equal(audio, []byte{9, 9, 9, 9}) {
		t.Fatalf("audio %v, %v", audio, err)
	}
	if _, err := st.PromptAudio(ctx, "prompt", "fr", "welcome"); !errors.Is(err, ErrNotFound) {
		t.Errorf("other language: %v", err)
	}
	del := func(kind, lang, name string) error {
		return st.Update(ctx, func(tx *Tx) error { return tx.DeletePrompt(ctx, kind, lang, name) })
	}
	if err := del("music", "", "jazz"); err != nil {
		t.Fatal(err)
	}
	if err := del("music", "", "jazz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}
