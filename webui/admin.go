package webui

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// extensionView is an extension as the panel shows it: never its hashes.
type extensionView struct {
	Number     string        `json:"number"`
	Name       string        `json:"name"`
	Registered bool          `json:"registered"`
	Contacts   []contactView `json:"contacts"`
	Record     bool          `json:"record"`
}

type contactView struct {
	Contact   string    `json:"contact"`
	Source    string    `json:"source"`
	UserAgent string    `json:"user_agent"`
	ExpiresAt time.Time `json:"expires_at"`
}

// extensions lists every extension with its live registrations.
func (s *Server) extensions(ctx context.Context) ([]extensionView, error) {
	exts, err := s.st.Extensions(ctx)
	if err != nil {
		return nil, err
	}
	regs, err := s.st.Registrations(ctx, time.Now())
	if err != nil {
		return nil, err
	}
	byAOR := map[string][]contactView{}
	for _, r := range regs {
		byAOR[r.AOR] = append(byAOR[r.AOR], contactView{Contact: r.Contact, Source: r.Source, UserAgent: r.UserAgent, ExpiresAt: r.ExpiresAt})
	}
	out := make([]extensionView, 0, len(exts))
	for _, e := range exts {
		cs := byAOR[e.Number]
		out = append(out, extensionView{Number: e.Number, Name: e.Name, Registered: len(cs) > 0, Contacts: cs, Record: e.Record})
	}
	return out, nil
}

// extensionInput is a new or changed extension from a form or the API.
type extensionInput struct {
	Number   string `json:"number"`
	Name     string `json:"name"`
	Password string `json:"password"`
	// Record records every call to and from the extension.
	Record bool `json:"record"`
}

// putExtension validates and stores an extension; validation problems come
// back as a config.ErrorList naming the field.
func (s *Server) putExtension(ctx context.Context, in extensionInput) error {
	var list config.ErrorList
	if err := config.ValidateExtensionNumber(in.Number); err != nil {
		list = append(list, &config.FieldError{Path: "number", Msg: err.Error()})
	}
	if err := config.ValidatePassword(in.Password); err != nil {
		list = append(list, &config.FieldError{Path: "password", Msg: err.Error()})
	}
	if len(in.Name) > 64 {
		list = append(list, &config.FieldError{Path: "name", Msg: "at most 64 characters"})
	}
	if len(list) > 0 {
		return list
	}
	return s.st.Update(ctx, func(tx *store.Tx) error {
		realm, err := tx.SettingIfAbsent(ctx, config.KeyRealm, config.DefaultRealm)
		if err != nil {
			return err
		}
		e := config.ExtensionFromPassword(in.Number, in.Name, in.Password, realm)
		e.Record = in.Record
		return tx.PutExtension(ctx, e)
	})
}

func (s *Server) deleteExtension(ctx context.Context, number string) error {
	return s.st.Update(ctx, func(tx *store.Tx) error { return tx.DeleteExtension(ctx, number) })
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// fieldErrors turns a configuration error into field errors with lines;
// nil for any other error.
func fieldErrors(err error) []fieldError {
	var list config.ErrorList
	if errors.As(err, &list) {
		out := make([]fieldError, 0, len(list))
		for _, fe := range list {
			out = append(out, toFieldError(fe))
		}
		return out
	}
	var fe *config.FieldError
	if errors.As(err, &fe) {
		return []fieldError{toFieldError(fe)}
	}
	return nil
}

// toFieldError copies a config error; an empty path (an empty YAML key)
// is shown as "(top)" so the editor always has something to point at.
func toFieldError(fe *config.FieldError) fieldError {
	out := fieldError{Path: fe.Path, Line: fe.Line, Msg: fe.Msg}
	if out.Path == "" {
		out.Path = "(top)"
	}
	return out
}

// parseConfig parses a YAML file, checking the names it takes from
// outside against known (see parseKnownConfig); a syntax error is
// reported as a field error at the line the YAML decoder names.
func parseConfig(data []byte, known config.Known) (*config.File, []fieldError) {
	f, err := config.ParseWith(data, known)
	if err == nil {
		return f, nil
	}
	if fes := fieldErrors(err); fes != nil {
		return nil, fes
	}
	fe := fieldError{Path: "(file)", Msg: err.Error()}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		fe.Line, _ = strconv.Atoi(m[1])
	}
	return nil, []fieldError{fe}
}

// exportConfig renders the whole stored configuration as YAML, each
// secret shown as config.Placeholder (config.Redact): the panel and the
// API never show a secret back, and parseKnownConfig turns the
// placeholders into the stored secrets again.
func (s *Server) exportConfig(ctx context.Context) ([]byte, error) {
	f, err := config.Export(ctx, s.st)
	if err != nil {
		return nil, fmt.Errorf("webui: export: %w", err)
	}
	b, err := config.Redact(f).Marshal()
	if err != nil {
		return nil, fmt.Errorf("webui: export: %w", err)
	}
	return b, nil
}
