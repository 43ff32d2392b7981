package acd

import (
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/acd/route"
	"github.com/switchboard-cc/switchboard/internal/config"
)

// Queue defaults, used when the configuration leaves a field out.
const (
	DefaultRingTimeout   = 20 * time.Second
	DefaultWrapUp        = 5 * time.Second
	DefaultServiceLevel  = 20 * time.Second
	DefaultServiceGoal   = 80
	DefaultAnnounce      = 30 * time.Second
	DefaultCallbackDigit = "1"
	// DefaultHandleTime is the handle time assumed for expected waits until
	// a queue has history.
	DefaultHandleTime = 3 * time.Minute
)

// queue is a configured queue with its defaults applied.
type queue struct {
	config.Queue
	ring, wrapUp, slTarget time.Duration
	goal                   int
	announce               time.Duration
	callbackDigit          string
}

func newQueue(c config.Queue) *queue {
	q := &queue{Queue: c, ring: c.RingTimeout.Std(), wrapUp: DefaultWrapUp, slTarget: c.ServiceLevel.Std(),
		goal: c.ServiceGoal, announce: DefaultAnnounce, callbackDigit: c.CallbackDigit}
	if q.ring == 0 {
		q.ring = DefaultRingTimeout
	}
	if c.WrapUp != nil {
		q.wrapUp = c.WrapUp.Std()
	}
	if q.slTarget == 0 {
		q.slTarget = DefaultServiceLevel
	}
	if q.goal == 0 {
		q.goal = DefaultServiceGoal
	}
	if c.Announce != nil {
		q.announce = c.Announce.Std()
	}
	switch q.callbackDigit {
	case "":
		q.callbackDigit = DefaultCallbackDigit
	case "none":
		q.callbackDigit = ""
	}
	return q
}

// route returns the queue's routing settings.
func (q *queue) route() route.Queue {
	rq := route.Queue{Name: q.Name, Strategy: route.Strategy(q.Strategy), Skills: q.Skills, Weight: q.Weight,
		Members: map[string]int{}}
	if rq.Strategy == "" {
		rq.Strategy = route.LongestIdle
	}
	if a := q.Aging; a != nil {
		rq.Aging = route.Aging{Every: a.Every.Std(), Step: max(a.Step, 1), Max: a.Max}
	}
	for _, m := range q.Members {
		rq.Members[m] = q.Penalties[m]
	}
	return rq
}

// overflowTo splits the overflow target into its kind ("queue" or "flow")
// and name.
func (q *queue) overflowTo() (kind, name string) {
	if q.Overflow == nil {
		return "", ""
	}
	kind, name, _ = strings.Cut(q.Overflow.To, ":")
	return kind, name
}
