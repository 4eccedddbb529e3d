package slo

// Credit tells whether the achieved availability (a ratio) meets the SLA,
// and the share of the bill credited: the percent of the line with the
// lowest Below still above achieved, since the schedule's deepest breached
// line is the one owed. Lines are read in any order; being exactly at a
// line's Below is not below it. No line breached means no credit.
func (s *SLA) Credit(achieved float64) (met bool, percent float64) {
	var owed *Credit
	for i := range s.Credits {
		c := &s.Credits[i]
		if achieved < c.Below && (owed == nil || c.Below < owed.Below) {
			owed = c
		}
	}
	if owed != nil {
		percent = owed.Percent
	}
	return achieved >= s.Target, percent
}
