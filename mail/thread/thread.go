// Package thread holds the pure rules that tie an email to its
// conversation: the msg-ids of In-Reply-To and References (RFC 5322
// section 3.6.4) and the ticket token "[#1234]" in the subject, used when
// the headers were lost.
package thread

import (
	"strconv"
	"strings"
)

// maxIDs bounds how many msg-ids are kept from one header.
const maxIDs = 100

// Token returns the ticket number of the first "[#N]" in subject.
func Token(subject string) (int64, bool) {
	for rest := subject; ; {
		i := strings.Index(rest, "[#")
		if i < 0 {
			return 0, false
		}
		rest = rest[i+2:]
		end := strings.IndexByte(rest, ']')
		if end <= 0 || end > 18 {
			continue
		}
		n, err := strconv.ParseInt(rest[:end], 10, 64)
		if err == nil && n > 0 && rest[0] != '+' {
			return n, true
		}
	}
}

// Subject returns the subject of a reply in conversation id: "Re: " once,
// and the token "[#id]" unless already present.
func Subject(subject string, id int64) string {
	s := strings.TrimSpace(subject)
	for {
		l := strings.ToLower(s)
		if strings.HasPrefix(l, "re:") {
			s = strings.TrimSpace(s[3:])
			continue
		}
		break
	}
	if n, ok := Token(s); !ok || n != id {
		s = "[#" + strconv.FormatInt(id, 10) + "] " + s
	}
	return strings.TrimSpace("Re: " + s)
}

// Topic returns what a conversation is about from one of its subjects:
// without reply and forward prefixes (Re:, Fwd:, and their common
// translations) or ticket tokens, so that every message of a thread
// names it alike.
func Topic(subject string) string {
	s := subject
	for {
		if i := strings.Index(s, "[#"); i >= 0 {
			if end := strings.IndexByte(s[i:], ']'); end > 0 {
				if _, err := strconv.ParseInt(s[i+2:i+end], 10, 64); err == nil {
					s = s[:i] + s[i+end+1:]
					continue
				}
			}
		}
		break
	}
	s = strings.Join(strings.Fields(s), " ")
	for {
		l := strings.ToLower(s)
		cut := 0
		for _, p := range replyPrefixes {
			if strings.HasPrefix(l, p) {
				cut = len(p)
				break
			}
		}
		if cut == 0 {
			return s
		}
		s = strings.TrimSpace(s[cut:])
	}
}

// replyPrefixes are the subject prefixes mail clients add to replies and
// forwards (English, French, German, Scandinavian, Italian).
var replyPrefixes = []string{"re:", "fwd:", "fw:", "tr:", "aw:", "wg:", "sv:", "rif:"}

// IDs returns the msg-ids ("<left@right>") found in a header value, in
// order, without the angle brackets, skipping duplicates, at most 100.
func IDs(header string) []string {
	var out []string
	seen := map[string]bool{}
	for rest := header; len(out) < maxIDs; {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
		j := strings.IndexByte(rest, '>')
		if j < 0 {
			break
		}
		id := strings.TrimSpace(rest[:j])
		rest = rest[j+1:]
		if id == "" || strings.ContainsAny(id, " \t\r\n<") || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}

// Parents returns the msg-ids a message answers, nearest first: the
// In-Reply-To ids, then References from last to first.
func Parents(inReplyTo, references []string) []string {
	out := make([]string, 0, len(inReplyTo)+len(references))
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range inReplyTo {
		add(id)
	}
	for i := len(references) - 1; i >= 0; i-- {
		add(references[i])
	}
	return out
}

// Reply returns the In-Reply-To and References of a reply to a message
// with id parent and references refs (RFC 5322 section 3.6.4): References
// is the parent's References followed by the parent, the oldest trimmed
// beyond 100 ids, keeping the first.
func Reply(parent string, refs []string) (inReplyTo string, references []string) {
	references = make([]string, 0, len(refs)+1)
	for _, r := range refs {
		if r != parent {
			references = append(references, r)
		}
	}
	references = append(references, parent)
	if len(references) > maxIDs {
		references = append(references[:1], references[len(references)-maxIDs+1:]...)
	}
	return parent, references
}
