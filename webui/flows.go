package webui

import (
	"net/http"
	"sort"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// flowTree is a flow drawn as a tree from its start node.
type flowTree struct {
	Name   string
	Number string
	Root   *treeNode
	// Unreached lists nodes no path from the start reaches.
	Unreached []string
}

// treeNode is one node in a flow tree; a node met again is shown as a
// reference (Ref) instead of being expanded, so loops stay finite.
type treeNode struct {
	Edge     string // how the parent leads here: "press 1", "next", "open"…
	Name     string
	Type     string
	Detail   string
	Ref      bool
	Missing  bool
	Children []*treeNode
}

// edges lists a node's outgoing edges in a stable order.
func edges(n config.FlowNode) [][2]string {
	var out [][2]string
	keys := make([]string, 0, len(n.Options))
	for k := range n.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, [2]string{"press " + k, n.Options[k]})
	}
	for _, e := range [][2]string{
		{"invalid", n.Invalid}, {"next", n.Next}, {"open", n.Open}, {"closed", n.Closed},
		{"then", n.Then}, {"else", n.Else}, {"fallback", n.Fallback},
	} {
		if e[1] != "" {
			out = append(out, e)
		}
	}
	return out
}

// detail is the one line that says what a node does.
func detail(n config.FlowNode) string {
	var parts []string
	for _, p := range [][2]string{
		{"", n.Title}, {"prompt ", n.Prompt}, {"queue ", n.Queue}, {"intent ", n.Intent}, {"calendar ", n.Calendar},
		{"test ", n.Test}, {"extension ", n.Extension}, {"url ", n.URL}, {"into ", n.Var},
	} {
		if p[1] != "" {
			parts = append(parts, p[0]+p[1])
		}
	}
	return strings.Join(parts, " · ")
}

func buildFlowTree(f config.Flow) flowTree {
	seen := map[string]bool{}
	var walk func(edge, name string) *treeNode
	walk = func(edge, name string) *treeNode {
		n, ok := f.Nodes[name]
		t := &treeNode{Edge: edge, Name: name}
		switch {
		case !ok:
			t.Missing = true
			return t
		case seen[name]:
			t.Type, t.Ref = n.Type, true
			return t
		}
		seen[name] = true
		t.Type, t.Detail = n.Type, detail(n)
		for _, e := range edges(n) {
			t.Children = append(t.Children, walk(e[0], e[1]))
		}
		return t
	}
	tree := flowTree{Name: f.Name, Number: f.Number, Root: walk("start", f.Start)}
	for name := range f.Nodes {
		if !seen[name] {
			tree.Unreached = append(tree.Unreached, name)
		}
	}
	sort.Strings(tree.Unreached)
	return tree
}

func (s *Server) flowsPage(w http.ResponseWriter, r *http.Request) {
	flows, err := config.ExportFlows(r.Context(), s.st)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	trees := make([]flowTree, 0, len(flows))
	for _, f := range flows {
		trees = append(trees, buildFlowTree(f))
	}
	s.render(w, r, http.StatusOK, "flows", pageData{Title: "Flows", Nav: "flows", Data: trees})
}
