package slo

import "time"

// Maintenance is a period excluded from an objective: events inside it are
// not valid. It is one-off (Start plus Duration) or recurring (Next gives
// each start after a time, from a cron schedule).
type Maintenance struct {
	Name     string
	Start    time.Time
	Duration time.Duration
	// Schedule is the cron expression of a recurring window, for messages.
	Schedule string
	// TimeZone is the IANA zone the schedule runs in; empty for UTC.
	TimeZone string
	// Next returns the first start of a recurring window strictly after t.
	// Nil for a one-off window.
	Next func(t time.Time) time.Time
}

// Covers reports whether t falls inside the maintenance window.
func (m *Maintenance) Covers(t time.Time) bool {
	if m.Next == nil {
		return !t.Before(m.Start) && t.Before(m.Start.Add(m.Duration))
	}
	// A recurring window covers t when one of its starts lies in
	// (t - duration, t]: the first start after t - duration is at or before t.
	start := m.Next(t.Add(-m.Duration))
	return !start.After(t)
}
