package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// fakeEngine serves fixed evaluations: enough for the handlers, whose
// figures the engine's own tests check.
type fakeEngine struct {
	evs     []engine.Evaluation
	history func(from, to time.Time, step time.Duration) ([]engine.Point, error)
}

func (f *fakeEngine) Evaluations() []engine.Evaluation { return f.evs }
func (f *fakeEngine) Evaluation(id slo.Series) (engine.Evaluation, bool) {
	for _, ev := range f.evs {
		if ev.Service+"/"+ev.SLO == id.Objective && ev.Customer == id.Customer {
			return ev, true
		}
	}
	return engine.Evaluation{}, false
}
func (f *fakeEngine) Customers(string) []string { return nil }
func (f *fakeEngine) History(_ context.Context, _ slo.Series, from, to time.Time, step time.Duration) ([]engine.Point, error) {
	return f.history(from, to, step)
}
func (f *fakeEngine) Services() []slo.Service {
	return []slo.Service{{Name: "api", Owner: "team", Objectives: []slo.Objective{{Service: "api", Name: "availability", Description: "answers"}}}}
}

type fakeAnnotations struct{ added []store.Annotation }

func (f *fakeAnnotations) AddAnnotation(_ context.Context, a store.Annotation) (store.Annotation, error) {
	a.ID = int64(len(f.added) + 1)
	f.added = append(f.added, a)
	return a, nil
}
func (f *fakeAnnotations) Annotations(context.Context, string, time.Time, time.Time) ([]store.Annotation, error) {
	return f.added, nil
}

func sli(x float64) *float64 { return &x }

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func newTestServer(t *testing.T, tokens Tokens) (*httptest.Server, *Server, *fakeAnnotations) {
	t.Helper()
	eng := &fakeEngine{evs: []engine.Evaluation{
		{Service: "api", SLO: "availability", Target: 0.999, SLI: sli(0.9995), Status: "healthy",
			Budget:  engine.Budget{TotalMinutes: 43.2, RemainingMinutes: 21.6, RemainingRatio: 0.5},
			Windows: []engine.WindowFigures{{Window: "1h", BurnRate: sli(0.5)}, {Window: "5m"}}},
		{Service: "api", SLO: "quiet", Target: 0.99, Status: "no_data", Budget: engine.Budget{TotalMinutes: 432}},
	}}
	eng.history = func(from, to time.Time, step time.Duration) ([]engine.Point, error) {
		return []engine.Point{{Time: from}, {Time: to}}, nil
	}
	ann := &fakeAnnotations{}
	reg := prometheus.NewRegistry()
	s := New(Config{Engine: eng, Annotations: ann, Tokens: tokens, Registry: reg, Now: func() time.Time { return now },
		Ingest: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, `{"ok":true}`) })})
	NewMetrics(reg, eng, func() float64 { return 4096 })
	s.SetReady(true)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, s, ann
}

func call(t *testing.T, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

func TestTokensGrantTheirScopesAndNoMore(t *testing.T) {
	ts, _, _ := newTestServer(t, Tokens{Read: []string{"r"}, Ingest: []string{"i"}, Admin: []string{"a"}})
	for _, c := range []struct {
		method, path, token string
		want                int
	}{
		{"POST", "/api/v1/events", "", http.StatusUnauthorized},
		{"POST", "/api/v1/events", "nope", http.StatusUnauthorized},
		{"POST", "/api/v1/events", "r", http.StatusForbidden},
		{"POST", "/api/v1/events", "i", http.StatusOK},
		{"POST", "/api/v1/events", "a", http.StatusOK},
		{"GET", "/api/v1/slos", "", http.StatusUnauthorized},
		{"GET", "/api/v1/slos", "r", http.StatusOK},
		{"GET", "/api/v1/slos", "i", http.StatusOK},
		{"GET", "/metrics", "", http.StatusUnauthorized},
		{"POST", "/api/v1/admin/reload", "i", http.StatusForbidden},
		{"GET", "/healthz", "", http.StatusOK},
	} {
		if code, _ := call(t, c.method, ts.URL+c.path, c.token, ""); code != c.want {
			t.Errorf("%s %s with token %q: %d, want %d", c.method, c.path, c.token, code, c.want)
		}
	}
}

func TestReadingIsOpenWithoutReadTokensButIngestNeverIs(t *testing.T) {
	ts, _, _ := newTestServer(t, Tokens{})
	if code, _ := call(t, "GET", ts.URL+"/api/v1/slos", "", ""); code != http.StatusOK {
		t.Errorf("open read: %d", code)
	}
	if code, _ := call(t, "POST", ts.URL+"/api/v1/events", "", ""); code != http.StatusUnauthorized {
		t.Errorf("ingest with no token configured: %d, want 401", code)
	}
}

func TestTheAPIAnswers503UntilReady(t *testing.T) {
	ts, s, _ := newTestServer(t, Tokens{})
	s.SetReady(false)
	for _, p := range []string{"/readyz", "/api/v1/slos", "/api/v1/slos/api/availability"} {
		if code, _ := call(t, "GET", ts.URL+p, "", ""); code != http.StatusServiceUnavailable {
			t.Errorf("GET %s while loading: %d, want 503", p, code)
		}
	}
	if code, _ := call(t, "GET", ts.URL+"/healthz", "", ""); code != http.StatusOK {
		t.Errorf("healthz while loading: %d, want 200 (alive, not ready)", code)
	}
}

func TestListingFiltersByStatusAndRefusesAnUnknownOne(t *testing.T) {
	ts, _, _ := newTestServer(t, Tokens{})
	_, out := call(t, "GET", ts.URL+"/api/v1/slos?status=no_data", "", "")
	list := out["slos"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["slo"] != "quiet" {
		t.Errorf("status=no_data gave %v", list)
	}
	if code, out := call(t, "GET", ts.URL+"/api/v1/slos?status=fine", "", ""); code != http.StatusBadRequest || !strings.Contains(out["error"].(string), "fine") {
		t.Errorf("status=fine: %d %v", code, out)
	}
	code, one := call(t, "GET", ts.URL+"/api/v1/slos/api/availability", "", "")
	if code != http.StatusOK || one["owner"] != "team" || one["description"] != "answers" || one["sli"] != 0.9995 {
		t.Errorf("one SLO: %d %v", code, one)
	}
	if _, q := call(t, "GET", ts.URL+"/api/v1/slos/api/quiet", "", ""); q["sli"] != nil {
		t.Errorf("no data must be null, got %v", q["sli"])
	}
	if code, _ := call(t, "GET", ts.URL+"/api/v1/slos/api/nope", "", ""); code != http.StatusNotFound {
		t.Errorf("unknown SLO: %d", code)
	}
}

func TestHistoryParametersAreCheckedAndDefaulted(t *testing.T) {
	ts, _, _ := newTestServer(t, Tokens{})
	code, out := call(t, "GET", ts.URL+"/api/v1/slos/api/availability/history", "", "")
	if code != http.StatusOK || out["to"] != now.Format(time.RFC3339) || out["from"] != now.Add(-7*slo.Day).Format(time.RFC3339) || out["step"] != "34m" {
		t.Errorf("defaults: %d %v", code, out)
	}
	for _, q := range []string{"from=yesterday", "to=1e", "from=2026-11-02T00:00:00Z", "step=-5m", "step=soon"} {
		code, out := call(t, "GET", ts.URL+"/api/v1/slos/api/availability/history?"+q, "", "")
		name, _, _ := strings.Cut(q, "=")
		if code != http.StatusBadRequest || !strings.HasPrefix(out["error"].(string), name) {
			t.Errorf("%s: %d %v, want 400 naming %s", q, code, out, name)
		}
	}
	if code, _ := call(t, "GET", ts.URL+"/api/v1/slos/api/nope/history", "", ""); code != http.StatusNotFound {
		t.Errorf("history of an unknown SLO: %d, want 404", code)
	}
	code, out = call(t, "GET", ts.URL+"/api/v1/slos/api/availability/history?from=1793534400&to=2026-11-01T12:00:00Z&step=1h", "", "")
	if code != http.StatusOK || out["from"] != "2026-11-01T12:00:00Z" || out["step"] != "1h" {
		t.Errorf("explicit: %d %v", code, out)
	}
}

func TestAHistoryFailureIsTheRequestsOnlyWhenItsRangeIsRefused(t *testing.T) {
	ts, s, _ := newTestServer(t, Tokens{})
	eng := s.Engine.(*fakeEngine)
	for _, c := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("history: %w: use a longer step", engine.ErrRange), http.StatusBadRequest},
		{fmt.Errorf("history: %w api/availability", engine.ErrNoSeries), http.StatusNotFound},
		{errors.New("history: database is locked"), http.StatusInternalServerError},
	} {
		eng.history = func(time.Time, time.Time, time.Duration) ([]engine.Point, error) { return nil, c.err }
		if code, out := call(t, "GET", ts.URL+"/api/v1/slos/api/availability/history", "", ""); code != c.want {
			t.Errorf("%v: %d %v, want %d", c.err, code, out, c.want)
		}
	}
}

func TestAnnotationsAreCheckedFieldByField(t *testing.T) {
	ts, _, ann := newTestServer(t, Tokens{Ingest: []string{"i"}})
	for body, field := range map[string]string{
		`{"service":"api","kind":"party"}`:                                                                `"kind"`,
		`{"service":"web","kind":"deploy"}`:                                                               `"service"`,
		`{"service":"api","slo":"nope","kind":"deploy"}`:                                                  `"slo"`,
		`{"service":"api","kind":"deploy","start":"noon"}`:                                                `"start"`,
		`{"service":"api","kind":"deploy","colour":"red"}`:                                                `colour`,
		`{"service":"api","kind":"incident","start":"2026-11-01T12:00:00Z","end":"2026-11-01T11:00:00Z"}`: `"end"`,
	} {
		code, out := call(t, "POST", ts.URL+"/api/v1/annotations", "i", body)
		if code != http.StatusBadRequest || !strings.Contains(out["error"].(string), field) {
			t.Errorf("%s: %d %v, want 400 naming %s", body, code, out, field)
		}
	}
	if len(ann.added) != 0 {
		t.Fatalf("refused annotations were stored: %v", ann.added)
	}
	code, out := call(t, "POST", ts.URL+"/api/v1/annotations", "i", `{"service":"api","slo":"availability","kind":"deploy","text":"v42"}`)
	if code != http.StatusCreated || len(ann.added) != 1 || !ann.added[0].Start.Equal(now) {
		t.Fatalf("a good annotation: %d %v %v", code, out, ann.added)
	}
}

func TestMetricsCarryEveryFigureAndLeaveOutNoData(t *testing.T) {
	ts, _, _ := newTestServer(t, Tokens{})
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	text := string(data)
	for _, want := range []string{
		`slo_sli_ratio{service="api",slo="availability"} 0.9995`,
		`slo_objective_ratio{service="api",slo="quiet"} 0.99`,
		`slo_error_budget_remaining_minutes{service="api",slo="availability"} 21.6`,
		`slo_error_budget_remaining_ratio{service="api",slo="availability"} 0.5`,
		`slo_burn_rate{service="api",slo="availability",window="1h"} 0.5`,
		`slo_status{service="api",slo="availability",status="healthy"} 1`,
		`slo_status{service="api",slo="quiet",status="no_data"} 1`,
		`slo_store_size_bytes 4096`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, absent := range []string{`slo_sli_ratio{service="api",slo="quiet"}`, `window="5m"`, "NaN"} {
		if strings.Contains(text, absent) {
			t.Errorf("/metrics has %s, which has no data", absent)
		}
	}
}
