package config

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

func TestMailboxesSectionErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"bad scheme", "mailboxes:\n  - {name: support, imap: \"pop3://u:p@h\", queue: q}\n", "mailboxes[0].imap (line 2): must be imaps://"},
		{"no user", "mailboxes:\n  - {name: support, imap: \"imaps://mail.example.com\", queue: q}\n", "mailboxes[0].imap (line 2): a user is required"},
		{"password hidden", "mailboxes:\n  - {name: support, imap: \"pop3://u:hunter2@h\", queue: q}\n", "u:xxxxx@h"},
		{"smtp without from", "mailboxes:\n  - {name: support, imap: \"imaps://u:p@h\", smtp: \"smtps://u:p@h\", queue: q}\n", "mailboxes[0].from (line 2): an address is required"},
		{"no queue", "mailboxes:\n  - {name: support, imap: \"imaps://u:p@h\"}\n", "mailboxes[0].queue (line 2): required"},
		{"poll too short", "mailboxes:\n  - {name: support, imap: \"imaps://u:p@h\", queue: q, poll_interval: 10ms}\n", "mailboxes[0].poll_interval (line 2): must be at least 1s"},
		{"duplicate", "mailboxes:\n  - {name: s, imap: \"imaps://u:p@h\", queue: q}\n  - {name: s, imap: \"imaps://u:p@h\", queue: q}\n", "mailboxes[1].name (line 3): s is already used"},
		{"unknown field", "mailboxes:\n  - {name: s, imap: \"imaps://u:p@h\", queue: q, acknowledgee: true}\n", "mailboxes[0].acknowledgee (line 2): unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v; want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}

func TestMailboxesSectionRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := Parse([]byte(`mailboxes:
  - name: support
    imap: "imaps://support:s3cret@mail.example.com"
    smtp: "smtp://support:s3cret@mail.example.com:587"
    queue: support
    from: support@example.com
    acknowledge: true
    poll_interval: 30s
`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Mailboxes[0].Poll.Std() != 30*time.Second {
		t.Fatalf("poll %v", f.Mailboxes[0].Poll)
	}
	if err := Apply(ctx, st, f); err != nil {
		t.Fatal(err)
	}
	out, err := Export(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out.Mailboxes, f.Mailboxes) {
		t.Fatalf("export = %+v; want %+v", out.Mailboxes, f.Mailboxes)
	}
}
