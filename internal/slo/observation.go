package slo

import "time"

// Series names what counts are kept for: an objective, by its key
// ("service/slo"), and a customer for objectives measured per customer. The
// objective's total has an empty Customer.
type Series struct {
	Objective string
	Customer  string
}

// String writes the series as "service/slo" or "service/slo@customer".
func (s Series) String() string {
	if s.Customer == "" {
		return s.Objective
	}
	return s.Objective + "@" + s.Customer
}

// MaxCustomer is the longest customer id, in bytes, anywhere: in pushed
// events, log lines, mapping files and tier assignments. Ids name series in
// the store, so every one assigned a tier can also be measured.
const MaxCustomer = 256

// Observation is a count of good and valid events of one series at one
// time: what sources produce, the store keeps and the engine sums. Counts
// are float64 because Prometheus increases are, and they stay exact for
// integers below 2^53.
type Observation struct {
	Series Series
	Time   time.Time
	Good   float64
	Valid  float64
}

// Excluded reports whether t falls in one of the objective's maintenance
// windows, where events are not valid.
func (o *Objective) Excluded(t time.Time) bool {
	for i := range o.Exclusions {
		if o.Exclusions[i].Covers(t) {
			return true
		}
	}
	return false
}
