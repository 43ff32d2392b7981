package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// identityOf returns the identity kind/value of c, and whether c has it.
func identityOf(c CustomerRow, kind, value string) (IdentityRow, bool) {
	for _, id := range c.Identities {
		if id.Kind == kind && id.Value == value {
			return id, true
		}
	}
	return IdentityRow{}, false
}

// wantVerified fails t unless c has the identity kind/value verified as
// want says.
func wantVerified(t *testing.T, c CustomerRow, kind, value string, want bool) {
	t.Helper()
	id, ok := identityOf(c, kind, value)
	if !ok || id.Verified != want {
		t.Fatalf("customer %d %s %s: found %v, verified %v; want verified %v (%+v)", c.ID, kind, value, ok, id.Verified, want, c.Identities)
	}
}

// TestIdentityProvenance: an identity keeps where it came from; a typed one
// becomes verified when it arrives through a verified channel or is
// confirmed; a typed identity that joins two customers marks the link
// unverified; merge and split keep the flag; the timeline tells an entry
// that came through an unverified identity.
func TestIdentityProvenance(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	now := time.UnixMilli(1_700_000_000_000)
	mail := IdentityRow{Kind: "email", Value: "marie@example.com", Verified: true}
	owner, _, err := st.ResolveCustomer(ctx, mail, "Marie", now)
	if err != nil {
		t.Fatal(err)
	}
	wantVerified(t, owner, "email", mail.Value, true)
	if _, err := st.AddCustomerEntry(ctx, EntryRow{CustomerID: owner.ID, Channel: "email", Kind: "email", At: now, Ref: "mail:1", Identity: mail}); err != nil {
		t.Fatal(err)
	}

	t.Run("typed identity that matches links unverified", func(t *testing.T) {
		visitor, _, err := st.ResolveCustomer(ctx, IdentityRow{Kind: "chat", Value: "tok-1", Verified: true}, "M.", now)
		if err != nil {
			t.Fatal(err)
		}
		typed := mail
		typed.Verified = false
		c, err := st.LinkIdentity(ctx, visitor.ID, typed, now)
		if err != nil {
			t.Fatal(err)
		}
		if c.ID != owner.ID {
			t.Fatalf("linked to customer %d, want the older %d", c.ID, owner.ID)
		}
		wantVerified(t, c, "email", mail.Value, false)
		wantVerified(t, c, "chat", "tok-1", true)
		tl, err := st.CustomerTimeline(ctx, c.ID, 10)
		if err != nil || len(tl) != 1 || tl[0].Identity.Verified {
			t.Fatalf("timeline %+v, %v: want the email entry reached through the unverified address", tl, err)
		}
		// The same visitor typing it again changes nothing.
		if c, err = st.LinkIdentity(ctx, visitor.ID, typed, now); err != nil {
			t.Fatal(err)
		}
		wantVerified(t, c, "email", mail.Value, false)
	})

	t.Run("arrival through a verified channel confirms", func(t *testing.T) {
		c, created, err := st.ResolveCustomer(ctx, mail, "", now)
		if err != nil || created {
			t.Fatalf("resolve: created %v, %v", created, err)
		}
		wantVerified(t, c, "email", mail.Value, true)
		tl, err := st.CustomerTimeline(ctx, c.ID, 10)
		if err != nil || len(tl) != 1 || !tl[0].Identity.Verified {
			t.Fatalf("timeline %+v, %v: want the entry verified", tl, err)
		}
	})

	t.Run("typed new identity stays typed until verified", func(t *testing.T) {
		phone := IdentityRow{Kind: "phone", Value: "+33612345678"}
		c, err := st.LinkIdentity(ctx, owner.ID, phone, now)
		if err != nil {
			t.Fatal(err)
		}
		wantVerified(t, c, "phone", phone.Value, false)
		other := IdentityRow{Kind: "phone", Value: "+33700000000"}
		typed, _, err := st.ResolveCustomer(ctx, other, "Callback", now)
		if err != nil {
			t.Fatal(err)
		}
		wantVerified(t, typed, "phone", other.Value, false)
		if typed, _, err = st.ResolveCustomer(ctx, other, "", now); err != nil {
			t.Fatal(err)
		}
		wantVerified(t, typed, "phone", other.Value, false)
		phone.Verified = true
		if c, err = st.LinkIdentity(ctx, owner.ID, phone, now); err != nil {
			t.Fatal(err)
		}
		wantVerified(t, c, "phone", phone.Value, true)
	})

	t.Run("confirm by hand", func(t *testing.T) {
		web := IdentityRow{Kind: "email", Value: "web@example.com"}
		c, _, err := st.ResolveCustomer(ctx, web, "Web", now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.ConfirmIdentity(ctx, owner.ID, web); err == nil {
			t.Fatal("confirmed another customer's identity")
		}
		if c, err = st.ConfirmIdentity(ctx, c.ID, web); err != nil {
			t.Fatal(err)
		}
		wantVerified(t, c, "email", web.Value, true)
	})

	t.Run("merge and split keep the flag", func(t *testing.T) {
		a, _, err := st.ResolveCustomer(ctx, IdentityRow{Kind: "email", Value: "a@example.com"}, "A", now)
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := st.ResolveCustomer(ctx, IdentityRow{Kind: "chat", Value: "tok-b", Verified: true}, "B", now)
		if err != nil {
			t.Fatal(err)
		}
		m, err := st.MergeCustomers(ctx, a.ID, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantVerified(t, m, "email", "a@example.com", false)
		wantVerified(t, m, "chat", "tok-b", true)
		s, err := st.SplitCustomer(ctx, m.ID, []IdentityRow{{Kind: "email", Value: "a@example.com"}}, "A", now)
		if err != nil {
			t.Fatal(err)
		}
		wantVerified(t, s, "email", "a@example.com", false)
		rest, err := st.Customer(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantVerified(t, rest, "chat", "tok-b", true)
	})
}

// TestIdentitiesBeforeProvenanceStayVerified: identities recorded before
// migration 0501 came in before the distinction and migrate as verified.
func TestIdentitiesBeforeProvenanceStayVerified(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	for _, v := range applyRaw(t, db, func(v int) bool { return v < 501 }) {
		if _, err := db.Exec("INSERT INTO schema_migrations (version) VALUES (?)", v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO customers (id, name, created_at) VALUES (1, 'Old', 0);
		INSERT INTO customer_identities (kind, value, customer_id, added_at) VALUES ('email', 'old@example.com', 1, 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := OpenFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Customer(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantVerified(t, c, "email", "old@example.com", true)
}
