package config

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// Trunk is one entry of the `trunks:` section: a SIP trunk to a provider
// (type register) or a gateway or IP-authenticated provider (type peer).
type Trunk struct {
	Name          string   `yaml:"name"`
	Type          string   `yaml:"type"`
	Host          string   `yaml:"host"`
	Username      string   `yaml:"username,omitempty"`
	Password      string   `yaml:"password,omitempty"`
	Transport     string   `yaml:"transport,omitempty"`
	Codecs        []string `yaml:"codecs,omitempty"`
	DTMF          string   `yaml:"dtmf,omitempty"`
	OutboundProxy string   `yaml:"outbound_proxy,omitempty"`
	Country       *Country `yaml:"country,omitempty"`
	// CalledFrom is ruri (default), to, or a header name carrying the DID.
	CalledFrom string   `yaml:"called_from,omitempty"`
	Expiry     Duration `yaml:"expiry,omitempty"`
	DIDs       []string `yaml:"dids,omitempty"`
}

// Country is a trunk's numbering settings for E.164 normalisation.
type Country struct {
	Code                string `yaml:"code,omitempty"`
	NationalPrefix      string `yaml:"national_prefix,omitempty"`
	InternationalPrefix string `yaml:"international_prefix,omitempty"`
}

// Routes is the `routes:` section.
type Routes struct {
	Inbound  []InboundRoute  `yaml:"inbound,omitempty"`
	Outbound []OutboundRoute `yaml:"outbound,omitempty"`
	// Emergency replaces the default emergency numbers (112, 15, 17, 18).
	Emergency []string `yaml:"emergency,omitempty"`
	// InternationalAllowlist, when set, lists the E.164 prefixes
	// ("+44", "+4930") international calls may go to; the toll-fraud guard
	// refuses the others. Empty allows every destination the extension's
	// class allows.
	InternationalAllowlist []string `yaml:"international_allowlist,omitempty"`
}

// KeyInternationalAllowlist is the setting holding
// routes.international_allowlist, its prefixes joined by commas.
const KeyInternationalAllowlist = "international_allowlist"

// InboundRoute sends a DID to extension:N, queue:NAME, flow:NAME or
// hangup:MESSAGE.
type InboundRoute struct {
	DID   string `yaml:"did"`
	To    string `yaml:"to"`
	Trunk string `yaml:"trunk,omitempty"`
}

// OutboundRoute sends numbers matching Pattern through Trunk, or Trunks in
// failover order.
type OutboundRoute struct {
	Pattern   string   `yaml:"pattern"`
	Trunk     string   `yaml:"trunk,omitempty"`
	Trunks    []string `yaml:"trunks,omitempty"`
	Strip     int      `yaml:"strip,omitempty"`
	Prepend   string   `yaml:"prepend,omitempty"`
	Class     string   `yaml:"class,omitempty"`
	Emergency bool     `yaml:"emergency,omitempty"`
	CallerID  string   `yaml:"caller_id,omitempty"`
}

// Permission is one entry of the `permissions:` section: an extension's
// outbound class and toll-fraud limits (zero means the default).
type Permission struct {
	Extension string `yaml:"extension"`
	// Class is internal, local, national (default) or international.
	Class                string `yaml:"class,omitempty"`
	MaxConcurrent        int    `yaml:"max_concurrent,omitempty"`
	InternationalMinutes int    `yaml:"international_minutes,omitempty"`
	CallerID             string `yaml:"caller_id,omitempty"`
}

var (
	trunkNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	// patternRE is the PBX pattern syntax; sip/dialplan.ParsePattern is
	// the full check, run again when the server loads the plan.
	patternRE  = regexp.MustCompile(`^_?([0-9*#+XZNxzn]|\[[0-9-]+\])+\.?$`)
	e164RE     = regexp.MustCompile(`^\+[1-9][0-9]{0,14}$`)
	didRE      = regexp.MustCompile(`^\+[1-9]([0-9XZNxzn]|\[[0-9-]+\])*\.?$`)
	digitsRE   = regexp.MustCompile(`^[0-9]{0,4}$`)
	shortNumRE = regexp.MustCompile(`^[0-9]{2,15}$`)
	headerRE   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,63}$`)
	callerIDRE = regexp.MustCompile(`^\+?[0-9]{2,15}$`)
	classes    = map[string]bool{"": true, "internal": true, "local": true, "national": true, "international": true}
	destRE     = regexp.MustCompile(`^(extension|queue|flow):[^\s]+$|^hangup:`)
)

// ValidateTrunk checks one trunk as the CLI and the file do; path prefixes
// each error.
func ValidateTrunk(v *Validator, path string, t Trunk) {
	if !trunkNameRE.MatchString(t.Name) {
		v.Errorf(path+".name", "must be 1 to 63 lower-case letters, digits, - or _, got %q", t.Name)
	}
	switch t.Type {
	case "register":
		if t.Username == "" {
			v.Errorf(path+".username", "required for a register trunk")
		}
		if t.Password == "" {
			v.Errorf(path+".password", "required for a register trunk")
		}
	case "peer":
	default:
		v.Errorf(path+".type", "must be register or peer, got %q", t.Type)
	}
	if err := validHostPort(t.Host); err != nil {
		v.Errorf(path+".host", "%v", err)
	}
	if t.OutboundProxy != "" {
		if err := validHostPort(t.OutboundProxy); err != nil {
			v.Errorf(path+".outbound_proxy", "%v", err)
		}
	}
	if t.Transport != "" && t.Transport != "udp" && t.Transport != "tcp" {
		v.Errorf(path+".transport", "must be udp or tcp, got %q", t.Transport)
	}
	if t.DTMF != "" && t.DTMF != "rfc4733" && t.DTMF != "info" && t.DTMF != "inband" {
		v.Errorf(path+".dtmf", "must be rfc4733, info or inband, got %q", t.DTMF)
	}
	g711 := false
	for i, c := range t.Codecs {
		switch strings.ToUpper(c) {
		case "PCMA", "PCMU":
			g711 = true
		case "G722", "OPUS", "TELEPHONE-EVENT":
		default:
			v.Errorf(fmt.Sprintf("%s.codecs[%d]", path, i), "unknown codec %q (PCMA, PCMU, G722, opus)", c)
		}
	}
	if len(t.Codecs) > 0 && !g711 {
		v.Errorf(path+".codecs", "needs PCMA or PCMU, the codecs the media engine speaks")
	}
	if c := t.Country; c != nil {
		for _, f := range []struct{ name, val string }{{"code", c.Code}, {"national_prefix", c.NationalPrefix}, {"international_prefix", c.InternationalPrefix}} {
			if !digitsRE.MatchString(f.val) {
				v.Errorf(path+".country."+f.name, "must be up to 4 digits, got %q", f.val)
			}
		}
		if strings.HasPrefix(c.Code, "0") {
			v.Errorf(path+".country.code", "must not start with 0, got %q", c.Code)
		}
	}
	if t.CalledFrom != "" && t.CalledFrom != "ruri" && t.CalledFrom != "to" && !headerRE.MatchString(t.CalledFrom) {
		v.Errorf(path+".called_from", "must be ruri, to or a header name, got %q", t.CalledFrom)
	}
	if t.Expiry < 0 {
		v.Errorf(path+".expiry", "must not be negative")
	}
	for i, d := range t.DIDs {
		if !e164RE.MatchString(d) {
			v.Errorf(fmt.Sprintf("%s.dids[%d]", path, i), "must be E.164 like +33123456789, got %q", d)
		}
	}
}

func validHostPort(hp string) error {
	if hp == "" {
		return fmt.Errorf("required")
	}
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		if strings.Contains(err.Error(), "missing port") && !strings.ContainsAny(hp, " /@") {
			return nil
		}
		return fmt.Errorf("must be host or host:port, got %q", hp)
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 || host == "" {
		return fmt.Errorf("must be host or host:port, got %q", hp)
	}
	return nil
}

func validateTrunks(v *Validator, f *File) {
	seen := map[string]int{}
	for i, t := range f.Trunks {
		path := fmt.Sprintf("trunks[%d]", i)
		ValidateTrunk(v, path, t)
		if j, dup := seen[t.Name]; dup {
			v.Errorf(path+".name", "%s is already used by trunks[%d]", t.Name, j)
		}
		seen[t.Name] = i
	}
	known := func(name string) bool {
		if !f.Has("trunks") {
			return true // trunks kept from the store are checked at load
		}
		_, ok := seen[name]
		return ok
	}
	if f.Routes == nil {
		return
	}
	for i, r := range f.Routes.Inbound {
		path := fmt.Sprintf("routes.inbound[%d]", i)
		if !didRE.MatchString(r.DID) {
			v.Errorf(path+".did", "must be E.164 (+33123456789) or an E.164 pattern (+3312345678X), got %q", r.DID)
		}
		if !destRE.MatchString(r.To) {
			v.Errorf(path+".to", "must be extension:N, queue:NAME, flow:NAME or hangup:MESSAGE, got %q", r.To)
		}
		if r.Trunk != "" && !known(r.Trunk) {
			v.Errorf(path+".trunk", "no trunk named %q", r.Trunk)
		}
	}
	for i, r := range f.Routes.Outbound {
		path := fmt.Sprintf("routes.outbound[%d]", i)
		if !patternRE.MatchString(r.Pattern) || len(r.Pattern) > 64 {
			v.Errorf(path+".pattern", "must be a dial pattern (digits, X, Z, N, [1-5], final .), got %q", r.Pattern)
		}
		trunks := outboundTrunks(r)
		if len(trunks) == 0 {
			v.Errorf(path+".trunk", "give trunk or trunks")
		}
		if r.Trunk != "" && len(r.Trunks) > 0 {
			v.Errorf(path+".trunks", "give trunk or trunks, not both")
		}
		for _, t := range trunks {
			if !known(t) {
				v.Errorf(path+".trunk", "no trunk named %q", t)
			}
		}
		if r.Strip < 0 || r.Strip > len(r.Pattern) {
			v.Errorf(path+".strip", "must be 0 to the pattern's length")
		}
		if !classes[r.Class] {
			v.Errorf(path+".class", "must be internal, local, national or international, got %q", r.Class)
		}
		if r.CallerID != "" && !callerIDRE.MatchString(r.CallerID) {
			v.Errorf(path+".caller_id", "must be a phone number, got %q", r.CallerID)
		}
	}
	for i, n := range f.Routes.Emergency {
		if !shortNumRE.MatchString(n) {
			v.Errorf(fmt.Sprintf("routes.emergency[%d]", i), "must be 2 to 15 digits, got %q", n)
		}
	}
	for i, p := range f.Routes.InternationalAllowlist {
		if !e164RE.MatchString(p) {
			v.Errorf(fmt.Sprintf("routes.international_allowlist[%d]", i), "must be an E.164 prefix like +44, got %q", p)
		}
	}
}

func outboundTrunks(r OutboundRoute) []string {
	if r.Trunk != "" {
		return []string{r.Trunk}
	}
	return r.Trunks
}

func validatePermissions(v *Validator, ps []Permission) {
	seen := map[string]int{}
	for i, p := range ps {
		path := fmt.Sprintf("permissions[%d]", i)
		if err := ValidateExtensionNumber(p.Extension); err != nil {
			v.Errorf(path+".extension", "%v", err)
		} else if j, dup := seen[p.Extension]; dup {
			v.Errorf(path+".extension", "%s is already used by permissions[%d]", p.Extension, j)
		}
		seen[p.Extension] = i
		if !classes[p.Class] {
			v.Errorf(path+".class", "must be internal, local, national or international, got %q", p.Class)
		}
		if p.MaxConcurrent < 0 {
			v.Errorf(path+".max_concurrent", "must not be negative")
		}
		if p.InternationalMinutes < 0 {
			v.Errorf(path+".international_minutes", "must not be negative")
		}
		if p.CallerID != "" && !callerIDRE.MatchString(p.CallerID) {
			v.Errorf(path+".caller_id", "must be a phone number, got %q", p.CallerID)
		}
	}
}

// TrunkRecord converts a file trunk to its stored form.
func TrunkRecord(t Trunk) store.Trunk {
	rec := store.Trunk{Name: t.Name, Type: t.Type, Host: t.Host, Username: t.Username, Password: t.Password,
		Transport: t.Transport, Codecs: t.Codecs, DTMF: t.DTMF, OutboundProxy: t.OutboundProxy,
		CalledFrom: t.CalledFrom, ExpirySeconds: int(t.Expiry.Std().Seconds()), DIDs: t.DIDs}
	if t.Country != nil {
		rec.CountryCode, rec.NationalPrefix, rec.InternationalPrefix = t.Country.Code, t.Country.NationalPrefix, t.Country.InternationalPrefix
	}
	return rec
}

func applyTrunks(ctx context.Context, tx *store.Tx, f *File) error {
	if f.Has("trunks") {
		recs := make([]store.Trunk, 0, len(f.Trunks))
		for _, t := range f.Trunks {
			recs = append(recs, TrunkRecord(t))
		}
		if err := tx.ReplaceTrunks(ctx, recs); err != nil {
			return err
		}
	}
	if f.Has("routes") && f.Routes != nil {
		r := store.Routes{Emergency: f.Routes.Emergency}
		for _, in := range f.Routes.Inbound {
			r.Inbound = append(r.Inbound, store.InboundRoute(in))
		}
		for _, o := range f.Routes.Outbound {
			r.Outbound = append(r.Outbound, store.OutboundRoute{Pattern: o.Pattern, Strip: o.Strip, Prepend: o.Prepend,
				Trunks: outboundTrunks(o), Class: o.Class, Emergency: o.Emergency, CallerID: o.CallerID})
		}
		if err := tx.ReplaceRoutes(ctx, r); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, KeyInternationalAllowlist, strings.Join(f.Routes.InternationalAllowlist, ",")); err != nil {
			return err
		}
	}
	if f.Has("permissions") {
		ps := make([]store.Permission, 0, len(f.Permissions))
		for _, p := range f.Permissions {
			ps = append(ps, store.Permission(p))
		}
		if err := tx.ReplacePermissions(ctx, ps); err != nil {
			return err
		}
	}
	if f.Has("trunks") || f.Has("routes") || f.Has("permissions") {
		return tx.BumpConfigRev(ctx) // a running server reloads them
	}
	return nil
}

// TrunkFromRecord converts a stored trunk to its file form.
func TrunkFromRecord(r store.Trunk) Trunk {
	t := Trunk{Name: r.Name, Type: r.Type, Host: r.Host, Username: r.Username, Password: r.Password,
		Transport: r.Transport, Codecs: r.Codecs, DTMF: r.DTMF, OutboundProxy: r.OutboundProxy,
		CalledFrom: r.CalledFrom, Expiry: Duration(int64(r.ExpirySeconds) * 1e9), DIDs: r.DIDs}
	if r.CountryCode != "" || r.NationalPrefix != "" || r.InternationalPrefix != "" {
		t.Country = &Country{Code: r.CountryCode, NationalPrefix: r.NationalPrefix, InternationalPrefix: r.InternationalPrefix}
	}
	if len(t.Codecs) == 0 {
		t.Codecs = nil
	}
	if len(t.DIDs) == 0 {
		t.DIDs = nil
	}
	return t
}

func exportTrunks(ctx context.Context, st *store.Store, f *File) error {
	trs, err := st.Trunks(ctx)
	if err != nil {
		return err
	}
	for _, r := range trs {
		f.Trunks = append(f.Trunks, TrunkFromRecord(r))
	}
	r, err := st.Routes(ctx)
	if err != nil {
		return err
	}
	allow, err := InternationalAllowlist(ctx, st)
	if err != nil {
		return err
	}
	if len(r.Inbound)+len(r.Outbound)+len(r.Emergency)+len(allow) > 0 {
		f.Routes = &Routes{Emergency: r.Emergency, InternationalAllowlist: allow}
		for _, in := range r.Inbound {
			f.Routes.Inbound = append(f.Routes.Inbound, InboundRoute(in))
		}
		for _, o := range r.Outbound {
			out := OutboundRoute{Pattern: o.Pattern, Strip: o.Strip, Prepend: o.Prepend, Class: o.Class, Emergency: o.Emergency, CallerID: o.CallerID}
			if len(o.Trunks) == 1 {
				out.Trunk = o.Trunks[0]
			} else {
				out.Trunks = o.Trunks
			}
			f.Routes.Outbound = append(f.Routes.Outbound, out)
		}
	}
	ps, err := st.Permissions(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		f.Permissions = append(f.Permissions, Permission(p))
	}
	return nil
}

// InternationalAllowlist returns the stored routes.international_allowlist;
// nil allows every international destination.
func InternationalAllowlist(ctx context.Context, st *store.Store) ([]string, error) {
	v, err := st.Setting(ctx, KeyInternationalAllowlist)
	if errors.Is(err, store.ErrNotFound) || v == "" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return strings.Split(v, ","), nil
}
