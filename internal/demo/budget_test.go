package demo

import (
	"math"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// series names an objective of the example's total series.
func series(name string) slo.Series {
	return slo.Series{Objective: "notification-platform/" + name}
}

// budget sums a series of the backfilled month into the domain's Budget.
func budget(t *testing.T, sink *memSink, name string) slo.Budget {
	t.Helper()
	o, ok := example(t).Objective(name)
	if !ok {
		t.Fatalf("no objective %s", name)
	}
	good, valid := sink.sums(series(name))
	return slo.Budget{Target: o.Target, Window: o.Window.Rolling, Good: good, Valid: valid}
}

// The seed's walkthrough: 99.9% over 30 days allows 43.2 minutes; outages of
// 10, 15 and 20 minutes leave -1.8. Two things move the figure, both
// bounded. The four Sunday maintenance windows of the month remove 4 x 30
// minutes at about 0.42x the average load, 0.12% of the valid requests,
// which makes the same bad requests a larger share: +0.05 minute spent. And
// each incident fails the curve's integral over it to within one request
// (exactly, when the rate times its minutes is whole, as with the
// defaults), one request being 1/40 of a minute at the default rate: at
// most 0.075 minute for the three, none here. Hence ±0.1.
func TestBackfilledMonthLeavesTheWalkthroughsBudget(t *testing.T) {
	sink, _ := backfilledMonth(t)
	b := budget(t, sink, "availability")

	if got := b.TotalMinutes(); got != 43.2 {
		t.Errorf("budget = %v minutes, want 43.2", got)
	}
	rate := New(Config{}).Config().Rate
	if want := rate * 45; math.Abs(b.Bad()-want) > 3 {
		t.Errorf("bad requests = %v, want %v ± 3 (45 minutes at %v a minute)", b.Bad(), want, rate)
	}
	left := b.RemainingMinutes()
	t.Logf("availability: %v bad of %v valid, %.4f of 43.2 minutes left", b.Bad(), b.Valid, left)
	if math.Abs(left-(-1.8)) > 0.1 {
		t.Errorf("budget left = %.4f minutes, want -1.8 ± 0.1", left)
	}
	if b.RemainingRatio() >= 0 {
		t.Errorf("budget remaining ratio = %v, want exhausted (below 0)", b.RemainingRatio())
	}
}

func TestOtherObjectivesAreHealthyButNotPerfect(t *testing.T) {
	sink, _ := backfilledMonth(t)
	for _, name := range []string{"latency", "delivery", "correctness"} {
		b := budget(t, sink, name)
		left := b.RemainingRatio()
		t.Logf("%s: %v bad of %v valid, %.1f%% of the budget left", name, b.Bad(), b.Valid, 100*left)
		// Healthy is the default policy's > 50% left; not perfect is some
		// budget spent.
		if left <= 0.5 || left >= 1 || b.Bad() == 0 {
			t.Errorf("%s: %.3f of the budget left, want between 0.5 and 1", name, left)
		}
	}
}

func TestLowerTiersAreSlowerThanEnterpriseThresholdsAllow(t *testing.T) {
	g := New(Config{})
	tierOf := map[string]string{}
	for _, c := range g.Config().Customers {
		tierOf[c.Name] = c.Tier
	}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	slow := map[string]float64{} // share of sends over 100 ms, by tier
	sends := map[string]float64{}
	for _, e := range g.Events(start, start.Add(slo.Day)) {
		if e.Stream != "api" || e.Method != "POST" || e.Labels != nil {
			continue
		}
		tier := tierOf[e.Customer]
		sends[tier]++
		if e.Latency > 100*time.Millisecond {
			slow[tier]++
		}
	}
	for tier := range sends {
		slow[tier] /= sends[tier]
	}
	t.Logf("share of sends over 100 ms: %v", slow)
	if slow["enterprise"] > 0.01 {
		t.Errorf("enterprise: %.4f of sends over 100 ms, want under 1%%", slow["enterprise"])
	}
	if !(slow["enterprise"] < slow["professional"] && slow["professional"] < slow["standard"] && slow["standard"] < slow["free"]) {
		t.Errorf("shares over 100 ms do not grow down the tiers: %v", slow)
	}
}
