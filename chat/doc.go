// Package chat is the web chat channel: the embeddable widget served by the
// appliance (widget.js), the visitor WebSocket (origin checked per widget,
// pre-chat form, messages committed to the store before they are
// acknowledged, resume with history after a reload or a network drop,
// typing indicators, transcript by email, leave-a-message and callback when
// nobody can take chats), and the agent side (an http.Handler with JSON and
// a WebSocket: offers, accept and decline, several chats within the agent's
// capacity, canned responses, transfer, close with disposition, the
// customer's timeline beside each chat). The widget and its start page
// speak Config.Language (English or French; widget.js holds its words).
//
// Who serves which chat is the appliance's one distributor's decision
// (package acd): each session is an acd.Chat work item, and the Server is
// the chat channel's acd.Handler, turning offers into console pop-ups and
// reporting accept, decline, close, abandon and transfer back. Agents take
// chats by their acd presence and within their acd capacity, beside their
// calls and emails.
//
// Every conversation feeds the unified customer (internal/customer): the
// visitor token, email and phone of the pre-chat form are identities of one
// customer and the transcript is an entry of their timeline.
//
// Visitor strings are data only: the widget renders them with textContent
// and the agent side serves JSON, never HTML. Messages are limited in size
// and rate per visitor; a visitor that floods has its own connection closed.
// Every connection is pinged (a dead or deaf peer is closed, a slow one never
// holds up the others), a visitor must say hello in time, and one address
// holds a bounded number of connections and open chats.
package chat
