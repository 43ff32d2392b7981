package config

import (
	"context"
	"fmt"
	"regexp"

	"github.com/switchboard-cc/switchboard/internal/credential"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Extension is one desk phone account of the `extensions:` section. Give
// either Password, or both hashes as exported by `config export`.
type Extension struct {
	Number    string `yaml:"number"`
	Name      string `yaml:"name,omitempty"`
	Password  string `yaml:"password,omitempty"`
	HA1MD5    string `yaml:"ha1_md5,omitempty"`
	HA1SHA256 string `yaml:"ha1_sha256,omitempty"`
	// Record records every call to and from the extension (stereo WAV,
	// caller left, callee right, named in the CDR), as a queue's record
	// does for its calls.
	Record bool `yaml:"record,omitempty"`
}

var (
	extensionRE = regexp.MustCompile(`^[0-9]{2,8}$`)
	md5HexRE    = regexp.MustCompile(`^[0-9a-f]{32}$`)
	sha256HexRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// MinPasswordLen is the shortest extension password accepted: desk phones
// face SIP scanners from day one.
const MinPasswordLen = 8

// ValidateExtensionNumber checks an extension number as the CLI and the
// file do.
func ValidateExtensionNumber(n string) error {
	if !extensionRE.MatchString(n) {
		return fmt.Errorf("must be 2 to 8 digits, got %q", n)
	}
	return nil
}

// ValidatePassword checks an extension password as the CLI and the file do.
func ValidatePassword(pw string) error {
	if len(pw) < MinPasswordLen {
		return fmt.Errorf("must be at least %d characters", MinPasswordLen)
	}
	return nil
}

func validateExtensions(v *Validator, exts []Extension) {
	seen := map[string]int{}
	for i, e := range exts {
		path := fmt.Sprintf("extensions[%d]", i)
		if err := ValidateExtensionNumber(e.Number); err != nil {
			v.Errorf(path+".number", "%v", err)
		} else if j, dup := seen[e.Number]; dup {
			v.Errorf(path+".number", "%s is already used by extensions[%d]", e.Number, j)
		}
		seen[e.Number] = i
		switch {
		case e.Password != "":
			if err := ValidatePassword(e.Password); err != nil {
				v.Errorf(path+".password", "%v", err)
			}
			if e.HA1MD5 != "" || e.HA1SHA256 != "" {
				v.Errorf(path+".password", "give either password or the ha1 hashes, not both")
			}
		case e.HA1MD5 != "" || e.HA1SHA256 != "":
			if !md5HexRE.MatchString(e.HA1MD5) {
				v.Errorf(path+".ha1_md5", "must be 32 lower-case hex digits")
			}
			if !sha256HexRE.MatchString(e.HA1SHA256) {
				v.Errorf(path+".ha1_sha256", "must be 64 lower-case hex digits")
			}
		default:
			v.Errorf(path+".password", "required")
		}
	}
}

// ExtensionFromPassword builds the stored form of an extension.
func ExtensionFromPassword(number, name, password, realm string) store.Extension {
	return store.Extension{
		Number:    number,
		Name:      name,
		HA1MD5:    credential.HA1MD5(number, realm, password),
		HA1SHA256: credential.HA1SHA256(number, realm, password),
		Realm:     realm,
	}
}

func applyExtensions(ctx context.Context, tx *store.Tx, realm string, exts []Extension) error {
	keep := map[string]bool{}
	for _, e := range exts {
		keep[e.Number] = true
		rec := store.Extension{Number: e.Number, Name: e.Name, HA1MD5: e.HA1MD5, HA1SHA256: e.HA1SHA256, Realm: realm}
		if e.Password != "" {
			rec = ExtensionFromPassword(e.Number, e.Name, e.Password, realm)
		}
		rec.Record = e.Record
		if err := tx.PutExtension(ctx, rec); err != nil {
			return err
		}
	}
	existing, err := tx.ExtensionNumbers(ctx)
	if err != nil {
		return err
	}
	for _, n := range existing {
		if !keep[n] {
			if err := tx.DeleteExtension(ctx, n); err != nil {
				return err
			}
		}
	}
	return nil
}

func exportExtensions(ctx context.Context, st *store.Store) ([]Extension, error) {
	exts, err := st.Extensions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Extension, 0, len(exts))
	for _, e := range exts {
		out = append(out, Extension{Number: e.Number, Name: e.Name, HA1MD5: e.HA1MD5, HA1SHA256: e.HA1SHA256, Record: e.Record})
	}
	return out, nil
}
