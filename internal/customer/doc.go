// Package customer is the unified customer: identities (phone numbers in
// E.164, email addresses, chat visitors) resolved to one record whatever the
// channel, manual merge and split, and the cross-channel timeline (calls,
// callbacks, chats, emails, notes) that every channel feeds and every offer's
// screen pop reads.
//
// Channels call [Directory.Resolve] with the identity they know (the caller
// number, the sender address, the chat visitor token), [Directory.Link] for
// the others they learn (the email given in a chat pre-chat form), and
// [Directory.Record] for each interaction. Storage is internal/store.
//
// Each identity keeps where it came from: [Verified] (a channel proved it:
// an email's From, a caller ID, the chat token) or [Typed] (a visitor typed
// it in a form). A typed identity still joins the visitor to the customer
// it matches, but stays unconfirmed, with the history reached through it,
// until it arrives through a verified channel or an agent confirms it
// ([Directory.Confirm]): anyone can type anyone's address.
package customer
