package alert

import (
	"context"
	"time"

	"github.com/slo-dev/slo/internal/store"
)

// Active returns the pending and firing alerts that keep accepts (all when
// nil), oldest first, with the budget each firing one has spent so far (to
// now, to the minute).
func (m *Manager) Active(ctx context.Context, now time.Time, keep func(store.Alert) bool) []store.Alert {
	m.mu.Lock()
	out := make([]store.Alert, 0, len(m.alerts))
	allowed := make([]float64, 0, len(m.alerts))
	for _, k := range m.sortedKeys() {
		e := m.alerts[k]
		if keep != nil && !keep(e.rec) {
			continue
		}
		out = append(out, e.rec)
		allowed = append(allowed, e.figs.allowed)
	}
	m.mu.Unlock()
	for i := range out {
		out[i].BudgetSpent = m.spent(ctx, &out[i], allowed[i], now)
	}
	return out
}

// States returns the pending and firing alerts without their budget
// spent: cheap, for /metrics.
func (m *Manager) States() []store.Alert {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]store.Alert, 0, len(m.alerts))
	for _, k := range m.sortedKeys() {
		out = append(out, m.alerts[k].rec)
	}
	return out
}

// History returns the alerts that fired within q's range, newest first:
// the resolved ones from the store, the firing ones as they are now.
func (m *Manager) History(ctx context.Context, q store.AlertQuery) ([]store.Alert, error) {
	out, err := m.store.Alerts(ctx, q)
	if err != nil {
		return nil, err
	}
	// The store has the firing alerts as of their last save; the manager's
	// are newer (peak burn rate). Their FiredAt, which orders the list, is
	// the same.
	m.mu.Lock()
	for i := range out {
		if e := m.alerts[alertKey{out[i].Service + "/" + out[i].SLO, out[i].Rule}]; e != nil && e.rec.ID == out[i].ID {
			out[i] = e.rec
		}
	}
	m.mu.Unlock()
	return out, nil
}
