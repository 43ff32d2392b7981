// Command switchboard is the contact-center appliance: `switchboard serve`
// runs it, the other commands administer it, with or without a running
// server on the same data directory.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "switchboard:", err)
		os.Exit(1)
	}
}
