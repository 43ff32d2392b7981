//go:build !linux

package media

import "context"

// pollers are empty where the engine has no epoll readers: every relay
// reads its socket in its own goroutine.
type pollers struct{}

func (p *pollers) init() {}

// unpoll has nothing to do here.
func (s *Session) unpoll() {}

// pollRelay reports that no epoll reader serves d: the caller reads.
func pollRelay(context.Context, *relayDir) bool { return false }
