package clientaddr

import "testing"

func TestCounter(t *testing.T) {
	c := Counter{Max: 3, PerKey: 2}
	for i, tc := range []struct {
		key  string
		want bool
	}{{"a", true}, {"a", true}, {"a", false}, {"b", true}, {"c", false}} {
		if got := c.Admit(tc.key); got != tc.want {
			t.Fatalf("admit %d (%s) = %v, want %v", i, tc.key, got, tc.want)
		}
	}
	c.Release("a")
	if !c.Admit("c") {
		t.Fatal("a released place was not given to another key")
	}
	for _, k := range []string{"a", "b", "c"} {
		c.Release(k)
	}
	if total, keys := c.Open(); total != 0 || keys != 0 {
		t.Fatalf("after releasing all: %d open over %d keys", total, keys)
	}
}
