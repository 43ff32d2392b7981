// Package voice runs an ivr.Flow on a phone call: it plays prompts with
// barge-in (a digit stops the prompt), reads digits with timeouts, follows
// menus with retries and the invalid-choice fallback, collects digit
// strings, resolves web-to-voice codes dialled as '*' then the code, and
// hands the call to a queue or an extension with the flow's context. The
// call itself is the Call interface, which the SIP side satisfies.
package voice
