package config

import (
	"fmt"
	"net/url"
	"slices"
)

// Placeholder stands for a secret in a redacted configuration (Redact):
// the panel's YAML editor and GET /api/v1/config show it instead of
// extension passwords and hashes, trunk passwords and the passwords of
// mailbox URLs. Written back in the same place of the same object (same
// extension number, trunk or mailbox name) it keeps the stored secret
// (Restore); anywhere else it is an error. Letters and underscores only,
// it reads the same in YAML and in a URL's user part.
const Placeholder = "__hidden__"

// Redact returns a copy of f whose secrets are Placeholder: an extension's
// password or HA1 hashes become password: Placeholder (the hashes are as
// good as the password to a digest client), a trunk's password and a
// mailbox URL's password become Placeholder. A secret not set stays unset,
// so that nothing tells which secrets are set but the placeholder itself,
// and nothing tells their length. f is not changed.
func Redact(f *File) *File {
	out := *f
	out.Extensions = slices.Clone(f.Extensions)
	for i := range out.Extensions {
		e := &out.Extensions[i]
		if e.Password != "" || e.HA1MD5 != "" || e.HA1SHA256 != "" {
			e.Password, e.HA1MD5, e.HA1SHA256 = Placeholder, "", ""
		}
	}
	out.Trunks = slices.Clone(f.Trunks)
	for i := range out.Trunks {
		if out.Trunks[i].Password != "" {
			out.Trunks[i].Password = Placeholder
		}
	}
	out.Mailboxes = slices.Clone(f.Mailboxes)
	for i := range out.Mailboxes {
		m := &out.Mailboxes[i]
		m.IMAP, m.SMTP = redactMailURL(m.IMAP), redactMailURL(m.SMTP)
	}
	return &out
}

// Restore gives back to next the secrets prev holds wherever next has
// Placeholder (see Redact): an extension's from the extension of prev with
// the same number, a trunk's from the trunk with the same name, a mailbox
// URL's password from the same URL (imap or smtp) of the mailbox with the
// same name, for the same user. prev is the configuration in force
// (Export); nil holds no secret. It returns an ErrorList naming each
// placeholder left, for which prev has no secret (a new extension, a
// renamed trunk…).
//
// ParseWith restores from Known.Stored before it validates, so that errors
// carry their lines; without Known.Stored every placeholder is an error.
func Restore(prev, next *File) error {
	restore(prev, next)
	v := &Validator{known: Known{Stored: prev}}
	validateSecrets(v, next)
	return v.Err()
}

// restore replaces in next each placeholder prev has a secret for.
func restore(prev, next *File) {
	if prev == nil {
		prev = &File{}
	}
	for i := range next.Extensions {
		e := &next.Extensions[i]
		if e.Password != Placeholder || e.HA1MD5 != "" || e.HA1SHA256 != "" {
			continue
		}
		j := slices.IndexFunc(prev.Extensions, func(p Extension) bool { return p.Number == e.Number })
		if j < 0 {
			continue
		}
		p := prev.Extensions[j]
		if p.Password != "" || (p.HA1MD5 != "" && p.HA1SHA256 != "") {
			e.Password, e.HA1MD5, e.HA1SHA256 = p.Password, p.HA1MD5, p.HA1SHA256
		}
	}
	for i := range next.Trunks {
		t := &next.Trunks[i]
		if t.Password != Placeholder {
			continue
		}
		if j := slices.IndexFunc(prev.Trunks, func(p Trunk) bool { return p.Name == t.Name }); j >= 0 && prev.Trunks[j].Password != "" {
			t.Password = prev.Trunks[j].Password
		}
	}
	for i := range next.Mailboxes {
		m := &next.Mailboxes[i]
		j := slices.IndexFunc(prev.Mailboxes, func(p Mailbox) bool { return p.Name == m.Name })
		if j < 0 {
			continue
		}
		m.IMAP = restoreMailURL(m.IMAP, prev.Mailboxes[j].IMAP)
		m.SMTP = restoreMailURL(m.SMTP, prev.Mailboxes[j].SMTP)
	}
}

// validateSecrets reports every placeholder of f: those Restore could not
// replace, or all of them when the file is not read against the stored
// configuration (Known.Stored nil, as `config import` reads it).
func validateSecrets(v *Validator, f *File) {
	report := func(path, owner string) {
		if v.known.Stored == nil {
			v.Errorf(path, "%s stands for a secret the panel and API hide: give the secret itself, or import a full `switchboard config export`", Placeholder)
			return
		}
		v.Errorf(path, "%s keeps the stored secret of %s, and none is stored: give the secret itself", Placeholder, owner)
	}
	for i, e := range f.Extensions {
		if e.Password == Placeholder {
			report(fmt.Sprintf("extensions[%d].password", i), fmt.Sprintf("extension %q", e.Number))
		}
	}
	for i, t := range f.Trunks {
		if t.Password == Placeholder {
			report(fmt.Sprintf("trunks[%d].password", i), fmt.Sprintf("trunk %q", t.Name))
		}
	}
	for i, m := range f.Mailboxes {
		if hasPlaceholder(m.IMAP) {
			report(fmt.Sprintf("mailboxes[%d].imap", i), fmt.Sprintf("mailbox %q's imap URL for the same user", m.Name))
		}
		if hasPlaceholder(m.SMTP) {
			report(fmt.Sprintf("mailboxes[%d].smtp", i), fmt.Sprintf("mailbox %q's smtp URL for the same user", m.Name))
		}
	}
}

// redactMailURL replaces the password of a mail server URL by Placeholder;
// a URL that does not parse (it could hold a password anywhere) becomes
// Placeholder whole.
func redactMailURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Placeholder
	}
	if _, set := u.User.Password(); !set {
		return raw
	}
	u.User = url.UserPassword(u.User.Username(), Placeholder)
	return u.String()
}

// restoreMailURL gives next, a mail server URL whose password may be
// Placeholder, the password of prev, the stored URL, if both name the same
// user (as the mailbox page keeps a password). When next is prev redacted,
// it is prev exactly, so that an unchanged file changes nothing.
func restoreMailURL(next, prev string) string {
	if prev == "" || !hasPlaceholder(next) {
		return next
	}
	if next == Placeholder || next == redactMailURL(prev) {
		return prev
	}
	p, err := url.Parse(prev)
	if err != nil {
		return next
	}
	u, _ := url.Parse(next) // hasPlaceholder parsed it
	pw, set := p.User.Password()
	if !set || p.User.Username() != u.User.Username() {
		return next // another user's password is not this one's
	}
	u.User = url.UserPassword(u.User.Username(), pw)
	return u.String()
}

// hasPlaceholder reports whether a mail server URL is Placeholder or has it
// as its password.
func hasPlaceholder(raw string) bool {
	if raw == Placeholder {
		return true
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	pw, _ := u.User.Password()
	return pw == Placeholder
}
