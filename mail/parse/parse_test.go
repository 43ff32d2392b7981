package parse

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSamples(t *testing.T) {
	cases := []struct {
		file      string
		check     func(t *testing.T, m *Message)
		malformed bool
		automated bool
	}{
		{file: "script-html.eml", check: func(t *testing.T, m *Message) {
			if m.MessageID != "script-1@example.net" || m.Text != "plain text" || m.FromAddr != "eve@example.net" {
				t.Errorf("headers/text: %+v", m)
			}
			for _, bad := range []string{"script", "alert", "onclick", "track.example"} {
				if strings.Contains(m.HTML, bad) {
					t.Errorf("HTML %q keeps %q", m.HTML, bad)
				}
			}
			if !strings.Contains(m.HTML, "hi") {
				t.Errorf("HTML %q lost the text", m.HTML)
			}
		}},
		{file: "broken-multipart.eml", malformed: true, check: func(t *testing.T, m *Message) {
			if m.Text != "first part" || m.Problem == "" {
				t.Errorf("text %q problem %q", m.Text, m.Problem)
			}
		}},
		{file: "token-only.eml", check: func(t *testing.T, m *Message) {
			if !strings.HasPrefix(m.MessageID, "sha256-"+m.ContentHash) || m.Date.IsZero() {
				t.Errorf("MessageID %q date %v", m.MessageID, m.Date)
			}
		}},
		{file: "bounce.eml", automated: true},
		{file: "garbage.eml", malformed: true, automated: true},
		{file: "reply.eml", check: func(t *testing.T, m *Message) {
			if !slices.Equal(m.InReplyTo, []string{"r1@switchboard"}) || !slices.Equal(m.References, []string{"r0@example.net", "r1@switchboard"}) {
				t.Errorf("threading: %q %q", m.InReplyTo, m.References)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			m := Parse(sample(t, c.file), Options{})
			if m.Malformed != c.malformed || m.Automated != c.automated {
				t.Fatalf("malformed %v (%s) automated %v; want %v %v", m.Malformed, m.Problem, m.Automated, c.malformed, c.automated)
			}
			if c.check != nil {
				c.check(t, m)
			}
		})
	}
}

// BigAttachment returns a message carrying an attachment of size bytes,
// generated at test time rather than committed.
func bigAttachment(size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Big <big@example.net>\r\nTo: support@example.com\r\nSubject: big\r\nMessage-ID: <big@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"q\"\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--q\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xA5}, size))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--q--\r\n")
	return b.Bytes()
}

func TestParseBigAttachment(t *testing.T) {
	m := Parse(bigAttachment(20<<20), Options{})
	if m.Malformed || !m.Oversize || m.Text != "see attached" {
		t.Fatalf("malformed %v oversize %v text %q (%s)", m.Malformed, m.Oversize, m.Text, m.Problem)
	}
	if len(m.Attachments) != 1 || !m.Attachments[0].Truncated || m.Attachments[0].Size != 20<<20 || m.Attachments[0].Data != nil {
		t.Fatalf("attachment %+v", m.Attachments)
	}
	small := Parse(bigAttachment(1000), Options{})
	if small.Oversize || len(small.Attachments) != 1 || len(small.Attachments[0].Data) != 1000 || small.Attachments[0].Filename != "big.bin" {
		t.Fatalf("small attachment: oversize %v %+v", small.Oversize, small.Attachments)
	}
}

// FuzzParse checks that Parse never panics, always yields a Message-ID,
// and never lets a script through to the HTML body.
func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".eml") {
			f.Add(sample(f, e.Name()))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := Parse(raw, Options{MaxAttachmentBytes: 64, MaxBodyBytes: 256, MaxParts: 8})
		if m.MessageID == "" || len(m.ContentHash) != 64 {
			t.Fatalf("MessageID %q hash %q", m.MessageID, m.ContentHash)
		}
		if strings.Contains(strings.ToLower(m.HTML), "<script") {
			t.Fatalf("script in HTML %q", m.HTML)
		}
		if m.Malformed && m.Problem == "" {
			t.Fatal("malformed without a problem")
		}
		for _, a := range m.Attachments {
			if len(a.Data) > 64 || (a.Truncated && a.Data != nil) {
				t.Fatalf("attachment over the limit kept: %d bytes", len(a.Data))
			}
		}
	})
}
