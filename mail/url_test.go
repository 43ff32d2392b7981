package mail

import (
	"strings"
	"testing"
)

// TestParseIMAPErrorHidesPassword: an unparseable URL's error names the
// fault, not the URL, whose user part holds the password.
func TestParseIMAPErrorHidesPassword(t *testing.T) {
	_, err := parseIMAP("imaps://u:s3cret@mail.example.com:bad/INBOX")
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "port") {
		t.Fatalf("parseIMAP = %v; want a port error without the password", err)
	}
}
