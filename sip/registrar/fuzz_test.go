package registrar

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// FuzzApply drives the location service with REGISTER sequences decoded
// from the input, three bytes a contact: [contact, expires, cseq]; a
// contact byte ≥ 0xf0 sends Contact: * instead. After every request the
// bindings stay within bounds: unique contacts, at most MaxContacts, each
// expiring in (now, now+MaxExpires], and Lookup agrees with Apply.
func FuzzApply(f *testing.F) {
	f.Add([]byte{0, 60, 1, 1, 0, 2, 0, 0, 3})
	f.Add([]byte{0, 10, 1, 0, 255, 2, 0xf0, 0, 3})
	f.Add([]byte{1, 1, 1, 1, 1, 1, 2, 200, 9})
	f.Add([]byte{0, 120, 5, 0, 120, 5})
	now := time.Unix(1_800_000_000, 0)
	cfg := Config{MinExpires: time.Minute, MaxExpires: time.Hour, MaxContacts: 4, Now: func() time.Time { return now }}
	cfg.defaults()
	f.Fuzz(func(t *testing.T, ops []byte) {
		// In memory only: persistence is TestApply's concern.
		r := &Registrar{cfg: cfg, bindings: map[string][]Binding{}, dirty: map[string]bool{}}
		for i := 0; i+2 < len(ops) && i < 300; i += 3 {
			req := Request{AOR: "1001", CallID: fmt.Sprintf("c%d", ops[i]%2), CSeq: uint32(ops[i+2]), Expires: -1,
				Source: netip.MustParseAddrPort("127.0.0.1:5062"), Transport: "UDP"}
			if ops[i] >= 0xf0 {
				req.Wildcard, req.Expires = true, 0
			} else {
				req.Contacts = []Update{{Contact: fmt.Sprintf("sip:1001@10.0.0.%d", ops[i]%8), Expires: time.Duration(ops[i+1]) * 30 * time.Second}}
				if ops[i+1] == 255 {
					req.Contacts[0].Expires = -1
				}
				if ops[i+1]%7 == 3 {
					req.Contacts = append(req.Contacts, req.Contacts[0])
				}
			}
			bs, err := r.Apply(req)
			switch {
			case err == nil:
			case errors.Is(err, ErrIntervalTooBrief), errors.Is(err, ErrOutOfOrder), errors.Is(err, ErrTooManyContacts), errors.Is(err, ErrBadRequest):
				continue
			default:
				t.Fatalf("Apply: unexpected error %v", err)
			}
			if len(bs) > cfg.MaxContacts {
				t.Fatalf("%d bindings, MaxContacts %d", len(bs), cfg.MaxContacts)
			}
			seen := map[string]bool{}
			for _, b := range bs {
				if seen[b.Contact] {
					t.Fatalf("contact %s bound twice: %+v", b.Contact, bs)
				}
				seen[b.Contact] = true
				if !b.Expires.After(now) || b.Expires.After(now.Add(cfg.MaxExpires)) {
					t.Fatalf("binding expires at %s, outside (now, now+%s]", b.Expires.Sub(now), cfg.MaxExpires)
				}
			}
			if got := r.Lookup("1001"); len(got) != len(bs) && len(req.Contacts) > 0 {
				t.Fatalf("Lookup has %d bindings, Apply returned %d", len(got), len(bs))
			}
		}
	})
}
