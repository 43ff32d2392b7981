// Package config holds the admin's contract: the runtime settings of
// `switchboard serve` (flags and SWITCHBOARD_* environment variables) and the
// declarative YAML configuration file (extensions, agents, queues, flows,
// trunks, mailboxes, chat widgets…) with its validation, import into the
// store in one transaction, and export.
//
// Errors in a file name the field path and the line, e.g.
//
//	extensions[1].number (line 7): must be 2 to 8 digits
//
// A section present in an imported file replaces that whole section in the
// store; a section absent from the file is left as it is.
package config
