// Package queue is the voice side of the distributor: it turns calls into
// acd work items and acd offers into ringing phones.
//
//   - A caller routed to a queue (by a trunk's inbound route or an IVR
//     flow's queue node) waits with music on hold and, at the queue's
//     interval, hears its position and expected wait; neither ever delays
//     an offer: the agent who answers is bridged at once, mid-phrase.
//   - Pressing the queue's callback digit turns the wait into a callback
//     request that keeps the caller's place (acd.ToCallback).
//   - An offer rings every registered phone of the agent's extension (of
//     every agent, for ring-all) showing "caller (queue)"; the first answer
//     is accepted and bridged; a busy or unregistered phone declines; the
//     ring timeout is the distributor's (ring no answer).
//   - Feature codes dialled from a desk phone log the agent in (*45), out
//     (*46) or pause them (*47 followed by a reason digit), and the numbers
//     of IVR flows run them on the ivr/voice runner.
package queue
