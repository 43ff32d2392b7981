package dialplan

import (
	"fmt"
	"strings"
)

// Kind is what an inbound call is routed to.
type Kind int

// The destination kinds.
const (
	// KindExtension rings an extension.
	KindExtension Kind = iota + 1
	// KindQueue enqueues the call.
	KindQueue
	// KindFlow runs an IVR flow.
	KindFlow
	// KindHangup refuses the call with a message.
	KindHangup
)

var kindNames = map[Kind]string{KindExtension: "extension", KindQueue: "queue", KindFlow: "flow", KindHangup: "hangup"}

// String returns the kind as written before the colon.
func (k Kind) String() string { return kindNames[k] }

// Destination is where an inbound route sends a call, written "kind:target"
// (extension:1001, queue:support, flow:main, hangup:closed for holidays).
type Destination struct {
	Kind Kind
	// Target is the extension number, queue name, flow name, or the
	// hang-up message.
	Target string
}

// String returns the destination as written in the configuration.
func (d Destination) String() string { return d.Kind.String() + ":" + d.Target }

// ParseDestination parses "kind:target".
func ParseDestination(s string) (Destination, error) {
	kind, target, ok := strings.Cut(s, ":")
	if !ok {
		return Destination{}, fmt.Errorf("%w %q: want kind:target", ErrBadDestination, s)
	}
	for k, n := range kindNames {
		if n == kind {
			if target == "" && k != KindHangup {
				return Destination{}, fmt.Errorf("%w %q: empty target", ErrBadDestination, s)
			}
			return Destination{Kind: k, Target: target}, nil
		}
	}
	return Destination{}, fmt.Errorf("%w %q: kind must be extension, queue, flow or hangup", ErrBadDestination, s)
}
