package engine

import (
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// An objective whose source is down has no data, is handed to the alerter
// for its source-down alert with no tier firing, and has its figures back
// once the source is up; the mark survives a reload.
func TestASourceDownIsNoDataAndNeverABurn(t *testing.T) {
	c := &clock{t: at0}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	// A full outage for the last hour: the page tier is over its threshold.
	minutes(t, e, at0.Add(-3*time.Hour), at0.Add(-time.Hour), 100, 100, availability)
	minutes(t, e, at0.Add(-time.Hour), at0, 0, 100, availability)
	e.Evaluate()
	before, _ := e.Evaluation(availability)
	if before.SLI == nil || !before.Tiers[0].Fires() {
		t.Fatalf("before: SLI %v, page %+v; want data and the page tier firing", before.SLI, before.Tiers[0])
	}

	since := at0.Add(-2 * time.Minute)
	e.SetSourceDown(availability.Objective, &SourceDown{Since: since, Error: "connection refused"})
	e.Evaluate()
	ev, _ := e.Evaluation(availability)
	if ev.SLI != nil || ev.Status != slo.NoData.String() || ev.BurnRate1h != nil || ev.Valid != 0 {
		t.Errorf("down: SLI %v status %s burn 1h %v valid %g; want no data", ev.SLI, ev.Status, ev.BurnRate1h, ev.Valid)
	}
	if ev.SourceDown == nil || !ev.SourceDown.Since.Equal(since) || ev.SourceDown.Error != "connection refused" {
		t.Errorf("down: source_down %+v", ev.SourceDown)
	}
	alerting := e.Alerting()
	if len(alerting) != 1 || alerting[0].SourceDown == nil {
		t.Fatalf("alerting %+v, want the objective, marked down", alerting)
	}
	for _, tf := range alerting[0].Tiers {
		if tf.Fires() {
			t.Errorf("tier %s fires while the source is down", tf.Name)
		}
	}

	if err := e.Reload(t.Context(), services(t, availabilitySpec)); err != nil {
		t.Fatal(err)
	}
	e.Evaluate()
	if ev, _ := e.Evaluation(availability); ev.SourceDown == nil || ev.SLI != nil {
		t.Errorf("after a reload: source_down %v SLI %v; want still down", ev.SourceDown, ev.SLI)
	}

	e.SetSourceDown(availability.Objective, nil)
	c.step(time.Second)
	e.Evaluate()
	after, _ := e.Evaluation(availability)
	if after.SourceDown != nil || after.SLI == nil || *after.SLI != *before.SLI {
		t.Errorf("up again: source_down %v SLI %v, want the SLI of before (%v)", after.SourceDown, after.SLI, *before.SLI)
	}
}
