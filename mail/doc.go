// Package mail is the email channel. A Service watches the support
// mailboxes over IMAP (github.com/emersion/go-imap/v2), commits every new
// message to the store before flagging it \Seen on the server, threads it
// onto a conversation (ticket), hands it to the distributor through the
// Router interface, and sends agents' replies and acknowledgements through
// SMTP (mail/smtp) with correct threading headers (mail/thread). Received
// HTML is sanitised (mail/sanitize) and MIME is parsed with limits
// (mail/parse) before any agent sees it.
package mail
