// Package stats computes the distributor's statistics from its event log:
// every state change of a work item is an Event, and service level,
// average speed of answer, handle time, abandonment and the rest follow
// from the sequence of events alone — per queue, per agent and per queue
// per 15-minute interval. The package is pure: no I/O, no clock, no
// goroutines; the distributor stores the log and feeds it here.
//
// A queue visit starts when an item enters a queue (also after a transfer
// or an overflow into it) and its figures belong to the visit's queue, to
// the 15-minute interval of its entry and to the agent who answered it.
// Offers that end in no answer or a decline return the item to waiting;
// its wait keeps counting from its entry into the queue. A visit ends
// answered, abandoned, overflowed or transferred unanswered (moved to
// another queue while waiting, a caller turned into a callback); an
// answered item's handle time runs from its acceptance to its completion
// or its transfer, whichever comes first.
//
// Counting rules:
//   - Short abandons, abandons after a wait under Options.ShortAbandon,
//     are counted apart and left out of the abandonment rate and the
//     service level.
//   - Service level is the share of answered items answered within the
//     queue's target wait (wait ≤ target) among the items answered or
//     abandoned (short abandons aside).
//   - Abandonment rate is abandoned / (answered + abandoned), short
//     abandons aside.
//   - Longest wait is the longest wait of an item that stopped waiting
//     (answered, abandoned or overflowed).
//   - Entered = Answered + Abandoned + ShortAbandoned + Overflowed +
//     TransferredUnanswered + Waiting for every queue and interval;
//     Waiting includes items being offered.
package stats
