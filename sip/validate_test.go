package sip

import (
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestValidate(t *testing.T) {
	const ok = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:c@d>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
	tests := []struct {
		name, msg string
		code      int
	}{
		{"valid", ok, 0},
		{"other version (RFC 4475 §3.1.2.16)", "OPTIONS sip:a@b SIP/7.0\r\nVia: SIP/7.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:c@d>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n", 505},
		{"no From or Call-ID (§3.3.1)", "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nTo: <sip:a@b>\r\nCSeq: 1 OPTIONS\r\n", 400},
		{"two To (§3.3.8)", ok + "To: <sip:e@f>\r\n", 400},
		{"two Content-Length (§3.3.9)", ok + "l: 0\r\n", 400},
		{"CSeq method mismatch (§3.1.2.17)", "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:c@d>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n", 400},
		{"unknown URI scheme (§3.3.2)", "OPTIONS nobody:opaque SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:c@d>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n", 416},
		{"Require (§3.3.5)", ok + "Require: nothingSupported\r\n", 420},
		{"Proxy-Require is for proxies", ok + "Proxy-Require: foo\r\n", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := sip.NewParser().ParseSIP([]byte(tc.msg + "Content-Length: 0\r\n\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			if r := validate(m.(*sip.Request)); r != nil {
				got = r.code
			}
			if got != tc.code {
				t.Fatalf("validate: %d, want %d", got, tc.code)
			}
		})
	}
}

func TestSIPDatagram(t *testing.T) {
	tests := []struct {
		data string
		sip  bool
	}{
		{"OPTIONS sip:a SIP/2.0\r\nVia: x\r\n\r\n", true},
		{"SIP/2.0 200 OK\r\n\r\n", true},
		{"INVITE  sip:a  SIP/7.0\r\n", true},
		{"\r\n\r\n", false},
		{"\x00\x01\x02\xff", false},
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"OPTIONS sip:a SIP/2.0", false},
	}
	for _, tc := range tests {
		if got := sipDatagram([]byte(tc.data)); got != tc.sip {
			t.Errorf("sipDatagram(%q) = %v, want %v", tc.data, got, tc.sip)
		}
	}
}
