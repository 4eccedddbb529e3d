package alert_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/alert"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

// These tests feed the manager evaluations made by hand, so that each
// condition is exactly what the test says; scenario_test.go runs the
// engine in front of it.

func testService(tiers ...slo.AlertTier) []slo.Service {
	return []slo.Service{{Name: "s", Objectives: []slo.Objective{{
		Service: "s", Name: "a", Target: 0.999,
		Window: slo.Window{Rolling: 30 * slo.Day},
		Policy: slo.Policy{Rules: []slo.PolicyRule{
			{Status: slo.Healthy, Above: 0.5}, {Status: slo.Warning, Above: 0.2},
			{Status: slo.Critical, Above: 0}, {Status: slo.Exhausted},
		}, FastBurn: slo.FastBurn{Warning: 5, Critical: 10}},
		Alerting: slo.Alerting{
			Tiers: tiers,
			BudgetAlerts: []slo.BudgetAlert{
				{Status: slo.Critical, Severity: "warning"},
				{Status: slo.Exhausted, Severity: "critical"},
			},
			Labels:     map[string]string{"team": "core", "severity": "spec-cannot-override"},
			RunbookURL: "https://runbooks.example.com/s",
		},
	}}}}
}

var (
	page   = slo.AlertTier{Name: "page", Severity: "critical", BurnRate: 14.4, Long: time.Hour, Short: 5 * time.Minute}
	ticket = slo.AlertTier{Name: "ticket", Severity: "info", BurnRate: 3, Long: slo.Day, Short: 2 * time.Hour}
	review = slo.AlertTier{Name: "review", Severity: "info", BurnRate: 1, Long: 3 * slo.Day, Short: 6 * time.Hour}
)

// evalOf is an evaluation of s/a in which the tiers listed in over fire
// at burn rate 20, with status status.
func evalOf(services []slo.Service, status string, over ...string) engine.Evaluation {
	o := services[0].Objectives[0]
	burn, remaining, sli := 20.0, 0.6, 0.9995
	switch status { // the budget left that gives the status
	case "critical":
		remaining = 0.1
	case "exhausted":
		remaining = -0.1
	}
	ev := engine.Evaluation{
		Service: "s", SLO: "a", Status: status, Target: o.Target, BurnRate1h: &burn, SLI: &sli,
		Budget: engine.Budget{RemainingRatio: remaining, RemainingMinutes: 25.92, TotalMinutes: 43.2, AllowedEvents: 1000},
	}
	for _, t := range o.Alerting.Tiers {
		tf := engine.TierFigures{Name: t.Name, Severity: t.Severity, Threshold: t.BurnRate, Long: slo.FormatDuration(t.Long), Short: slo.FormatDuration(t.Short)}
		for _, name := range over {
			if name == t.Name {
				tf.Over, tf.LongBurn, tf.ShortBurn = true, &burn, &burn
			}
		}
		ev.Tiers = append(ev.Tiers, tf)
	}
	return ev
}

type rig struct {
	t        *testing.T
	ctx      context.Context
	st       store.Store
	mgr      *alert.Manager
	rec      *recorder
	services []slo.Service
	now      time.Time
}

func newRig(t *testing.T, services []slo.Service) *rig {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "slo.db"), sqlite.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &rig{t: t, ctx: context.Background(), st: st, services: services, now: t0}
	r.restart()
	return r
}

// restart makes a new manager over the same store, as a restart does.
func (r *rig) restart() {
	r.t.Helper()
	r.rec = &recorder{}
	r.mgr = alert.New(r.st, alert.Options{ExternalURL: "http://slo.example.com/", Notifiers: []alert.Notifier{r.rec}})
	r.mgr.SetServices(r.services)
	if err := r.mgr.Load(r.ctx); err != nil {
		r.t.Fatal(err)
	}
}

// tick moves the clock by d and ticks with the tiers in over firing.
func (r *rig) tick(d time.Duration, status string, over ...string) {
	r.now = r.now.Add(d)
	var evals []engine.Evaluation
	if status != "healthy" || len(over) > 0 {
		ev := evalOf(r.services, status, over...)
		ev.Time = r.now
		evals = append(evals, ev)
	}
	r.mgr.Tick(r.ctx, r.now, evals)
}

func (r *rig) history() []store.Alert {
	r.t.Helper()
	h, err := r.mgr.History(r.ctx, store.AlertQuery{})
	if err != nil {
		r.t.Fatal(err)
	}
	return h
}

func TestAnAlertIsPendingForItsForThenFiresAndResolves(t *testing.T) {
	tier := page
	tier.For = time.Minute
	r := newRig(t, testService(tier))
	r.tick(0, "healthy", "page")
	r.tick(30*time.Second, "healthy", "page")
	if s := r.mgr.States(); len(s) != 1 || s[0].State != "pending" {
		t.Fatalf("after 30s of 1m: %+v, want one pending alert", s)
	}
	if n := r.rec.changed(); len(n) != 0 {
		t.Fatalf("a pending alert notified: %+v", n)
	}
	r.tick(30*time.Second, "healthy", "page")
	if s := r.mgr.States(); len(s) != 1 || s[0].State != "firing" || !s[0].FiredAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after 1m: %+v, want firing since t0+1m", s)
	}
	r.tick(10*time.Second, "healthy")
	h := r.history()
	if len(h) != 1 || h[0].State != "resolved" || !h[0].ActiveAt.Equal(t0) || !h[0].ResolvedAt.Equal(t0.Add(70*time.Second)) {
		t.Fatalf("history %+v, want one alert active at t0, resolved at t0+70s", h)
	}
	if h[0].PeakBurnRate != 20 {
		t.Errorf("peak burn rate %v, want 20", h[0].PeakBurnRate)
	}
	notes := r.rec.changed()
	if len(notes) != 2 || !notes[0].Firing() || notes[1].Firing() || !notes[1].EndsAt.Equal(t0.Add(70*time.Second)) || !notes[1].StartsAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("notifications %+v, want firing at t0+1m then resolved at t0+70s", notes)
	}
	if s := r.mgr.States(); len(s) != 0 {
		t.Errorf("states after resolution: %+v", s)
	}
}

func TestAPendingAlertThatStopsLeavesNoTrace(t *testing.T) {
	tier := page
	tier.For = 5 * time.Minute
	r := newRig(t, testService(tier))
	for range 6 {
		r.tick(10*time.Second, "healthy", "page")
	}
	if active, err := r.st.ActiveAlerts(r.ctx); err != nil || len(active) != 1 {
		t.Fatalf("stored active alerts %+v, %v: want the pending one, for a restart", active, err)
	}
	r.tick(10*time.Second, "healthy")
	if h := r.history(); len(h) != 0 {
		t.Errorf("history %+v, want none", h)
	}
	if active, err := r.st.ActiveAlerts(r.ctx); err != nil || len(active) != 0 {
		t.Errorf("stored active alerts %+v, %v: want none", active, err)
	}
}

func TestKeepFiringForRidesOutAFlap(t *testing.T) {
	tier := page
	tier.KeepFiringFor = 5 * time.Minute
	r := newRig(t, testService(tier))
	r.tick(0, "healthy", "page")
	r.tick(time.Minute, "healthy")         // 1m without: still firing
	r.tick(3*time.Minute, "healthy")       // 4m without: still firing
	r.tick(time.Minute, "healthy", "page") // back: the same incident
	r.tick(4*time.Minute, "healthy")
	if s := r.mgr.States(); len(s) != 1 || s[0].State != "firing" {
		t.Fatalf("4m after the flap: %+v, want still firing", s)
	}
	r.tick(time.Minute, "healthy") // 5m without
	h := r.history()
	if len(h) != 1 || !h[0].ResolvedAt.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("history %+v, want one alert resolved at t0+10m", h)
	}
	if n := r.rec.changed(); len(n) != 2 {
		t.Errorf("%d notifications, want one firing and one resolved", len(n))
	}
}

func TestTiersOfOneSeverityPageOnceLedByTheHighest(t *testing.T) {
	r := newRig(t, testService(page, review, ticket)) // listed out of order
	r.tick(0, "healthy", "review", "ticket")
	r.tick(10*time.Second, "healthy", "review", "ticket", "page")
	notes := r.rec.changed()
	if len(notes) != 2 {
		t.Fatalf("%d notifications, want one info and one critical: %+v", len(notes), notes)
	}
	info := notes[0]
	if info.Labels["severity"] != "info" || info.Labels["tier"] != "ticket" || info.Labels["long_window"] != "1d" || info.Labels["short_window"] != "2h" {
		t.Errorf("info notification labels %v, want tier ticket (1d/2h), the higher of ticket and review", info.Labels)
	}
	if notes[1].Labels["tier"] != "page" || notes[1].Labels["severity"] != "critical" {
		t.Errorf("second notification labels %v, want the page", notes[1].Labels)
	}
	// ticket stops first: review still burns, so the info incident goes on
	// under the same labels.
	r.tick(10*time.Second, "healthy", "review")
	if n := r.rec.changed(); len(n) != 3 || n[2].Labels["severity"] != "critical" || n[2].Firing() {
		t.Fatalf("after ticket and page stop: %+v, want only the page's resolution", n[2:])
	}
	if act := r.rec.lastActive(); len(act) != 2 || act[0].Labels["tier"] != "ticket" || !act[0].Firing() {
		t.Errorf("active %+v, want the info incident still firing under ticket's labels, and the resolved page", act)
	}
	r.tick(10*time.Second, "healthy")
	if n := r.rec.changed(); len(n) != 4 || n[3].Labels["tier"] != "ticket" || n[3].Firing() {
		t.Errorf("after review stops: %+v, want the info incident resolved", n[3:])
	}
	if h := r.history(); len(h) != 3 {
		t.Errorf("history has %d alerts, want 3 (one a tier)", len(h))
	}
}

func TestARestartResumesAFiringAlertWithoutANewPage(t *testing.T) {
	r := newRig(t, testService(page))
	r.tick(0, "healthy", "page")
	first := r.rec.changed()
	if len(first) != 1 {
		t.Fatalf("%d notifications, want 1", len(first))
	}
	r.restart()
	r.tick(10*time.Second, "healthy", "page")
	if n := r.rec.changed(); len(n) != 0 {
		t.Fatalf("after a restart, still firing: notified %+v, want nothing new", n)
	}
	act := r.rec.lastActive()
	if len(act) != 1 || !act[0].StartsAt.Equal(t0) || act[0].Labels["tier"] != "page" || !act[0].Firing() {
		t.Fatalf("active after restart %+v, want the page firing since t0", act)
	}
	r.restart()
	r.tick(10*time.Second, "healthy")
	n := r.rec.changed()
	if len(n) != 1 || n[0].Firing() || !n[0].StartsAt.Equal(t0) {
		t.Fatalf("resolution after a second restart: %+v, want one resolved, started t0", n)
	}
	if h := r.history(); len(h) != 1 || h[0].State != "resolved" {
		t.Errorf("history %+v, want one resolved alert", h)
	}
}

func TestAnAlertWhoseTierIsGoneResolves(t *testing.T) {
	r := newRig(t, testService(page, ticket))
	r.tick(0, "healthy", "ticket")
	r.services = testService(page)
	r.mgr.SetServices(r.services)
	r.tick(10*time.Second, "healthy")
	if h := r.history(); len(h) != 1 || h[0].Rule != "ticket" || h[0].State != "resolved" {
		t.Fatalf("history %+v, want ticket resolved", h)
	}
}

func TestBudgetAlertsFollowTheStatus(t *testing.T) {
	r := newRig(t, testService(page))
	r.tick(0, "critical")
	r.tick(10*time.Second, "exhausted")
	notes := r.rec.changed()
	if len(notes) != 2 {
		t.Fatalf("%d notifications, want critical then exhausted: %+v", len(notes), notes)
	}
	for i, want := range []struct{ status, severity string }{{"critical", "warning"}, {"exhausted", "critical"}} {
		l := notes[i].Labels
		if l["alertname"] != alert.BudgetAlert || l["budget_status"] != want.status || l["severity"] != want.severity {
			t.Errorf("notification %d labels %v, want %s budget at %s", i, l, want.status, want.severity)
		}
	}
	if !strings.Contains(notes[1].Annotations["summary"], "exhausted") {
		t.Errorf("summary %q does not say exhausted", notes[1].Annotations["summary"])
	}
	r.tick(10*time.Second, "critical") // recovering: exhausted resolves, critical stays
	if s := r.mgr.States(); len(s) != 1 || s[0].Rule != "budget_critical" {
		t.Errorf("states %+v, want budget_critical alone", s)
	}
}

func TestAFastBurnWithBudgetLeftRaisesNoBudgetAlert(t *testing.T) {
	r := newRig(t, testService())
	// The policy escalates the status on a fast burn; the budget left
	// (60%) is healthy, and the budget alerts go by the budget left.
	ev := evalOf(r.services, "critical")
	ev.Budget.RemainingRatio, ev.Time = 0.6, t0
	r.mgr.Tick(r.ctx, t0, []engine.Evaluation{ev})
	if s := r.mgr.States(); len(s) != 0 {
		t.Errorf("states %+v, want no budget alert with 60%% of the budget left", s)
	}
}

func TestNotificationsCarryTheirLabelsAndAnnotations(t *testing.T) {
	tier := page
	tier.Labels = map[string]string{"tier_label": "x"}
	tier.Annotations = map[string]string{"note": "see the dashboard"}
	r := newRig(t, testService(tier))
	r.tick(0, "healthy", "page")
	n := r.rec.changed()[0]
	want := map[string]string{
		"alertname": alert.BurnRateAlert, "service": "s", "slo": "a", "severity": "critical",
		"tier": "page", "long_window": "1h", "short_window": "5m", "team": "core", "tier_label": "x",
	}
	for k, v := range want {
		if n.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, n.Labels[k], v)
		}
	}
	a := n.Annotations
	if a["runbook_url"] != "https://runbooks.example.com/s" || a["note"] != "see the dashboard" {
		t.Errorf("annotations %v lack the spec's", a)
	}
	if a["dashboard"] != "http://slo.example.com/slo/s/a" || n.GeneratorURL != a["dashboard"] {
		t.Errorf("dashboard %q, generator %q", a["dashboard"], n.GeneratorURL)
	}
	for _, part := range []string{"20x over 1h", "20x over 5m", "threshold 14.4x", "60.0% of the error budget left (25.9 of 43.2 minutes)"} {
		if !strings.Contains(a["description"], part) {
			t.Errorf("description %q lacks %q", a["description"], part)
		}
	}
}

func TestTheBudgetAnAlertSpentIsCountedFromTheStore(t *testing.T) {
	r := newRig(t, testService(page))
	id := slo.Series{Objective: "s/a"}
	var obs []slo.Observation
	for m := range 10 { // 10 minutes of 100 events, 30 bad each
		obs = append(obs, slo.Observation{Series: id, Time: t0.Add(time.Duration(m) * time.Minute), Good: 70, Valid: 100})
	}
	if _, _, err := r.st.Append(r.ctx, store.Batch{Observations: obs}); err != nil {
		t.Fatal(err)
	}
	r.tick(2*time.Minute, "healthy", "page") // fires at t0+2m
	r.tick(5*time.Minute, "healthy")         // resolves at t0+7m: minutes 2..6 are inside
	h := r.history()
	if len(h) != 1 {
		t.Fatalf("history %+v", h)
	}
	// 5 minutes x 30 bad over the 1000 events the budget allows.
	if got, want := h[0].BudgetSpent, 0.15; got < want-1e-9 || got > want+1e-9 {
		t.Errorf("budget spent %v, want %v", got, want)
	}
}
