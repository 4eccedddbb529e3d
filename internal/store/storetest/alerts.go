package storetest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// testAlerts covers SaveAlerts, DeleteAlert, ActiveAlerts and Alerts.
func testAlerts(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()

	t.Run("saved alerts get ids, in order, and read back whole, in UTC", func(t *testing.T) {
		s := open(t)
		local := time.FixedZone("X", -7*3600)
		firing := store.Alert{Service: "checkout", SLO: "availability", Customer: "acme", Rule: "page",
			Severity: "critical", State: "firing", ActiveAt: at(-10*time.Minute + 250*time.Millisecond).In(local),
			FiredAt: at(-5 * time.Minute).In(local), LastTrueAt: at(-time.Minute + time.Millisecond).In(local),
			PeakBurnRate: 14.4, Labels: map[string]string{"team": "payments", "tier": "gold"},
			Annotations: map[string]string{"summary": `burning "fast"`}}
		pending := store.Alert{Service: "checkout", SLO: "latency", Rule: "ticket", Severity: "warning",
			State: "pending", ActiveAt: at(-time.Minute), PeakBurnRate: 1.5,
			Annotations: map[string]string{"runbook": "https://runbooks/latency"}}
		resolved := store.Alert{Service: "search", SLO: "availability", Rule: "budget_exhausted", Severity: "critical",
			State: "resolved", ActiveAt: at(-2 * time.Hour), FiredAt: at(-2 * time.Hour), ResolvedAt: at(-time.Hour),
			LastTrueAt: at(-90 * time.Minute), PeakBurnRate: 0.1 + 0.2, BudgetSpent: 0.0213,
			Labels: map[string]string{"a": "b"}}
		in := []store.Alert{firing, pending, resolved}
		got := saveAlerts(t, s, in...)
		if len(got) != len(in) {
			t.Fatalf("saved %d alerts, got %d back", len(in), len(got))
		}
		seen := make(map[int64]bool)
		for i, a := range got {
			if a.ID == 0 || seen[a.ID] || a.Rule != in[i].Rule {
				t.Errorf("alert %d came back as %q with id %d; want %q with a new id", i, a.Rule, a.ID, in[i].Rule)
			}
			seen[a.ID] = true
			in[i].ID = a.ID
		}
		firing, pending, resolved = inUTC(in[0]), inUTC(in[1]), inUTC(in[2])
		equalAlerts(t, "active", activeAlerts(t, s), []store.Alert{firing, pending})
		equalAlerts(t, "history", alertHistory(t, s, store.AlertQuery{}), []store.Alert{firing, resolved})
	})

	t.Run("burn rates that are infinite or NaN read back as they were saved", func(t *testing.T) {
		s := open(t)
		a := pendingAlert("inf", t0)
		a.PeakBurnRate, a.BudgetSpent = math.Inf(1), math.NaN()
		a.ID = saveAlerts(t, s, a)[0].ID
		equalAlerts(t, "active", activeAlerts(t, s), []store.Alert{a})
	})

	t.Run("saving an alert with its id replaces the whole row and leaves the others", func(t *testing.T) {
		s := open(t)
		first := pendingAlert("a", at(-2*time.Minute))
		first.Annotations = map[string]string{"summary": "burning"}
		saved := saveAlerts(t, s, first, pendingAlert("b", at(-time.Minute)))
		a, b := saved[0], saved[1]
		a.State, a.FiredAt, a.ResolvedAt, a.LastTrueAt = "resolved", at(-time.Minute), t0, at(-30*time.Second)
		a.PeakBurnRate, a.BudgetSpent, a.Labels, a.Annotations = 20, 0.05, map[string]string{"x": "y"}, nil
		again := saveAlerts(t, s, a, pendingAlert("c", t0))
		if again[0].ID != a.ID || again[1].ID == 0 || again[1].ID == a.ID || again[1].ID == b.ID {
			t.Errorf("ids %d and %d, want %d and a new one", again[0].ID, again[1].ID, a.ID)
		}
		c := pendingAlert("c", t0)
		c.ID = again[1].ID
		equalAlerts(t, "active", activeAlerts(t, s), []store.Alert{b, c})
		equalAlerts(t, "history", alertHistory(t, s, store.AlertQuery{}), []store.Alert{a})
	})

	t.Run("saving an unknown id fails naming it and writes nothing of the batch", func(t *testing.T) {
		s := open(t)
		old := saveAlerts(t, s, pendingAlert("old", at(-time.Minute)))[0]
		fired := old
		fired.State, fired.FiredAt = "firing", t0
		unknown := episode("unknown", t0, time.Time{})
		unknown.ID = old.ID + 987654
		_, err := s.SaveAlerts(ctx, []store.Alert{pendingAlert("new", t0), fired, unknown})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprint(unknown.ID)) {
			t.Errorf("got %v, want an error naming id %d", err, unknown.ID)
		}
		equalAlerts(t, "active", activeAlerts(t, s), []store.Alert{old})
		equalAlerts(t, "history", alertHistory(t, s, store.AlertQuery{}), nil)
	})

	t.Run("a deleted alert is gone and deleting an unknown id is no error", func(t *testing.T) {
		s := open(t)
		saved := saveAlerts(t, s, pendingAlert("a", at(-time.Minute)), pendingAlert("b", t0),
			episode("c", at(-time.Hour), at(-30*time.Minute)))
		for _, id := range []int64{saved[0].ID, saved[2].ID, saved[0].ID, saved[2].ID + 987654} {
			if err := s.DeleteAlert(ctx, id); err != nil {
				t.Errorf("delete %d: %v", id, err)
			}
		}
		equalAlerts(t, "active", activeAlerts(t, s), saved[1:2])
		equalAlerts(t, "history", alertHistory(t, s, store.AlertQuery{}), nil)
	})

	t.Run("active alerts are the unresolved ones, pending or firing, oldest ActiveAt first", func(t *testing.T) {
		s := open(t)
		saveAlerts(t, s, episode("firing since 1h", at(-time.Hour), time.Time{}),
			episode("resolved", at(-3*time.Hour), at(-2*time.Hour)),
			pendingAlert("pending since 2h", at(-2*time.Hour)))
		saveAlerts(t, s, pendingAlert("pending since 30m", at(-30*time.Minute)),
			episode("firing since 3h", at(-3*time.Hour), time.Time{}))
		want := []string{"firing since 3h", "pending since 2h", "firing since 1h", "pending since 30m"}
		if got := rules(activeAlerts(t, s)); !slices.Equal(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})

	t.Run("history has the alerts that fired and overlap the range, newest FiredAt first", func(t *testing.T) {
		s := open(t)
		m := time.Minute
		resolvedUnfired := pendingAlert("resolved without firing", at(70*m))
		resolvedUnfired.State, resolvedUnfired.ResolvedAt = "resolved", at(80*m)
		saveAlerts(t, s, pendingAlert("pending", at(90*m)), resolvedUnfired,
			episode("inside", at(70*m), at(80*m)),
			episode("resolved inside", at(40*m), at(70*m)),
			episode("resolved at from", at(30*m), at(60*m)),
			episode("resolved before", at(10*m), at(50*m)),
			episode("fired at from", at(60*m), at(65*m)),
			episode("fired at to", at(120*m), at(125*m)),
			episode("fired after", at(130*m), at(140*m)),
			episode("firing since before", at(10*m), time.Time{}),
			episode("firing since inside", at(110*m), time.Time{}),
			episode("firing since after", at(130*m), time.Time{}),
			episode("over all", at(50*m), at(180*m)))
		got := alertHistory(t, s, store.AlertQuery{From: at(60 * m), To: at(120 * m)})
		want := []string{"firing since inside", "inside", "fired at from", "over all", "resolved inside",
			"firing since before"}
		if g := rules(got); !slices.Equal(g, want) {
			t.Errorf("got %q\nwant %q", g, want)
		}
	})

	t.Run("a zero From or To leaves that end of the range open", func(t *testing.T) {
		s := open(t)
		saveAlerts(t, s, episode("long ago", at(-100*slo.Day), at(-99*slo.Day)),
			episode("now", t0, at(30*time.Minute)),
			episode("later", at(100*slo.Day), time.Time{}))
		for _, tt := range []struct {
			q    store.AlertQuery
			want []string
		}{
			{store.AlertQuery{}, []string{"later", "now", "long ago"}},
			{store.AlertQuery{To: at(time.Minute)}, []string{"now", "long ago"}},
			{store.AlertQuery{From: at(time.Hour)}, []string{"later"}},
		} {
			if got := rules(alertHistory(t, s, tt.q)); !slices.Equal(got, tt.want) {
				t.Errorf("from %v to %v: got %q, want %q", tt.q.From, tt.q.To, got, tt.want)
			}
		}
	})

	t.Run("history is filtered by service and by slo when they are set", func(t *testing.T) {
		s := open(t)
		in := []store.Alert{episode("checkout availability", at(-3*time.Hour), time.Time{}),
			episode("checkout latency", at(-2*time.Hour), time.Time{}),
			episode("search availability", at(-time.Hour), time.Time{})}
		for i := range in {
			in[i].Service, in[i].SLO, _ = strings.Cut(in[i].Rule, " ")
		}
		saveAlerts(t, s, in...)
		for _, tt := range []struct {
			service, slo string
			want         []string
		}{
			{"", "", []string{"search availability", "checkout latency", "checkout availability"}},
			{"checkout", "", []string{"checkout latency", "checkout availability"}},
			{"", "availability", []string{"search availability", "checkout availability"}},
			{"checkout", "latency", []string{"checkout latency"}},
			{"search", "latency", nil},
			{"other", "", nil},
		} {
			got := rules(alertHistory(t, s, store.AlertQuery{Service: tt.service, SLO: tt.slo}))
			if !slices.Equal(got, tt.want) {
				t.Errorf("service %q slo %q: got %q, want %q", tt.service, tt.slo, got, tt.want)
			}
		}
	})

	t.Run("history stops at the limit, newest first, and a limit of 0 is no limit", func(t *testing.T) {
		s := open(t)
		for i := range 5 {
			saveAlerts(t, s, episode(fmt.Sprint(i), at(time.Duration(i)*time.Minute), at(time.Hour)))
		}
		for _, tt := range []struct {
			q    store.AlertQuery
			want []string
		}{
			{store.AlertQuery{Limit: 2}, []string{"4", "3"}},
			{store.AlertQuery{}, []string{"4", "3", "2", "1", "0"}},
			{store.AlertQuery{Limit: 10}, []string{"4", "3", "2", "1", "0"}},
			{store.AlertQuery{To: at(3 * time.Minute), Limit: 2}, []string{"2", "1"}},
		} {
			if got := rules(alertHistory(t, s, tt.q)); !slices.Equal(got, tt.want) {
				t.Errorf("%+v: got %q, want %q", tt.q, got, tt.want)
			}
		}
	})
}

// pendingAlert is a pending alert of checkout/availability, active since
// active, named by its rule.
func pendingAlert(rule string, active time.Time) store.Alert {
	return store.Alert{Service: "checkout", SLO: "availability", Rule: rule, Severity: "page", State: "pending",
		ActiveAt: active, LastTrueAt: active}
}

// episode is an alert that fired at fired and resolved at resolved, still
// firing when resolved is zero.
func episode(rule string, fired, resolved time.Time) store.Alert {
	a := pendingAlert(rule, fired.Add(-2*time.Minute))
	a.State, a.FiredAt, a.ResolvedAt, a.LastTrueAt, a.PeakBurnRate = "firing", fired, resolved, fired, 14.4
	if !resolved.IsZero() {
		a.State, a.BudgetSpent = "resolved", 0.01
	}
	return a
}

// saveAlerts saves alerts and fails the test on an error.
func saveAlerts(t *testing.T, s store.Store, alerts ...store.Alert) []store.Alert {
	t.Helper()
	saved, err := s.SaveAlerts(context.Background(), alerts)
	if err != nil {
		t.Fatalf("save alerts: %v", err)
	}
	return saved
}

// activeAlerts returns ActiveAlerts and fails the test on an error.
func activeAlerts(t *testing.T, s store.Store) []store.Alert {
	t.Helper()
	got, err := s.ActiveAlerts(context.Background())
	if err != nil {
		t.Fatalf("active alerts: %v", err)
	}
	return got
}

// alertHistory returns Alerts(q) and fails the test on an error.
func alertHistory(t *testing.T, s store.Store, q store.AlertQuery) []store.Alert {
	t.Helper()
	got, err := s.Alerts(context.Background(), q)
	if err != nil {
		t.Fatalf("alerts: %v", err)
	}
	return got
}

// rules names alerts by their rules, the tests' names for them.
func rules(alerts []store.Alert) []string {
	var out []string
	for _, a := range alerts {
		out = append(out, a.Rule)
	}
	return out
}

// inUTC is a with its times in UTC.
func inUTC(a store.Alert) store.Alert {
	a.ActiveAt, a.FiredAt, a.ResolvedAt, a.LastTrueAt = a.ActiveAt.UTC(), a.FiredAt.UTC(), a.ResolvedAt.UTC(),
		a.LastTrueAt.UTC()
	return a
}

// formatAlerts writes alerts one a line, every field, nil maps told from
// empty ones. Times must be in UTC; one that is not is marked.
func formatAlerts(alerts []store.Alert) []string {
	tm := func(t time.Time) string {
		if t.Location() != time.UTC {
			return t.Format(time.RFC3339Nano) + " (not UTC)"
		}
		return t.Format(time.RFC3339Nano)
	}
	m := func(m map[string]string) string {
		if m == nil {
			return "nil"
		}
		return fmt.Sprintf("%q", m)
	}
	out := make([]string, len(alerts))
	for i, a := range alerts {
		out[i] = fmt.Sprintf("id=%d %s/%s@%s rule=%s severity=%s state=%s active=%s fired=%s resolved=%s "+
			"last_true=%s peak=%v spent=%v labels=%s annotations=%s", a.ID, a.Service, a.SLO, a.Customer, a.Rule,
			a.Severity, a.State, tm(a.ActiveAt), tm(a.FiredAt), tm(a.ResolvedAt), tm(a.LastTrueAt), a.PeakBurnRate,
			a.BudgetSpent, m(a.Labels), m(a.Annotations))
	}
	return out
}

// equalAlerts fails the test unless got and want are the same alerts in the
// same order, with times in UTC.
func equalAlerts(t *testing.T, what string, got, want []store.Alert) {
	t.Helper()
	if g, w := formatAlerts(got), formatAlerts(want); !slices.Equal(g, w) {
		t.Errorf("%s:\n got  %q\n want %q", what, g, w)
	}
}
