// Package sanitize makes received HTML safe to show to an agent: it keeps
// text formatting, links and tables and removes scripts, event handlers,
// styles, forms, frames and every reference that would load remote content
// (only inline "cid:" and "data:" images survive). It is an allowlist built
// on github.com/microcosm-cc/bluemonday.
package sanitize

import (
	"regexp"

	"github.com/microcosm-cc/bluemonday"
)

// Policy is a reusable, concurrency-safe HTML sanitiser.
type Policy struct {
	p *bluemonday.Policy
}

// inlineImage matches the image sources that load nothing remote.
var inlineImage = regexp.MustCompile(`^(cid:|data:image/(png|gif|jpeg|webp);base64,)`)

// New returns the email policy.
func New() *Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "div", "span", "b", "i", "u", "em", "strong", "s", "sub", "sup", "small",
		"blockquote", "pre", "code", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "font", "center")
	p.AllowLists()
	p.AllowTables()
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto", "cid")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowAttrs("src").Matching(inlineImage).OnElements("img")
	p.AllowDataURIImages()
	p.AllowAttrs("alt", "width", "height").OnElements("img")
	p.AllowAttrs("title", "dir", "lang").Globally()
	p.AllowAttrs("colspan", "rowspan", "align", "valign").OnElements("td", "th")
	return &Policy{p: p}
}

// HTML returns the sanitised form of html.
func (p *Policy) HTML(html string) string { return p.p.Sanitize(html) }
