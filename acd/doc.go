// Package acd is the automatic call distributor of every channel: work
// items (voice calls, chats, emails, callback requests) wait in queues and
// are offered to agents by presence, skills and capacity, whatever the
// channel. It knows no SIP, WebSocket or IMAP: each channel plugs in a
// Handler that turns an Offer into a ringing phone, a console pop-up or an
// email assignment, and reports back with Accept, Decline, Complete and
// Abandon.
//
//   - The decision of who serves whom is acd/route's (pure, benchmarked);
//     this package owns the state around it: offers and their ring timeout
//     (ring no answer returns the item to its place and makes the agent
//     away), wrap-up, presence, overflow, transfer and the self-check that
//     no agent stays reserved after an item ended.
//   - Items of durable channels (email, chat, callback) are committed to
//     the store before Enqueue returns and reloaded in order at start.
//   - Every state change is appended to an event log (acd/stats computes
//     service level, speed of answer, handle time and abandonment from it).
//   - The live state (Snapshot) is published on the events bus, topics
//     "queue" and "agent", for the wallboard and `switchboard queue status`.
package acd
