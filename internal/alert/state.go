// Package alert turns the engine's evaluations into alerts: each tier of
// each objective, and each budget-status alert, goes inactive -> pending ->
// firing -> resolved as Prometheus alerting rules do; alerts of one
// objective and severity are notified as one; states and history are kept
// in the store so that a restart resumes them.
package alert

// State is where an alert is in its life.
type State int

// The states. An alert whose condition starts to hold is pending until it
// has held for its tier's `for` (at once when that is 0), then firing until
// it has not held for its `keep_firing_for`, then resolved. A pending alert
// whose condition stops holding goes back to inactive and leaves no trace.
const (
	Inactive State = iota
	Pending
	Firing
	Resolved
)

var stateNames = [...]string{"inactive", "pending", "firing", "resolved"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return "unknown"
	}
	return stateNames[s]
}

// parseState reads a stored state; an unknown one reads as inactive.
func parseState(s string) State {
	for i, n := range stateNames {
		if n == s {
			return State(i)
		}
	}
	return Inactive
}
