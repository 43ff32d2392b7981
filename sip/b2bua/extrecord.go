package b2bua

// recorded reports whether the call is recorded for one of its
// extensions: the caller (unless the call came from a trunk) or the callee
// (an extension, or a number on a trunk for which the lookup says no).
func (c *call) recorded() bool {
	rec := c.b.deps.Recorded
	if rec == nil {
		return false
	}
	return !c.inbound && rec(c.cdr.Caller) || rec(c.cdr.Callee)
}
