package api

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/slo"
)

// sloCollector exports every objective's last evaluation at scrape time, so
// that /metrics never disagrees with the API. Customers' series are not
// exported: thousands of customers would be thousands of series per metric.
type sloCollector struct {
	engine    Evaluator
	sli       *prometheus.Desc
	target    *prometheus.Desc
	remaining *prometheus.Desc
	minutes   *prometheus.Desc
	total     *prometheus.Desc
	burn      *prometheus.Desc
	status    *prometheus.Desc
	good      *prometheus.Desc
	valid     *prometheus.Desc
}

// NewCollector returns the collector of the SLO metrics, labelled by service
// and slo.
func NewCollector(e Evaluator) prometheus.Collector {
	l := []string{"service", "slo"}
	d := func(name, help string, extra ...string) *prometheus.Desc {
		return prometheus.NewDesc("slo_"+name, help, append(l, extra...), nil)
	}
	return &sloCollector{
		engine:    e,
		sli:       d("sli_ratio", "The SLI over the SLO window: good over valid events. Absent with no data."),
		target:    d("objective_ratio", "The SLO's target."),
		remaining: d("error_budget_remaining_ratio", "The share of the error budget left; negative when overspent. Absent with no data."),
		minutes:   d("error_budget_remaining_minutes", "The error budget left, in minutes of the SLO window."),
		total:     d("error_budget_total_minutes", "The whole error budget, in minutes of the SLO window."),
		burn:      d("burn_rate", "The burn rate over a window ending now. Absent with no data in the window.", "window"),
		status:    d("status", "1 for the SLO's current budget status, 0 for the others.", "status"),
		good:      d("window_good_events", "Good events in the SLO window."),
		valid:     d("window_valid_events", "Valid events in the SLO window."),
	}
}

func (c *sloCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.sli, c.target, c.remaining, c.minutes, c.total, c.burn, c.status, c.good, c.valid} {
		ch <- d
	}
}

func (c *sloCollector) Collect(ch chan<- prometheus.Metric) {
	for _, ev := range c.engine.Evaluations() {
		g := func(d *prometheus.Desc, v float64, extra ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{ev.Service, ev.SLO}, extra...)...)
		}
		g(c.target, ev.Target)
		g(c.total, ev.Budget.TotalMinutes)
		g(c.good, ev.Good)
		g(c.valid, ev.Valid)
		if ev.SLI != nil {
			g(c.sli, *ev.SLI)
			g(c.remaining, ev.Budget.RemainingRatio)
			g(c.minutes, ev.Budget.RemainingMinutes)
		}
		for _, w := range ev.Windows {
			if w.BurnRate != nil {
				g(c.burn, *w.BurnRate, w.Window)
			}
		}
		for s := slo.NoData; s <= slo.Exhausted; s++ {
			v := 0.0
			if s.String() == ev.Status {
				v = 1
			}
			g(c.status, v, s.String())
		}
	}
}

// Metrics are the server's own figures.
type Metrics struct {
	Events     *prometheus.CounterVec
	Batches    *prometheus.CounterVec
	Tick       prometheus.Histogram
	StoreBytes prometheus.GaugeFunc
	// Notifications counts deliveries by notifier (alertmanager, webhook)
	// and result.
	Notifications *prometheus.CounterVec
}

// ObserveBatch counts one push batch's outcome and items.
func (m *Metrics) ObserveBatch(outcome string, items int, counted, excluded, ignored, unmatched int) {
	m.Batches.WithLabelValues(outcome).Inc()
	if outcome != "accepted" {
		m.Events.WithLabelValues(outcome).Add(float64(items))
		return
	}
	m.Events.WithLabelValues("counted").Add(float64(counted))
	m.Events.WithLabelValues("excluded").Add(float64(excluded))
	m.Events.WithLabelValues("ignored").Add(float64(ignored))
	m.Events.WithLabelValues("unmatched").Add(float64(unmatched))
}

// NewMetrics registers the server's own figures and the SLO collector on reg.
// storeSize reports the store's size in bytes.
func NewMetrics(reg *prometheus.Registry, e Evaluator, storeSize func() float64) *Metrics {
	m := &Metrics{
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slo_ingest_events_total",
			Help: "Items received by the push API, by result: counted (valid for some SLO), excluded (in a maintenance window), ignored (valid for no SLO), unmatched (a stream or SLO no spec reads), rejected (in a refused batch), duplicate (in a resent batch), failed (not stored).",
		}, []string{"result"}),
		Batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slo_ingest_batches_total",
			Help: "Batches received by the push API, by result: accepted, duplicate, rejected, failed (not stored).",
		}, []string{"result"}),
		Tick: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "slo_engine_tick_seconds",
			Help:    "How long an evaluation of every SLO took.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8),
		}),
		StoreBytes: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "slo_store_size_bytes",
			Help: "The store's size on disk.",
		}, storeSize),
		Notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slo_notifications_total",
			Help: "Alert deliveries by notifier and result: for \"alertmanager URL\", sent or failed (a post of the active alerts); for webhook, delivered, retried or dropped (a message).",
		}, []string{"notifier", "result"}),
	}
	reg.MustRegister(m.Events, m.Batches, m.Tick, m.StoreBytes, m.Notifications, NewCollector(e))
	return m
}
