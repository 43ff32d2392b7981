package stats

import "time"

// Stats are the figures of a queue, an agent or an interval. Counts that
// do not apply (an agent's Entered, Abandoned, Overflowed, Waiting) stay
// 0; a ratio or a mean with nothing to count is 0. Durations encode in
// JSON as nanoseconds.
type Stats struct {
	Entered  int `json:"entered"`
	Offered  int `json:"offered"`
	Answered int `json:"answered"`
	// AnsweredInTarget counts the items answered within the target wait.
	AnsweredInTarget int `json:"answered_in_target"`
	Abandoned        int `json:"abandoned"`
	ShortAbandoned   int `json:"short_abandoned"`
	Overflowed       int `json:"overflowed"`
	// Transferred counts the transfers out of the queue, answered or not;
	// TransferredUnanswered those of items not yet answered (moved to
	// another queue while waiting, a caller turned into a callback).
	Transferred           int `json:"transferred"`
	TransferredUnanswered int `json:"transferred_unanswered"`
	NoAnswers             int `json:"no_answers"`
	Declines              int `json:"declines"`
	// Handled counts the answered items whose handling ended (completed
	// or transferred), the items AHT averages.
	Handled int `json:"handled"`
	// Waiting counts the items still waiting or being offered at the end
	// of the log.
	Waiting int `json:"waiting"`
	// ServiceLevel is AnsweredInTarget / (Answered + Abandoned).
	ServiceLevel float64 `json:"service_level"`
	// AbandonRate is Abandoned / (Answered + Abandoned).
	AbandonRate float64 `json:"abandon_rate"`
	// ASA is the mean wait of answered items, from entry to acceptance.
	ASA time.Duration `json:"asa_ns"`
	// AHT is the mean handle time, from acceptance to completion or
	// transfer.
	AHT         time.Duration `json:"aht_ns"`
	LongestWait time.Duration `json:"longest_wait_ns"`

	waitSum, handleSum time.Duration
}

// QueueStats are one queue's figures.
type QueueStats struct {
	Queue string `json:"queue"`
	Stats
}

// AgentStats are one agent's figures: offers, answers (their speed and
// share within target), declines, no-answers, transfers and handle time
// of the items offered to them.
type AgentStats struct {
	Agent string `json:"agent"`
	Stats
}

// IntervalStats are one queue's figures for the visits that entered in
// the 15-minute interval starting at Start.
type IntervalStats struct {
	Queue string    `json:"queue"`
	Start time.Time `json:"start"`
	Stats
}

// Report is the statistics of an event log, sorted by queue, by agent,
// and by queue then interval start.
type Report struct {
	Queues    []QueueStats    `json:"queues"`
	Agents    []AgentStats    `json:"agents"`
	Intervals []IntervalStats `json:"intervals"`
}

// finish fills in the ratios and means from the counts.
func (s *Stats) finish() {
	if n := s.Answered + s.Abandoned; n > 0 {
		s.ServiceLevel = float64(s.AnsweredInTarget) / float64(n)
		s.AbandonRate = float64(s.Abandoned) / float64(n)
	}
	if s.Answered > 0 {
		s.ASA = s.waitSum / time.Duration(s.Answered)
	}
	if s.Handled > 0 {
		s.AHT = s.handleSum / time.Duration(s.Handled)
	}
}

// waited records a visit's wait when the item stops waiting.
func (s *Stats) waited(d time.Duration) {
	s.LongestWait = max(s.LongestWait, d)
	s.Waiting--
}
