package engine

import "time"

// SourceDown says that an objective's source cannot be read: since when,
// and the last error.
type SourceDown struct {
	Since time.Time `json:"since"`
	Error string    `json:"error"`
}

// SetSourceDown marks the source of the objective key down, or up again
// with nil. While it is down the objective has no data: its windows hold
// only what was read before, and figures from them would be figures of a
// service nobody is measuring. It is still handed to the Alerter, whose
// source-down alert goes by Evaluation.SourceDown; no burn-rate or budget
// condition holds without data, so a source that is down never pages as a
// burn. The mark outlives a reload of the specs.
func (e *Engine) SetSourceDown(key string, d *SourceDown) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if d == nil {
		delete(e.down, key)
	} else {
		c := *d
		e.down[key] = &c
	}
	if p, ok := e.plans[key]; ok {
		p.down = e.down[key]
	}
}
