package main

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"text/template"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

//go:embed demo.yaml
var demoTemplate string

// demoSeededKey marks a data directory whose demo setup was applied, so the
// demo's passwords are printed once and never reset.
const demoSeededKey = "demo_seeded"

// demoExtensions are the demo's desk phones.
var demoExtensions = []string{"1001", "1002", "1003", "1004"}

// seedDemo applies the embedded demo configuration at the first start of a
// data directory and prints the generated passwords once.
func seedDemo(ctx context.Context, st *store.Store, out io.Writer) error {
	if _, err := st.Setting(ctx, demoSeededKey); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	passwords := map[string]string{}
	for _, n := range demoExtensions {
		passwords[n] = randomPassword()
	}
	var buf bytes.Buffer
	tmpl := template.Must(template.New("demo").Parse(demoTemplate))
	if err := tmpl.Execute(&buf, map[string]any{"Passwords": passwords}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	f, err := config.Parse(buf.Bytes())
	if err != nil {
		return fmt.Errorf("demo: embedded configuration: %w", err)
	}
	if err := config.Apply(ctx, st, f); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// The demo's agents start logged in, so that a call to the demo flow
	// rings their phones at once.
	for _, a := range f.Agents {
		p := store.ACDPresence{Agent: a.Name, Presence: "available", Since: time.Now()}
		if err := st.PutACDPresence(ctx, p); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if err := st.Update(ctx, func(tx *store.Tx) error { return tx.PutSetting(ctx, demoSeededKey, "1") }); err != nil {
		return err
	}
	fmt.Fprintln(out, "Demo setup created. Register desk phones with these accounts (shown only once):")
	for _, n := range demoExtensions {
		fmt.Fprintf(out, "  extension %s  password %s\n", n, passwords[n])
	}
	fmt.Fprintln(out, "Call another extension, or 600 for the IVR: 1 queues you to the support team,")
	fmt.Fprintln(out, "whose agents alice..dave answer on 1001..1004 (*46 logs a phone's agent out, *45 in).")
	return nil
}

// randomPassword returns 16 random base32 characters (80 bits).
func randomPassword() string { return rand.Text()[:16] }
