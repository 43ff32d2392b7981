// Package contact is the web face of an ivr.Flow: an http.Handler serving
// the visual contact page /contact/{flow}. The visitor picks an intent
// through the flow's menus (plain links, no script needed); the page then
// offers what fits now — a self-service link first, chat when an agent is
// available for chat, the phone number with a button that reveals a
// 6-digit code carrying the visit to the phone menu (issued on that ask,
// the same again for the visit while it is valid and not used, a few a
// minute per address, a bounded number outstanding; a code works for one
// call), or a callback form (time window) and an email form when the wait
// is long or no agent can chat. Forms carry a signed
// per-page token (the page is public and sets no cookie); posts and page
// views are rate limited per client address (an IPv6 client by its /64);
// every step is recorded in the funnel. The
// page speaks the flow's language, else the settings language (its own
// words in English or French, text.go; the flow's titles as written).
package contact
