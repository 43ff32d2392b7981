package webui

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// bodyError is a request body that does not decode, with the path of the
// field at fault (e.g. "ring_timeout", "[1].class"), empty when the body as
// a whole is.
type bodyError struct {
	path string
	err  error
}

func (e *bodyError) Error() string {
	if e.path == "" {
		return e.err.Error()
	}
	return e.path + ": " + e.err.Error()
}

func (e *bodyError) Unwrap() error { return e.err }

// errTrailing refuses a body with more after its value ("{} {}").
var errTrailing = errors.New("trailing data after the body's value")

// decodeYAML decodes one YAML (or JSON) value from body into v, refusing
// unknown fields and trailing data; a value that does not fit v's type is
// a *bodyError naming the field at fault.
func decodeYAML(body []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(body))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		var doc yaml.Node
		if yaml.Unmarshal(body, &doc) != nil {
			return &bodyError{err: err}
		}
		return &bodyError{path: faultPath(&doc, reflect.TypeOf(v)), err: err}
	}
	if err := dec.Decode(&yaml.Node{}); !errors.Is(err, io.EOF) {
		return &bodyError{err: errTrailing}
	}
	return nil
}

// decodeNode decodes n into v refusing unknown fields (yaml.Node.Decode
// alone accepts them), by encoding n again for a strict decoder.
func decodeNode(n *yaml.Node, v any) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// faultPath returns the path, below n, of the first value that does not
// decode into its place in t, or "" when n itself is at fault.
func faultPath(n *yaml.Node, t reflect.Type) string {
	for n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.SequenceNode && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for i, item := range n.Content {
			if decodeNode(item, reflect.New(t.Elem()).Interface()) != nil {
				return joinPath(fmt.Sprintf("[%d]", i), faultPath(item, t.Elem()))
			}
		}
	case n.Kind == yaml.MappingNode && (t.Kind() == reflect.Struct || t.Kind() == reflect.Map):
		for i := 0; i+1 < len(n.Content); i += 2 {
			pair := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: n.Content[i : i+2]}
			if decodeNode(pair, reflect.New(t).Interface()) == nil {
				continue
			}
			key := n.Content[i].Value
			if ft, ok := keyType(t, key); ok {
				return joinPath(key, faultPath(n.Content[i+1], ft))
			}
			return key
		}
	}
	return ""
}

// keyType is the type of the value under key in a map or in a struct with
// yaml tags (inline structs included).
func keyType(t reflect.Type, key string) (reflect.Type, bool) {
	switch t.Kind() {
	case reflect.Map:
		return t.Elem(), true
	case reflect.Struct:
	default:
		return nil, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if ft := f.Type; strings.Contains(opts, "inline") {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft, ok := keyType(ft, key); ok {
				return ft, true
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if name == key && f.IsExported() {
			return f.Type, true
		}
	}
	return nil, false
}

// joinPath appends a field path below a key or index.
func joinPath(at, below string) string {
	switch {
	case below == "":
		return at
	case strings.HasPrefix(below, "["):
		return at + below
	default:
		return at + "." + below
	}
}
