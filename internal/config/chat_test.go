package config

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
)

func TestChatSectionErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"no origins", "chat:\n  - {name: website, queue: support}\n", "chat[0].origins (line 2): at least one origin"},
		{"origin with path", "chat:\n  - name: website\n    queue: support\n    origins: [\"https://www.example.com/contact\"]\n", "chat[0].origins[0] (line 4): must be scheme://host"},
		{"duplicate", "chat:\n  - {name: w, queue: q, origins: [\"https://a.example\"]}\n  - {name: w, queue: q, origins: [\"https://a.example\"]}\n", "chat[1].name (line 3): w is already used by chat[0]"},
		{"no queue", "chat:\n  - {name: w, origins: [\"https://a.example\"]}\n", "chat[0].queue (line 2): required"},
		{"unknown field", "chat:\n  - {name: w, queue: q, origin: [\"https://a.example\"]}\n", "chat[0].origin (line 2): unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v; want %q", err, tc.want)
			}
		})
	}
}

func TestChatSectionRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := Parse([]byte("chat:\n  - {name: website, queue: support, origins: [\"https://www.example.com\", \"http://localhost:8000\"]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(ctx, st, f); err != nil {
		t.Fatal(err)
	}
	out, err := Export(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out.Chat, f.Chat) {
		t.Fatalf("export = %+v; want %+v", out.Chat, f.Chat)
	}
}
