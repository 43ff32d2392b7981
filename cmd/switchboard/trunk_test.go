package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

func TestTrunkCommands(t *testing.T) {
	data := t.TempDir()
	if out, err := run(t, "--data", data, "trunk", "add", "provider", "--type", "register", "--host", "127.0.0.1:5070",
		"--username", "u", "--password", "p", "--did", "+33123456789", "--expiry", "10m"); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	if out, err := run(t, "--data", data, "trunk", "add", "gw", "--type", "peer", "--host", "192.0.2.10", "--dtmf", "inband"); err != nil {
		t.Fatalf("add peer: %v\n%s", err, out)
	}
	if _, err := run(t, "--data", data, "trunk", "add", "bad", "--type", "register", "--host", "h"); err == nil || !strings.Contains(err.Error(), "trunk.username") {
		t.Fatalf("register without credentials: err = %v", err)
	}
	out, err := run(t, "--data", data, "trunk", "list")
	if err != nil || !strings.Contains(out, "provider") || !strings.Contains(out, "+33123456789") || !strings.Contains(out, "inband") || strings.Contains(out, "bad") {
		t.Fatalf("list: %v\n%s", err, out)
	}

	out, err = run(t, "--data", data, "trunk", "status")
	if err != nil || !strings.Contains(out, "unknown") || !strings.Contains(out, "peer") {
		t.Fatalf("status before any report: %v\n%s", err, out)
	}
	st, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	err = st.PutTrunkStatus(context.Background(), store.TrunkStatus{Name: "provider", State: "failing", Reason: "403 Account Suspended", Updated: time.Now()})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "--data", data, "trunk", "status", "provider")
	if err != nil || !strings.Contains(out, "failing") || !strings.Contains(out, "403 Account Suspended") {
		t.Fatalf("status: %v\n%s", err, out)
	}

	if out, err := run(t, "--data", data, "trunk", "remove", "provider"); err != nil {
		t.Fatalf("remove: %v\n%s", err, out)
	}
	if _, err := run(t, "--data", data, "trunk", "remove", "provider"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("remove twice: err = %v", err)
	}
	if _, err := run(t, "--data", data, "trunk", "status", "provider"); err == nil {
		t.Fatal("status of a removed trunk succeeded")
	}
}
