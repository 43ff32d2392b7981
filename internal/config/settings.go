package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// DefaultRealm is the SIP digest realm when none is configured.
const DefaultRealm = "switchboard.local"

// Settings is the `settings:` section: appliance-wide business settings.
type Settings struct {
	// Realm is the SIP digest realm; extension passwords are hashed for it,
	// so it can only change while every extension is given a password.
	Realm string `yaml:"realm,omitempty"`
	// Timezone is the IANA zone for business hours and reports.
	Timezone string `yaml:"timezone,omitempty"`
	// Country is the ISO 3166 country used to normalise local numbers to E.164.
	Country string `yaml:"country,omitempty"`
	// Language is the language of the voice prompts and queue
	// announcements (en or fr, or one with uploaded prompts) for calls
	// whose flow sets none; default DefaultLanguage.
	Language string `yaml:"language,omitempty"`
	// ChannelSizes are the capacity units an item of each channel takes out
	// of an agent's capacity (defaults voice 100, chat 25, email 10,
	// callback 100); applied when the server starts.
	ChannelSizes map[string]int `yaml:"channel_sizes,omitempty"`
}

var (
	realmRE   = regexp.MustCompile(`^[A-Za-z0-9.-]{1,64}$`)
	countryRE = regexp.MustCompile(`^[A-Z]{2}$`)
)

func (s *Settings) validate(v *Validator, path string) {
	if s.Realm != "" && !realmRE.MatchString(s.Realm) {
		v.Errorf(path+".realm", "must be a host-like name of letters, digits, dots and dashes")
	}
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			v.Errorf(path+".timezone", "unknown time zone %q", s.Timezone)
		}
	}
	if s.Country != "" && !countryRE.MatchString(s.Country) {
		v.Errorf(path+".country", "must be a two-letter upper-case country code such as FR")
	}
	for _, c := range slices.Sorted(maps.Keys(s.ChannelSizes)) {
		if !slices.Contains(Channels, c) {
			v.Errorf(path+".channel_sizes."+c, "unknown channel (one of %s)", strings.Join(Channels, ", "))
		} else if n := s.ChannelSizes[c]; n < 1 || n > 10000 {
			v.Errorf(path+".channel_sizes."+c, "must be 1 to 10000 units, got %d", n)
		}
	}
}

// Setting keys in the store.
const (
	KeyRealm    = "realm"
	KeyTimezone = "timezone"
	KeyCountry  = "country"
	KeyLanguage = "language"
	// KeyChannelSizes holds settings.channel_sizes as JSON.
	KeyChannelSizes = "channel_sizes"
)

// applySettings stores the settings section and returns the realm in force.
func applySettings(ctx context.Context, tx *store.Tx, f *File) (string, error) {
	realm, err := tx.SettingIfAbsent(ctx, KeyRealm, DefaultRealm)
	if err != nil {
		return "", err
	}
	s := f.Settings
	if s == nil {
		return realm, nil
	}
	if s.Realm != "" && s.Realm != realm {
		if err := checkRealmChange(f); err != nil {
			return "", err
		}
		if err := tx.PutSetting(ctx, KeyRealm, s.Realm); err != nil {
			return "", err
		}
		realm = s.Realm
	}
	if s.ChannelSizes != nil {
		b, err := json.Marshal(s.ChannelSizes)
		if err != nil {
			return "", fmt.Errorf("config: settings.channel_sizes: %w", err)
		}
		if err := tx.PutSetting(ctx, KeyChannelSizes, string(b)); err != nil {
			return "", err
		}
	}
	for key, val := range map[string]string{KeyTimezone: s.Timezone, KeyCountry: s.Country, KeyLanguage: s.Language} {
		if val == "" {
			continue
		}
		if err := tx.PutSetting(ctx, key, val); err != nil {
			return "", err
		}
	}
	return realm, nil
}

// checkRealmChange allows a realm change only when the same file sets every
// extension's password, since stored HA1 hashes are bound to the realm.
func checkRealmChange(f *File) error {
	if !f.Has("extensions") {
		return &FieldError{Path: "settings.realm", Msg: "changing the realm needs the extensions section with every password in the same file"}
	}
	for i, e := range f.Extensions {
		if e.Password == "" {
			return &FieldError{Path: fmt.Sprintf("extensions[%d].password", i), Msg: "needed: the realm changes and stored hashes are bound to the old realm"}
		}
	}
	return nil
}

func exportSettings(ctx context.Context, st *store.Store) (*Settings, error) {
	all, err := st.Settings(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	s := &Settings{Realm: all[KeyRealm], Timezone: all[KeyTimezone], Country: all[KeyCountry], Language: all[KeyLanguage]}
	if raw := all[KeyChannelSizes]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &s.ChannelSizes); err != nil {
			return nil, fmt.Errorf("config: stored channel sizes: %w", err)
		}
	}
	if s.Realm == "" {
		s.Realm = DefaultRealm
	}
	if s.Language == "" {
		s.Language = DefaultLanguage
	}
	return s, nil
}

// StoredLanguage returns the settings language stored in st, or
// DefaultLanguage when none is.
func StoredLanguage(ctx context.Context, st *store.Store) (string, error) {
	lang, err := st.Setting(ctx, KeyLanguage)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && lang == ""):
		return DefaultLanguage, nil
	case err != nil:
		return "", fmt.Errorf("config: settings.language: %w", err)
	}
	return lang, nil
}
