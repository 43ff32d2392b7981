package transfer

import (
	"errors"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestParseReferTo(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
		err  error
	}{
		{[]string{"<sip:1002@127.0.0.1:5060>"}, "1002", nil},
		{[]string{"sip:700@switchboard"}, "700", nil},
		{[]string{`"Bob" <sip:1002@h;transport=udp>;x=y`}, "1002", nil},
		{[]string{"<sips:+33123456789@h>"}, "+33123456789", nil},
		{[]string{"<tel:+33-1-23-45-67-89;phone-context=x>"}, "+33123456789", nil},
		{[]string{"<sip:1002@h;method=INVITE>"}, "1002", nil},
		{nil, "", ErrBadReferTo},
		{[]string{"<sip:1@h>", "<sip:2@h>"}, "", ErrBadReferTo},
		{[]string{""}, "", ErrBadReferTo},
		{[]string{"<sip:1002@h"}, "", ErrBadReferTo},
		{[]string{"<sip:h>"}, "", ErrBadReferTo},
		{[]string{"<sip:10%0d02@h>"}, "", ErrBadReferTo},
		{[]string{"<mailto:a@b>"}, "", ErrUnsupported},
		{[]string{"<sip:1002@h;method=BYE>"}, "", ErrUnsupported},
	} {
		got, err := ParseReferTo(tc.in)
		if !errors.Is(err, tc.err) || got.Number != tc.want {
			t.Errorf("ParseReferTo(%q) = %q, %v; want %q, %v", tc.in, got.Number, err, tc.want, tc.err)
		}
	}
}

func TestParseReferToReplaces(t *testing.T) {
	got, err := ParseReferTo([]string{"<sip:1002@h?Replaces=abc%40host%3Bto-tag%3D11%3Bfrom-tag%3D22>"})
	if err != nil {
		t.Fatal(err)
	}
	want := Replaces{CallID: "abc@host", ToTag: "11", FromTag: "22"}
	if got.Replaces == nil || *got.Replaces != want {
		t.Fatalf("Replaces = %+v, want %+v", got.Replaces, want)
	}
	if _, err := ParseReferTo([]string{"<sip:1002@h?Replaces=abc%3Bto-tag%3D11>"}); !errors.Is(err, ErrBadReferTo) {
		t.Errorf("Replaces without from-tag: %v, want ErrBadReferTo", err)
	}
}

func TestFragRoundTrip(t *testing.T) {
	for _, c := range []struct {
		code   int
		reason string
	}{{100, "Trying"}, {200, "OK"}, {486, "Busy Here"}, {404, "Not Found"}} {
		code, reason, err := ParseFrag(Frag(c.code, c.reason))
		if err != nil || code != c.code || reason != c.reason {
			t.Errorf("ParseFrag(Frag(%d, %q)) = %d, %q, %v", c.code, c.reason, code, reason, err)
		}
	}
	for _, bad := range []string{"", "SIP/2.0", "SIP/2.0 20 OK", "SIP/2.0 abc OK", "HTTP/1.1 200 OK", "SIP/2.0 999 X"} {
		if _, _, err := ParseFrag([]byte(bad)); err == nil {
			t.Errorf("ParseFrag(%q) accepted", bad)
		}
	}
}

func TestNotify(t *testing.T) {
	req := Notify(sip.Uri{Scheme: "sip", User: "1001", Host: "127.0.0.1"}, 100, "Trying")
	if h := req.GetHeader("Subscription-State"); h == nil || h.Value() != "active;expires=60" {
		t.Errorf("provisional NOTIFY Subscription-State %v", h)
	}
	req = Notify(sip.Uri{Scheme: "sip", User: "1001", Host: "127.0.0.1"}, 486, "Busy Here")
	if h := req.GetHeader("Subscription-State"); h == nil || h.Value() != "terminated;reason=noresource" {
		t.Errorf("final NOTIFY Subscription-State %v", h)
	}
	if h := req.GetHeader("Event"); h == nil || h.Value() != "refer" {
		t.Errorf("Event %v", h)
	}
	if code, _, err := ParseFrag(req.Body()); err != nil || code != 486 {
		t.Errorf("body %q", req.Body())
	}
}

func FuzzParseReferTo(f *testing.F) {
	for _, s := range []string{"<sip:1002@h>", "tel:+331", "<sip:1@h?Replaces=a%3Bto-tag%3D1%3Bfrom-tag%3D2>", `"x" <sips:a@b;method=INVITE>;p`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseReferTo([]string{s})
		if err != nil {
			return
		}
		if checkNumber(got.Number) != nil {
			t.Fatalf("ParseReferTo(%q) returned the bad number %q", s, got.Number)
		}
		if r := got.Replaces; r != nil && (r.CallID == "" || r.ToTag == "" || r.FromTag == "") {
			t.Fatalf("ParseReferTo(%q) returned an incomplete Replaces %+v", s, r)
		}
	})
}

func FuzzParseFrag(f *testing.F) {
	f.Add([]byte("SIP/2.0 200 OK\r\n"))
	f.Add([]byte("SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		code, _, err := ParseFrag(b)
		if err == nil && (code < 100 || code > 699) {
			t.Fatalf("ParseFrag(%q) = code %d", b, code)
		}
	})
}
