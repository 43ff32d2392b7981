package clientaddr

import "testing"

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:4000":             "192.0.2.1",
		"[::ffff:192.0.2.1]:4000":    "192.0.2.1",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2::9]:1":        "2001:db8:1:2::/64",
		"[fe80::1%eth0]:1":           "fe80::/64",
		"pipe":                       "pipe",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}
