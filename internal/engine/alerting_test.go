package engine

import (
	"context"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

func TestAlertingListsOnlyObjectivesWhoseConditionsMayHold(t *testing.T) {
	c := &clock{t: at0}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	id := slo.Series{Objective: "api/availability"}
	minutes(t, e, at0.Add(-3*slo.Day), at0, 1000, 1000, id)
	e.Evaluate()
	if got := e.Alerting(); len(got) != 0 {
		t.Fatalf("healthy: Alerting() = %d evaluations, want none", len(got))
	}
	// Ten minutes of failures: 1000x over the last 5 minutes, 167x over
	// the hour, 6.9x over the day: every tier is over.
	c.step(10 * time.Minute)
	minutes(t, e, at0, at0.Add(10*time.Minute), 0, 1000, id)
	e.Evaluate()
	got := e.Alerting()
	if len(got) != 1 {
		t.Fatalf("Alerting() = %d evaluations, want the objective", len(got))
	}
	ev := got[0]
	for _, tf := range ev.Tiers {
		if tf.MinValid == 0 || tf.LowTraffic {
			t.Errorf("tier %s: guard %v, low traffic %v: want the auto guard, met", tf.Name, tf.MinValid, tf.LowTraffic)
		}
	}
	if len(ev.Tiers) != 4 {
		t.Fatalf("%d tiers, want the 4 defaults", len(ev.Tiers))
	}
	for _, tf := range ev.Tiers {
		if !tf.Fires() {
			t.Errorf("tier %s: %+v, want firing", tf.Name, tf)
		}
	}
	near(t, "page long burn", ev.Tiers[0].LongBurn, 10000.0/60000/0.001)
	if ev.Tiers[0].LongValid != 60000 {
		t.Errorf("page long window valid events %v, want 60000", ev.Tiers[0].LongValid)
	}
}

func TestTheLowTrafficGuardKeepsATierFromFiring(t *testing.T) {
	c := &clock{t: at0}
	e := newEngine(t, openStore(t, t.TempDir(), c.now), c)
	id := slo.Series{Objective: "api/availability"}
	// Ten events an hour for a day, the last one failed: the page tier's
	// hour holds 10 valid events, fewer than the 70 its guard asks.
	var obs []slo.Observation
	for m := at0.Add(-slo.Day + 5*time.Minute); m.Before(at0); m = m.Add(6 * time.Minute) {
		obs = append(obs, slo.Observation{Series: id, Time: m, Good: 1, Valid: 1})
	}
	obs[len(obs)-1].Good = 0
	if _, _, err := e.Append(context.Background(), store.Batch{Observations: obs}); err != nil {
		t.Fatal(err)
	}
	e.Evaluate()
	ev, _ := e.Evaluation(id)
	page := ev.Tiers[0]
	if !page.Over || !page.LowTraffic || page.Fires() || page.LongValid != 10 || page.MinValid != 70 {
		t.Fatalf("page: %+v, want over but guarded: 10 valid events of the 70 needed", page)
	}
	for _, a := range e.Alerting() {
		for _, tf := range a.Tiers {
			if tf.Fires() {
				t.Errorf("tier %s fires on ten events an hour", tf.Name)
			}
		}
	}
}

// at0 is the time the alerting tests start at.
var at0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
