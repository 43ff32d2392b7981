package sanitize

import (
	"strings"
	"testing"
)

func TestHTML(t *testing.T) {
	p := New()
	cases := []struct {
		name, in string
		gone     []string
		kept     []string
	}{
		{"script", `<p>hi<script>alert(1)</script></p>`, []string{"script", "alert"}, []string{"<p>hi</p>"}},
		{"handler", `<div onclick="x()" onmouseover="y()">a</div>`, []string{"onclick", "onmouseover"}, []string{"<div>a</div>"}},
		{"remote image", `<img src="https://track.example/p.gif" alt="x">`, []string{"track.example"}, nil},
		{"inline image", `<img src="cid:logo@x" alt="logo">`, nil, []string{`src="cid:logo@x"`}},
		{"javascript link", `<a href="javascript:alert(1)">x</a>`, []string{"javascript"}, []string{"x"}},
		{"link", `<a href="https://example.com/">x</a>`, nil, []string{`href="https://example.com/"`, "nofollow"}},
		{"style", `<p style="background:url(https://t.example/x)">a</p><style>body{}</style>`, []string{"t.example", "style"}, []string{"<p>a</p>"}},
		{"iframe and form", `<iframe src="https://x"></iframe><form action="https://x"><input></form>`, []string{"iframe", "form", "input"}, nil},
		{"svg", `<svg><script>alert(1)</script></svg>`, []string{"svg", "alert"}, nil},
		{"meta refresh", `<meta http-equiv="refresh" content="0;url=https://x">`, []string{"meta", "refresh"}, nil},
		{"table", `<table><tr><td colspan="2">a</td></tr></table>`, nil, []string{`<td colspan="2">a</td>`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := p.HTML(c.in)
			for _, g := range c.gone {
				if strings.Contains(strings.ToLower(got), g) {
					t.Errorf("HTML(%q) = %q still holds %q", c.in, got, g)
				}
			}
			for _, k := range c.kept {
				if !strings.Contains(got, k) {
					t.Errorf("HTML(%q) = %q lacks %q", c.in, got, k)
				}
			}
		})
	}
}
