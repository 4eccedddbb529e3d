package alert

import "time"

// Notification is an alert as the notifiers send it, in Alertmanager's
// model: a label set that identifies it, annotations that describe it, and
// its times.
type Notification struct {
	// Labels identify the alert: alertname, service, slo, severity, tier,
	// long_window, short_window, and the spec's own labels.
	Labels map[string]string `json:"labels"`
	// Annotations describe it: summary, description, runbook_url,
	// dashboard, and the spec's own annotations.
	Annotations map[string]string `json:"annotations"`
	// StartsAt is when the alert began firing.
	StartsAt time.Time `json:"startsAt"`
	// EndsAt is zero while the alert fires, and when it resolved after.
	EndsAt time.Time `json:"endsAt,omitzero"`
	// GeneratorURL links to the SLO's page in slo serve.
	GeneratorURL string `json:"generatorURL,omitempty"`
}

// Firing reports whether the alert is still firing.
func (n Notification) Firing() bool { return n.EndsAt.IsZero() }

// Notifier delivers notifications. After every tick the manager calls
// Notify with every firing alert and every alert resolved within the last
// ResolvedKeep (active), and with the alerts that began firing or resolved
// at this tick (changed, a subset of active). Notify must not block: a
// notifier queues and delivers on its own goroutine, retrying as it sees
// fit. The slices and maps are the notifier's to keep.
type Notifier interface {
	Notify(now time.Time, active, changed []Notification)
}

// ResolvedKeep is how long a resolved alert stays in the active set, so
// that a receiver that was down when it resolved still hears of it.
const ResolvedKeep = 15 * time.Minute
