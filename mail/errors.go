package mail

import "errors"

var (
	// ErrUnknownMailbox is returned for a conversation or a name whose
	// mailbox is not configured.
	ErrUnknownMailbox = errors.New("mail: unknown mailbox")
	// ErrNotFound is returned for a conversation or message that does not exist.
	ErrNotFound = errors.New("mail: conversation not found")
	// ErrNoSMTP is returned by Reply when the conversation's mailbox has
	// no SMTP server to send through.
	ErrNoSMTP = errors.New("mail: mailbox has no smtp server")
	// ErrNotSent is returned by Reply when the SMTP server could not be
	// reached or refused the message (kept in the thread as failed).
	ErrNotSent = errors.New("mail: reply not sent")
	// ErrEmptyReply is returned by Reply for an empty body.
	ErrEmptyReply = errors.New("mail: empty reply")
	// ErrNoRecipient is returned by Reply when the conversation has no
	// address to answer.
	ErrNoRecipient = errors.New("mail: conversation has no recipient address")
)
