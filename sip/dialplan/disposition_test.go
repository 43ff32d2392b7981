package dialplan

import (
	"fmt"
	"testing"
)

func TestDisposition(t *testing.T) {
	cases := map[int]string{
		200: "answered", 486: "busy", 600: "busy", 480: "no-answer", 408: "no-answer",
		404: "not-found", 484: "not-found", 604: "not-found", 403: "rejected", 603: "rejected",
		503: "unavailable", 500: "unavailable", 0: "unavailable", 488: "failed", 401: "failed",
	}
	for status, want := range cases {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			if got := Disposition(status); got != want {
				t.Fatalf("Disposition(%d) = %q, want %q", status, got, want)
			}
		})
	}
}
