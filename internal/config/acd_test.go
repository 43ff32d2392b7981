package config

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
)

func TestQueueReferences(t *testing.T) {
	const queues = "queues:\n  - {name: support}\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"chat", queues + "chat:\n  - {name: w, queue: sales, origins: [\"https://a.example\"]}\n", `chat[0].queue (line 4): no queue named "sales" in the queues section`},
		{"mailbox", queues + "mailboxes:\n  - {name: m, imap: \"imaps://u:p@mail.example.com\", queue: billing, from: s@example.com}\n", `mailboxes[0].queue (line 4): no queue named "billing"`},
		{"flow", queues + "flows:\n  - name: main\n    start: q\n    nodes:\n      q: {type: queue, queue: sales}\n", `flows[0].nodes.q.queue (line 7): no queue named "sales"`},
		{"defined", queues + "chat:\n  - {name: w, queue: support, origins: [\"https://a.example\"]}\n", ""},
		{"no queues section", "chat:\n  - {name: w, queue: sales, origins: [\"https://a.example\"]}\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse = %v; want no error", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v; want %q", err, tc.want)
			}
		})
	}
}

func TestChannelSizesSetting(t *testing.T) {
	_, err := Parse([]byte("settings:\n  channel_sizes: {chat: 0, fax: 10}\n"))
	if err == nil || !strings.Contains(err.Error(), "settings.channel_sizes.chat") || !strings.Contains(err.Error(), "settings.channel_sizes.fax") {
		t.Fatalf("bad sizes: %v", err)
	}
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := Parse([]byte("settings:\n  channel_sizes: {chat: 20, email: 5}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(context.Background(), st, f); err != nil {
		t.Fatal(err)
	}
	out, err := Export(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if out.Settings.ChannelSizes["chat"] != 20 || out.Settings.ChannelSizes["email"] != 5 {
		t.Errorf("exported sizes %v", out.Settings.ChannelSizes)
	}
}
