package alert_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
)

// An objective read from Prometheus whose source stays down for five
// minutes raises one SLOSourceDown warning, never a burn-rate alert, and
// resolves when the source is back; a shorter failure notifies nobody.
func TestASourceDownForFiveMinutesRaisesSourceDownAndNoBurnAlert(t *testing.T) {
	services := testService(page)
	services[0].Objectives[0].SLI = slo.SLI{Kind: slo.SourcePrometheus, Prometheus: &slo.PromSLI{Bad: "sum(rate(e[{{.window}}]))", Total: "sum(rate(t[{{.window}}]))"}}
	r := newRig(t, services)
	down := func(d time.Duration) {
		r.now = r.now.Add(d)
		o := services[0].Objectives[0]
		ev := engine.Evaluation{Service: "s", SLO: "a", Status: slo.NoData.String(), Target: o.Target, Time: r.now,
			SourceDown: &engine.SourceDown{Since: t0, Error: "dial tcp 127.0.0.1:9090: connection refused"}}
		for _, tier := range o.Alerting.Tiers { // no data: no burn rates
			ev.Tiers = append(ev.Tiers, engine.TierFigures{Name: tier.Name, Severity: tier.Severity, Threshold: tier.BurnRate})
		}
		r.mgr.Tick(r.ctx, r.now, []engine.Evaluation{ev})
	}

	for range 4 { // four minutes: a blip
		down(time.Minute)
	}
	r.tick(time.Minute, "healthy")
	if n := r.rec.changed(); len(n) != 0 {
		t.Fatalf("a four-minute failure notified: %+v", n)
	}

	for range 6 {
		down(time.Minute)
	}
	s := r.mgr.States()
	if len(s) != 1 || s[0].State != "firing" || s[0].Rule != "source_down" {
		t.Fatalf("after six minutes down: %+v, want source_down firing alone", s)
	}
	notes := r.rec.changed()
	if len(notes) != 1 {
		t.Fatalf("notifications %+v, want one", notes)
	}
	n := notes[0]
	if n.Labels["alertname"] != "SLOSourceDown" || n.Labels["severity"] != "warning" || n.Labels["service"] != "s" || n.Labels["slo"] != "a" {
		t.Errorf("labels %v", n.Labels)
	}
	if _, ok := n.Labels["budget_status"]; ok {
		t.Errorf("a source-down alert has a budget_status label: %v", n.Labels)
	}
	if !strings.Contains(n.Annotations["description"], "connection refused") || !strings.Contains(n.Annotations["summary"], "source is down") {
		t.Errorf("annotations %v", n.Annotations)
	}

	r.tick(time.Minute, "healthy")
	if notes := r.rec.changed(); len(notes) != 2 || notes[1].Firing() || notes[1].Labels["alertname"] != "SLOSourceDown" {
		t.Errorf("after the source is back: %+v, want the firing then its resolution", notes)
	}
}

// Objectives that Prometheus does not measure have no source-down rule.
func TestEventSLIsHaveNoSourceDownAlert(t *testing.T) {
	r := newRig(t, testService(page))
	ev := evalOf(r.services, "healthy")
	ev.SourceDown = &engine.SourceDown{Since: t0, Error: "x"}
	for range 10 {
		r.now = r.now.Add(time.Minute)
		ev.Time = r.now
		r.mgr.Tick(r.ctx, r.now, []engine.Evaluation{ev})
	}
	if s := r.mgr.States(); len(s) != 0 {
		t.Errorf("states %+v, want none", s)
	}
}
