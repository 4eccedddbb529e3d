package api

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

// measuredSpec is a shop whose availability stands on a database that
// slo measures too, published at 99.99%.
const measuredSpec = `apiVersion: slo/v1
service: shop
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        stream: shop
        good: {status: ["2xx"]}
  - name: latency
    objective: 99
    sli:
      events:
        stream: shop
        good: {latency_below: 1s}
dependencies:
  - name: database
    availability: 99.99
    slo: db/availability
    slos: [availability]
---
apiVersion: slo/v1
service: db
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        stream: db
        good: {status: ["2xx"]}
`

// realServer serves a real engine and SQLite store over the spec, with
// obs appended and evaluated at now; "i" is an ingest token, "a" an admin
// one.
func realServer(t *testing.T, specText string, obs []slo.Observation) (*httptest.Server, *engine.Engine, *sqlite.DB) {
	t.Helper()
	parsed, problems := spec.Parse("spec.yaml", []byte(specText))
	if len(problems.Invalid()) > 0 {
		t.Fatal(problems)
	}
	var svcs []slo.Service
	for _, s := range parsed {
		svcs = append(svcs, *s)
	}
	clock := func() time.Time { return now }
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "slo.db"), sqlite.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng := engine.New(st, svcs, engine.Options{Now: clock})
	ctx := context.Background()
	if err := eng.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if len(obs) > 0 {
		if _, _, err := eng.Append(ctx, store.Batch{Received: now, Observations: obs}); err != nil {
			t.Fatal(err)
		}
	}
	eng.Evaluate()
	s := New(Config{Engine: eng, Annotations: st, Tokens: Tokens{Ingest: []string{"i"}, Admin: []string{"a"}}, Now: clock})
	s.SetReady(true)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, eng, st
}

// lastHour is an hour of a series to now, good of 1000 valid a minute.
func lastHour(key string, good float64) []slo.Observation {
	var obs []slo.Observation
	for m := now.Add(-time.Hour); m.Before(now); m = m.Add(time.Minute) {
		obs = append(obs, slo.Observation{Series: slo.Series{Objective: key}, Time: m, Good: good, Valid: 1000})
	}
	return obs
}

func TestTheCeilingUsesTheDependencysMeasuredSLI(t *testing.T) {
	// The database answers 99.8%: below the 99.9% the shop asks.
	ts, _, _ := realServer(t, measuredSpec, append(lastHour("db/availability", 998), lastHour("shop/availability", 1000)...))
	code, body := call(t, "GET", ts.URL+"/api/v1/slos/shop/availability/ceiling", "", "")
	if code != http.StatusOK {
		t.Fatalf("GET ceiling: %d %v", code, body)
	}
	f := body["factors"].([]any)[0].(map[string]any)
	if body["bounded"] != true || math.Abs(body["ceiling"].(float64)-0.998) > 1e-12 || body["published_ceiling"].(float64) != 0.9999 ||
		body["slo_above_ceiling"] != true || f["used"] != "measured" || f["measured_by"] != "db/availability" {
		t.Errorf("ceiling %v; want the measured 99.8%% under the 99.9%% target", body)
	}
	if w, _ := body["warning"].(string); !strings.Contains(w, "99.8%") || !strings.Contains(w, "measured") {
		t.Errorf("warning %q", w)
	}
	code, body = call(t, "GET", ts.URL+"/api/v1/dependencies", "", "")
	if cs := body["ceilings"].([]any); code != http.StatusOK || len(cs) != 1 || cs[0].(map[string]any)["slo"] != "availability" {
		t.Errorf("GET dependencies: %d %v; want shop/availability alone", code, body)
	}
	if code, body := call(t, "GET", ts.URL+"/api/v1/slos/shop/latency/ceiling", "", ""); code != http.StatusOK || body["bounded"] != false || body["ceiling"] != nil {
		t.Errorf("an unbounded SLO: %d %v", code, body)
	}
	if code, _ := call(t, "GET", ts.URL+"/api/v1/slos/shop/nope/ceiling", "", ""); code != http.StatusNotFound {
		t.Errorf("an unknown SLO: %d, want 404", code)
	}
}

func TestWithoutTheDependencysDataTheCeilingIsPublished(t *testing.T) {
	ts, _, _ := realServer(t, measuredSpec, lastHour("shop/availability", 1000))
	_, body := call(t, "GET", ts.URL+"/api/v1/slos/shop/availability/ceiling", "", "")
	f := body["factors"].([]any)[0].(map[string]any)
	if body["ceiling"].(float64) != 0.9999 || body["slo_above_ceiling"] != false || f["used"] != "published" || f["measured"] != nil || body["warning"] != nil {
		t.Errorf("ceiling %v; want the published 99.99%%, no warning", body)
	}
}

// An hour of 1000 requests a minute, all failing from 11:30 to 11:40: the
// incident over those ten minutes spent 10,000 bad events of the 60
// minutes' budget taken over 30 days: 0.001 x 60,000 x 720 = 43,200.
func TestAnnotationsComeWithTheBudgetTheySpent(t *testing.T) {
	obs := lastHour("shop/availability", 1000)
	for i := 30; i < 40; i++ {
		obs[i].Good = 0
	}
	ts, _, st := realServer(t, measuredSpec, obs)
	code, body := call(t, "POST", ts.URL+"/api/v1/annotations", "i",
		`{"service":"shop","kind":"incident","start":"2026-11-01T11:30:00Z","end":"2026-11-01T11:40:00Z","text":"db failover","labels":{"ticket":"INC-1"}}`)
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %v", code, body)
	}
	check := func(a map[string]any) {
		t.Helper()
		at := a["attribution"].(map[string]any)
		slos := at["slos"].([]any)
		if a["text"] != "db failover" || len(slos) != 2 {
			t.Fatalf("annotation %v; want both SLOs of the shop", a)
		}
		s := slos[0].(map[string]any)
		if s["slo"] != "availability" || s["bad_events"].(float64) != 10000 || math.Abs(s["budget_spent"].(float64)-10000/43200.0) > 1e-12 ||
			math.Abs(s["budget_minutes"].(float64)-10) > 1e-9 {
			t.Errorf("availability %v; want 10,000 bad events, 23.15%%, 10 minutes", s)
		}
	}
	check(body)
	code, body = call(t, "GET", ts.URL+"/api/v1/annotations?service=shop", "", "")
	list := body["annotations"].([]any)
	if code != http.StatusOK || len(list) != 1 {
		t.Fatalf("GET: %d %v", code, body)
	}
	check(list[0].(map[string]any))

	for req, field := range map[string]string{
		`{"service":"shop","kind":"note","text":"` + strings.Repeat("x", 5000) + `"}`: `"text"`,
		`{"service":"shop","kind":"note","labels":{"":"x"}}`:                          `"labels"`,
		`{"service":"shop","kind":"incident","end":"soon"}`:                           `"end"`,
	} {
		if code, out := call(t, "POST", ts.URL+"/api/v1/annotations", "i", req); code != http.StatusBadRequest || !strings.Contains(out["error"].(string), field) {
			t.Errorf("%.60s: %d %v, want 400 naming %s", req, code, out, field)
		}
	}
	if saved, _ := st.Annotations(context.Background(), "", now.Add(-slo.Day), now.Add(slo.Day)); len(saved) != 1 {
		t.Errorf("%d annotations saved, want the good one alone", len(saved))
	}
	if code, _ := call(t, "GET", ts.URL+"/api/v1/annotations?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "", ""); code != http.StatusBadRequest {
		t.Errorf("from after to: %d, want 400", code)
	}
}
