package chat

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// Widget is one embeddable chat widget: the queue its chats go to and the
// page origins (scheme://host[:port]) allowed to open it.
type Widget struct {
	Name    string
	Queue   string
	Origins []string
}

// Transcript is a conversation sent by email at the visitor's request.
type Transcript struct {
	Session  string
	Widget   string
	Name     string
	Messages []Message
}

// Mailer sends transcripts; the mail subsystem satisfies it.
type Mailer interface {
	SendTranscript(ctx context.Context, to string, t Transcript) error
}

// LeftMessage is what a visitor leaves when nobody can take chats; it
// becomes an email work item.
type LeftMessage struct {
	Widget     string
	Queue      string
	CustomerID int64
	Name       string
	Email      string
	Phone      string
	Text       string
	At         time.Time
}

// CallbackRequest asks the contact center to call the visitor back.
type CallbackRequest struct {
	Widget     string
	Queue      string
	CustomerID int64
	Name       string
	Phone      string
	At         time.Time
}

// Fallback takes what visitors leave when no agent can chat: the mail and
// callback subsystems satisfy it. Both must commit before returning nil.
type Fallback interface {
	LeaveMessage(ctx context.Context, m LeftMessage) error
	RequestCallback(ctx context.Context, c CallbackRequest) error
}

// Config configures a Server. Zero values mean the documented defaults.
type Config struct {
	// Widgets are the embeddable widgets, by name.
	Widgets []Widget
	// AgentFromRequest authenticates an agent request of the agent
	// handler (the web console's session); required for AgentHandler.
	AgentFromRequest func(*http.Request) (agentID string, ok bool)
	// Open reports whether a queue takes chats at a time (business
	// hours); nil means always. Who is available, how many chats an agent
	// takes and how many may wait are the distributor's (acd presence,
	// capacity, the queue's max_length).
	Open func(queue string, now time.Time) bool
	// MaxMessage is the largest message in bytes; 0 means 4000.
	MaxMessage int
	// Rate is the sustained messages per second a visitor may send, Burst
	// the bucket size; 0 means 5 and 20. Over it, the connection closes.
	Rate  float64
	Burst int
	// MaxConnsPerIP bounds the visitor connections open at once from one
	// address; 0 means 50 (one office behind NAT has many visitors).
	MaxConnsPerIP int
	// MaxChatsPerIP bounds the chats (queued or active) that visitors at
	// one address may have open at once; 0 means 20. A visitor over it is
	// told "too_many" and no chat, customer or work item is made.
	MaxChatsPerIP int
	// PingInterval is how often each connection is pinged; one whose pong
	// does not come within it is closed. 0 means 30s.
	PingInterval time.Duration
	// HelloTimeout bounds the wait for a visitor connection's hello (the
	// widget sends it on open); 0 means 30s.
	HelloTimeout time.Duration
	// Canned are the canned responses offered to agents.
	Canned []string
	// Mailer sends transcripts; nil disables them.
	Mailer Mailer
	// Fallback takes left messages and callback requests; nil disables
	// them.
	Fallback Fallback
	// WidgetPoll is how often WatchWidgets checks the configuration
	// revision; 0 means 1s.
	WidgetPoll time.Duration
	// Language returns the language the widgets speak (the settings
	// language; en or fr have texts, another is English); nil means "en".
	// The start page and the welcome frame carry it to widget.js.
	Language func(ctx context.Context) string
	// Logger logs; nil means slog.Default().
	Logger *slog.Logger
	// Now returns the time; nil means time.Now.
	Now func() time.Time
}

// Validate reports the first unacceptable field, by path.
func (c Config) Validate() error {
	seen := map[string]bool{}
	for i, w := range c.Widgets {
		if w.Name == "" {
			return fmt.Errorf("chat: widgets[%d].name: required", i)
		}
		if seen[w.Name] {
			return fmt.Errorf("chat: widgets[%d].name: duplicate %q", i, w.Name)
		}
		seen[w.Name] = true
		if w.Queue == "" {
			return fmt.Errorf("chat: widgets[%d].queue: required", i)
		}
		if len(w.Origins) == 0 {
			return fmt.Errorf("chat: widgets[%d].origins: at least one origin is required", i)
		}
		for j, o := range w.Origins {
			if _, err := canonicalOrigin(o); err != nil {
				return fmt.Errorf("chat: widgets[%d].origins[%d]: %w", i, j, err)
			}
		}
	}
	if c.MaxMessage < 0 || c.Rate < 0 || c.Burst < 0 || c.MaxConnsPerIP < 0 || c.MaxChatsPerIP < 0 || c.PingInterval < 0 || c.HelloTimeout < 0 {
		return fmt.Errorf("chat: limits must not be negative")
	}
	return nil
}

func (c *Config) setDefaults() {
	if c.MaxConnsPerIP == 0 {
		c.MaxConnsPerIP = 50
	}
	if c.MaxChatsPerIP == 0 {
		c.MaxChatsPerIP = 20
	}
	if c.PingInterval == 0 {
		c.PingInterval = 30 * time.Second
	}
	if c.HelloTimeout == 0 {
		c.HelloTimeout = 30 * time.Second
	}
	if c.MaxMessage == 0 {
		c.MaxMessage = 4000
	}
	if c.Rate == 0 {
		c.Rate = 5
	}
	if c.Burst == 0 {
		c.Burst = 20
	}
	if c.WidgetPoll <= 0 {
		c.WidgetPoll = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Language == nil {
		c.Language = func(context.Context) string { return "en" }
	}
}

// canonicalOrigin returns o as scheme://host[:port], lower case.
func canonicalOrigin(o string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("origin %q: want scheme://host[:port]", o)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// LoadWidgets returns the widgets of the configuration's `chat:` section as
// stored by config import.
func LoadWidgets(ctx context.Context, st *store.Store) ([]Widget, error) {
	rows, err := st.ChatWidgets(ctx)
	if err != nil {
		return nil, fmt.Errorf("chat: widgets: %w", err)
	}
	out := make([]Widget, 0, len(rows))
	for _, r := range rows {
		out = append(out, Widget{Name: r.Name, Queue: r.Queue, Origins: r.Origins})
	}
	return out, nil
}
