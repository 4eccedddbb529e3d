package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Alerter is what the API reads of the alerts: the alert manager.
type Alerter interface {
	// Active returns the pending and firing alerts keep accepts, with the
	// budget each has spent so far.
	Active(ctx context.Context, now time.Time, keep func(store.Alert) bool) []store.Alert
	// States returns the same without the budget spent: for /metrics.
	States() []store.Alert
	History(ctx context.Context, q store.AlertQuery) ([]store.Alert, error)
}

// listAlerts serves the pending and firing alerts, of one service and SLO
// when asked, and of one state (pending, firing).
func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	service, name, state := q.Get("service"), q.Get("slo"), q.Get("state")
	if state != "" && state != "pending" && state != "firing" {
		writeError(w, http.StatusBadRequest, "state %q: want pending or firing", state)
		return
	}
	out := s.Alerts.Active(r.Context(), s.Now(), func(a store.Alert) bool {
		return (service == "" || a.Service == service) && (name == "" || a.SLO == name) && (state == "" || a.State == state)
	})
	if out == nil {
		out = []store.Alert{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": out})
}

// alertHistory serves the alerts that fired in [from, to), by default the
// last 30 days, newest first, at most limit (default 100, at most 10000).
func (s *Server) alertHistory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to, ok := s.timeRange(w, q, 30*slo.Day)
	if !ok {
		return
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		var err error
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 10000 {
			writeError(w, http.StatusBadRequest, "limit %q: want a whole number from 1 to 10000", v)
			return
		}
	}
	list, err := s.Alerts.History(r.Context(), store.AlertQuery{Service: q.Get("service"), SLO: q.Get("slo"), From: from, To: to, Limit: limit})
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "%v", err)
		return
	}
	if list == nil {
		list = []store.Alert{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": list})
}

// alertCollector exports every pending and firing alert as a 1, the way
// Prometheus exports its ALERTS series.
type alertCollector struct {
	alerts Alerter
	desc   *prometheus.Desc
}

// NewAlertCollector returns the collector of slo_alerts.
func NewAlertCollector(a Alerter) prometheus.Collector {
	return &alertCollector{alerts: a, desc: prometheus.NewDesc("slo_alerts",
		"1 for every pending or firing alert, by its rule (a tier, or budget_<status>), severity and state.",
		[]string{"service", "slo", "rule", "severity", "state"}, nil)}
}

func (c *alertCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *alertCollector) Collect(ch chan<- prometheus.Metric) {
	for _, a := range c.alerts.States() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, 1, a.Service, a.SLO, a.Rule, a.Severity, a.State)
	}
}
