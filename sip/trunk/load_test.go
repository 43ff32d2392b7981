package trunk

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/sip/dialplan"
	"github.com/switchboard-cc/switchboard/sip/tollfraud"
)

func TestLoad(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.ReplaceTrunks(ctx, []store.Trunk{
			{Name: "provider", Type: TypeRegister, Host: "127.0.0.1:5070", Username: "u", Password: "p", DIDs: []string{"+33123456789"}, ExpirySeconds: 600},
			{Name: "uk", Type: TypePeer, Host: "192.0.2.10", CountryCode: "44"},
		}); err != nil {
			return err
		}
		if err := tx.ReplaceRoutes(ctx, store.Routes{
			Inbound:  []store.InboundRoute{{DID: "+442079460000", To: "queue:uk"}},
			Outbound: []store.OutboundRoute{{Pattern: "0[1-9]XXXXXXXX", Trunks: []string{"provider"}}, {Pattern: "00.", Trunks: []string{"provider"}}},
		}); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, config.KeyInternationalAllowlist, "+44,+4930"); err != nil {
			return err
		}
		return tx.ReplacePermissions(ctx, []store.Permission{{Extension: "1001", Class: "internal", MaxConcurrent: 1, InternationalMinutes: 5}})
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Trunks) != 2 || s.Trunks[0].Expiry != 10*time.Minute {
		t.Fatalf("trunks = %+v", s.Trunks)
	}
	if d, err := s.Plan.Inbound("uk", "02079460000"); err != nil || d.String() != "queue:uk" {
		t.Fatalf("inbound with the trunk's country: %v, %v", d, err)
	}
	if _, err := s.Plan.Outbound(s.Caller("1001", true), "0123456789"); err == nil {
		t.Fatal("internal extension allowed a national number")
	}
	p, err := s.Plan.Outbound(s.Caller("1002", true), "0123456789")
	if err != nil || p.Legs[0].CallerID != "+33123456789" {
		t.Fatalf("default class national, trunk caller ID from its first DID: %+v, %v", p, err)
	}
	if s.Caller("1002", true).Class != dialplan.ClassNational {
		t.Fatal("default class is not national")
	}
	if l := s.Fraud.PerExtension["1001"]; l.MaxConcurrent != 1 || l.InternationalPerDay != 5*time.Minute {
		t.Fatalf("limits = %+v", l)
	}

	// The allowlist reaches the guard: international calls to other
	// prefixes are refused, whatever the class.
	s.Fraud.Logger = quiet()
	guard := tollfraud.New(s.Fraud)
	for number, allowed := range map[string]bool{"+442079460000": true, "+4930123456": true, "+4940123456": false, "+12125550100": false} {
		call, err := guard.Admit("1002", number, true, false)
		if allowed != (err == nil) || !allowed && !errors.Is(err, tollfraud.ErrDestination) {
			t.Errorf("international call to %s: %v, want allowed %v", number, err, allowed)
		}
		if call != nil {
			call.End()
		}
	}

	StoreUsage(ctx, st, quiet())("1001", time.Now().Format(time.DateOnly), 90*time.Second)
	StoreUsage(ctx, st, quiet())("1001", time.Now().Format(time.DateOnly), 30*time.Second)
	if s, err = Load(ctx, st); err != nil || s.Fraud.Used["1001"] != 2*time.Minute {
		t.Fatalf("usage read back = %v, %v", s.Fraud.Used, err)
	}

	record := StoreStatus(ctx, st, quiet())
	record(Status{Trunk: "provider", State: StateFailing, Reason: "408 Request Timeout"})
	got, ok, err := st.TrunkStatus(ctx, "provider")
	if err != nil || !ok || got.State != StateFailing || got.Reason != "408 Request Timeout" {
		t.Fatalf("stored status = %+v, %v, %v", got, ok, err)
	}
}
