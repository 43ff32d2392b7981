package ivr

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// demo returns a valid two-level flow; each test case breaks one thing.
func demo() *Flow {
	return &Flow{
		Name:  "main",
		Start: "welcome",
		Nodes: map[string]*Node{
			"welcome": {Type: Menu, Prompt: "welcome", Title: "How can we help?", Retries: 2, Invalid: "bye",
				Options: []Option{{Digit: "1", Label: "Sales", Next: "sales"}, {Digit: "2", Label: "Support", Next: "hours"}}},
			"sales":   {Type: Queue, Queue: "sales", Intent: "buy"},
			"hours":   {Type: Hours, Calendar: "office", Open: "support", Closed: "closed"},
			"support": {Type: Queue, Queue: "support", Intent: "help"},
			"closed":  {Type: Play, Prompt: "closed", Next: "bye"},
			"bye":     {Type: Hangup},
		},
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *Flow)
		want   []string // substrings of the errors, each naming flow and node
	}{
		{"valid", func(*Flow) {}, nil},
		{"missing start", func(f *Flow) { f.Start = "" }, []string{"flow main start: a flow needs a start node"}},
		{"unknown start", func(f *Flow) { f.Start = "nope" }, []string{`flow main start: start node "nope" does not exist`}},
		{"unknown option target", func(f *Flow) { f.Nodes["welcome"].Options[0].Next = "salse" },
			[]string{`flow main node welcome options.1: refers to unknown node "salse"`, "node sales: unreachable"}},
		{"unknown branch", func(f *Flow) { f.Nodes["hours"].Closed = "shut" },
			[]string{`node hours closed: refers to unknown node "shut"`, "node closed: unreachable"}},
		{"unreachable", func(f *Flow) { f.Nodes["orphan"] = &Node{Type: Hangup} }, []string{"flow main node orphan: unreachable"}},
		{"missing menu prompt", func(f *Flow) { f.Nodes["welcome"].Prompt = "" }, []string{"node welcome prompt: a menu node needs prompt"}},
		{"missing play prompt", func(f *Flow) { f.Nodes["closed"].Prompt = "" }, []string{"node closed prompt: a play node needs prompt"}},
		{"missing web title", func(f *Flow) { f.Nodes["welcome"].Title = "" }, []string{"node welcome title: a menu node needs title"}},
		{"bad option digit", func(f *Flow) { f.Nodes["welcome"].Options[0].Digit = "12" }, []string{"node welcome options.12: option keys"}},
		{"unknown type", func(f *Flow) { f.Nodes["bye"].Type = "teleport" }, []string{`node bye type: unknown node type "teleport"`}},
		{"loop with no input", func(f *Flow) { f.Nodes["closed"].Next = "hours" },
			[]string{"loop with no input from the caller on the voice face", "loop with no input from the caller on the web face"}},
		{"loop through a menu is fine", func(f *Flow) { f.Nodes["closed"].Next = "welcome" }, nil},
		{"chat reachable by voice without fallback", func(f *Flow) { f.Nodes["support"] = &Node{Type: Chat, Queue: "support"} },
			[]string{"node support fallback: chat node is reachable from the voice face"}},
		{"chat with a voice fallback", func(f *Flow) { f.Nodes["support"] = &Node{Type: Chat, Queue: "support", Fallback: "closed"} }, nil},
		{"voicemail reachable by web without fallback", func(f *Flow) { f.Nodes["support"] = &Node{Type: Voicemail, Prompt: "leave", Queue: "support"} },
			[]string{"node support fallback: voicemail node is reachable from the web face"}},
		{"collect needs var and bounds", func(f *Flow) {
			f.Nodes["support"] = &Node{Type: Collect, Prompt: "contract", Next: "bye", MaxDigits: 0, Fallback: "bye"}
		}, []string{"node support var: a collect node needs var", "node support max: need 0 <= min <= max"}},
		{"condition unknown test", func(f *Flow) {
			f.Nodes["hours"] = &Node{Type: Condition, Test: "moon-phase", Then: "support", Else: "closed"}
		}, []string{`node hours test: unknown test "moon-phase"`}},
		{"wait-above needs a wait", func(f *Flow) {
			f.Nodes["hours"] = &Node{Type: Condition, Test: WaitAbove, Queue: "support", Channel: "voice", Then: "closed", Else: "support"}
		}, []string{"node hours wait: a wait-above condition needs a positive wait"}},
		{"wait-above valid", func(f *Flow) {
			f.Nodes["hours"] = &Node{Type: Condition, Test: WaitAbove, Queue: "support", Channel: "voice", Wait: time.Minute, Then: "closed", Else: "support"}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := demo()
			tc.change(f)
			err := Validate(f)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate = nil, want %q", tc.want)
			}
			es := AsErrors(err)
			if len(es) != len(tc.want) {
				t.Errorf("got %d errors, want %d:\n%v", len(es), len(tc.want), err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("errors lack %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestValidatePrompts checks every prompt the voice face plays against the
// known prompts of the voice language: an unknown one is an error naming
// the flow, the node and the prompt; web-only nodes play nothing.
func TestValidatePrompts(t *testing.T) {
	known := config.Known{Prompts: map[string]map[string]bool{"en": {"welcome": true, "closed": true, "leave-message": true}}}
	for _, tc := range []struct {
		name   string
		change func(f *Flow)
		want   []string
	}{
		{"all known", func(*Flow) {}, nil},
		{"unknown menu prompt", func(f *Flow) { f.Nodes["welcome"].Prompt = "wellcome" },
			[]string{`flow main node welcome prompt: unknown prompt "wellcome": neither built in nor uploaded for language en`}},
		{"unknown play prompt", func(f *Flow) { f.Nodes["closed"].Prompt = "holiday" }, []string{`node closed prompt: unknown prompt "holiday"`}},
		{"uploaded voicemail prompt", func(f *Flow) {
			f.Nodes["support"] = &Node{Type: Voicemail, Prompt: "leave-message", Queue: "support", Fallback: "bye"}
		}, nil},
		{"unknown collect prompt", func(f *Flow) {
			f.Nodes["support"] = &Node{Type: Collect, Prompt: "contract", Var: "contract", MaxDigits: 8, Next: "bye", Fallback: "bye"}
		}, []string{`node support prompt: unknown prompt "contract"`}},
		{"web-only node's prompt is not played", func(f *Flow) {
			f.Nodes["support"] = &Node{Type: Chat, Queue: "support", Prompt: "nowhere", Fallback: "closed"}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := demo()
			tc.change(f)
			checkFlowErrors(t, ValidateWith(f, known), tc.want)
		})
	}
	if err := Validate(demo()); err != nil {
		t.Errorf("without known prompts nothing is checked: %v", err)
	}
}

// TestValidateLanguages checks a flow's language and its prompts in that
// language: a French flow needs French prompts, a flow without a language
// speaks the settings language, and an unknown language is named with the
// languages there are.
func TestValidateLanguages(t *testing.T) {
	known := config.Known{Language: "fr", Prompts: map[string]map[string]bool{
		"en": {"welcome": true, "closed": true},
		"fr": {"welcome": true},
	}}
	for _, tc := range []struct {
		name, lang string
		want       []string
	}{
		{"English flow", "en", nil},
		{"French flow lacks closed", "fr", []string{`flow main node closed prompt: unknown prompt "closed": neither built in nor uploaded for language fr`}},
		{"settings language (French)", "", []string{`node closed prompt: unknown prompt "closed": neither built in nor uploaded for language fr`}},
		{"unknown language", "es", []string{`flow main language: unknown language "es": no prompts, built in or uploaded, for it (languages: en, fr)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := demo()
			f.Language = tc.lang
			checkFlowErrors(t, ValidateWith(f, known), tc.want)
		})
	}
	if f := demo(); ToConfig(f).Language != "" || FromConfig(config.Flow{Language: "fr"}).Language != "fr" {
		t.Error("the flow's language does not go through ToConfig and FromConfig")
	}
}

// checkFlowErrors checks that err holds one FlowError for each of want,
// and each of want in its text (none when want is empty).
func checkFlowErrors(t *testing.T, err error, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("ValidateWith = %v, want nil", err)
		}
		return
	}
	if es := AsErrors(err); len(es) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(es), len(want), err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("errors lack %q:\n%v", w, err)
		}
	}
}
