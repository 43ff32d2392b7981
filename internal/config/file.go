package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// File is the declarative configuration file. Each section is owned by the
// subsystem it configures and lives in its own file of this package.
type File struct {
	Settings    *Settings    `yaml:"settings,omitempty"`
	Extensions  []Extension  `yaml:"extensions,omitempty"`
	Chat        []ChatWidget `yaml:"chat,omitempty"`
	Calendars   []Calendar   `yaml:"calendars,omitempty"`
	Flows       []Flow       `yaml:"flows,omitempty"`
	Mailboxes   []Mailbox    `yaml:"mailboxes,omitempty"`
	Trunks      []Trunk      `yaml:"trunks,omitempty"`
	Routes      *Routes      `yaml:"routes,omitempty"`
	Permissions []Permission `yaml:"permissions,omitempty"`
	Agents      []Agent      `yaml:"agents,omitempty"`
	Queues      []Queue      `yaml:"queues,omitempty"`

	// present records which top-level sections the parsed file had.
	present map[string]bool
}

// Has reports whether the parsed file contained the top-level section name.
func (f *File) Has(name string) bool { return f.present[name] }

// Parse decodes and validates a configuration file. Every problem is
// reported, each with its field path and line, as an ErrorList.
func Parse(data []byte) (*File, error) { return ParseWith(data, Known{}) }

// ParseWith is Parse that also checks the names the file takes from
// outside it (prompts, music) against known, and gives back the secrets of
// known.Stored that placeholders keep (Restore).
func ParseWith(data []byte, known Known) (*File, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	f := &File{present: map[string]bool{}}
	v := &Validator{root: &root, known: known}
	if len(root.Content) == 0 {
		return f, nil // an empty file changes nothing
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		v.Errorf("(top)", "the file must be a mapping of sections (settings:, extensions:, …)")
		return nil, v.Err()
	}
	fields := yamlFields(reflect.TypeOf(*f))
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key := doc.Content[i]
		if _, ok := fields[key.Value]; !ok {
			v.errs = append(v.errs, &FieldError{Path: key.Value, Line: key.Line, Msg: "unknown section" + suggestion(key.Value, fields)})
			continue
		}
		if f.present[key.Value] {
			v.errs = append(v.errs, &FieldError{Path: key.Value, Line: key.Line, Msg: "section given twice"})
		}
		f.present[key.Value] = true
	}
	v.checkKnownFields(doc, reflect.TypeOf(*f), "")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := doc.Decode(f); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, msg := range te.Errors {
				v.errs = append(v.errs, typeError(msg))
			}
			return nil, v.Err()
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	if known.Stored != nil {
		restore(known.Stored, f)
	}
	f.validate(v)
	return f, v.Err()
}

// typeError turns yaml.v3's "line N: cannot unmarshal …" into a FieldError.
func typeError(msg string) *FieldError {
	var line int
	rest := msg
	if _, err := fmt.Sscanf(msg, "line %d:", &line); err == nil {
		if _, after, ok := strings.Cut(msg, ": "); ok {
			rest = after
		}
	}
	return &FieldError{Path: "(value)", Line: line, Msg: rest}
}

// validate checks every section of the file.
func (f *File) validate(v *Validator) {
	if f.Settings != nil {
		f.Settings.validate(v, "settings")
	}
	validateExtensions(v, f.Extensions)
	validateChat(v, f.Chat)
	validateIVR(v, f)
	validateMailboxes(v, f.Mailboxes)
	validateTrunks(v, f)
	validatePermissions(v, f.Permissions)
	validateACD(v, f)
	validatePrompts(v, f)
	validateSecrets(v, f)
}

// ParseReader reads and parses a whole file.
func ParseReader(r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("config: read: %w", err)
	}
	return Parse(data)
}

// Apply writes every section present in f to the store in one transaction:
// either all of it is applied or none.
func Apply(ctx context.Context, st *store.Store, f *File) error {
	return st.Update(ctx, func(tx *store.Tx) error {
		realm, err := applySettings(ctx, tx, f)
		if err != nil {
			return err
		}
		if f.Has("extensions") {
			if err := applyExtensions(ctx, tx, realm, f.Extensions); err != nil {
				return err
			}
		}
		if f.Has("chat") {
			if err := applyChat(ctx, tx, f.Chat); err != nil {
				return err
			}
		}
		if err := applyIVR(ctx, tx, f); err != nil {
			return err
		}
		if f.Has("mailboxes") {
			if err := applyMailboxes(ctx, tx, f.Mailboxes); err != nil {
				return err
			}
		}
		if err := applyTrunks(ctx, tx, f); err != nil {
			return err
		}
		return applyACD(ctx, tx, f)
	})
}

// Export reads the whole configuration from the store as a File.
func Export(ctx context.Context, st *store.Store) (*File, error) {
	f := &File{}
	var err error
	if f.Settings, err = exportSettings(ctx, st); err != nil {
		return nil, err
	}
	if f.Extensions, err = exportExtensions(ctx, st); err != nil {
		return nil, err
	}
	if f.Chat, err = exportChat(ctx, st); err != nil {
		return nil, err
	}
	if err := exportIVR(ctx, st, f); err != nil {
		return nil, err
	}
	if f.Mailboxes, err = exportMailboxes(ctx, st); err != nil {
		return nil, err
	}
	if err := exportTrunks(ctx, st, f); err != nil {
		return nil, err
	}
	if err := exportACD(ctx, st, f); err != nil {
		return nil, err
	}
	return f, nil
}

// Marshal renders f as YAML.
func (f *File) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	return buf.Bytes(), enc.Close()
}
