package config

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// ChatWidget is one entry of the `chat:` section: an embeddable web chat
// widget, the queue its chats go to, and the page origins allowed to open
// it (scheme://host[:port], no path).
type ChatWidget struct {
	Name    string   `yaml:"name"`
	Queue   string   `yaml:"queue"`
	Origins []string `yaml:"origins"`
}

var chatNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func validateChat(v *Validator, ws []ChatWidget) {
	seen := map[string]int{}
	for i, w := range ws {
		path := fmt.Sprintf("chat[%d]", i)
		if !chatNameRE.MatchString(w.Name) {
			v.Errorf(path+".name", "must be 1 to 63 lower-case letters, digits, - or _, got %q", w.Name)
		} else if j, dup := seen[w.Name]; dup {
			v.Errorf(path+".name", "%s is already used by chat[%d]", w.Name, j)
		}
		seen[w.Name] = i
		if strings.TrimSpace(w.Queue) == "" {
			v.Errorf(path+".queue", "required")
		}
		if len(w.Origins) == 0 {
			v.Errorf(path+".origins", "at least one origin is required (the website that embeds the widget)")
		}
		for j, o := range w.Origins {
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
				v.Errorf(fmt.Sprintf("%s.origins[%d]", path, j), "must be scheme://host[:port] such as https://www.example.com, got %q", o)
			}
		}
	}
}

func applyChat(ctx context.Context, tx *store.Tx, ws []ChatWidget) error {
	rows := make([]store.ChatWidget, 0, len(ws))
	for _, w := range ws {
		rows = append(rows, store.ChatWidget{Name: w.Name, Queue: w.Queue, Origins: w.Origins})
	}
	if err := tx.ReplaceChatWidgets(ctx, rows); err != nil {
		return err
	}
	return tx.BumpConfigRev(ctx) // the running chat server reloads them
}

func exportChat(ctx context.Context, st *store.Store) ([]ChatWidget, error) {
	rows, err := st.ChatWidgets(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ChatWidget, 0, len(rows))
	for _, r := range rows {
		out = append(out, ChatWidget{Name: r.Name, Queue: r.Queue, Origins: r.Origins})
	}
	return out, nil
}
