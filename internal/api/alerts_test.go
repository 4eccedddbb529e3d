package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/store"
)

// fakeAlerts serves fixed alerts and records the history query.
type fakeAlerts struct {
	active []store.Alert
	query  store.AlertQuery
}

func (f *fakeAlerts) Active(_ context.Context, _ time.Time, keep func(store.Alert) bool) []store.Alert {
	var out []store.Alert
	for _, a := range f.active {
		if keep(a) {
			out = append(out, a)
		}
	}
	return out
}
func (f *fakeAlerts) States() []store.Alert { return f.active }
func (f *fakeAlerts) History(_ context.Context, q store.AlertQuery) ([]store.Alert, error) {
	f.query = q
	return nil, nil
}

func newAlertServer(t *testing.T) (*httptest.Server, *fakeAlerts) {
	t.Helper()
	fa := &fakeAlerts{active: []store.Alert{
		{Service: "api", SLO: "availability", Rule: "page", Severity: "critical", State: "firing", ActiveAt: now},
		{Service: "api", SLO: "latency", Rule: "ticket", Severity: "info", State: "pending", ActiveAt: now},
		{Service: "web", SLO: "availability", Rule: "budget_exhausted", Severity: "critical", State: "firing", ActiveAt: now},
	}}
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewAlertCollector(fa))
	s := New(Config{Engine: &fakeEngine{}, Alerts: fa, Registry: reg, Now: func() time.Time { return now }})
	s.SetReady(true)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, fa
}

func TestActiveAlertsFilterByServiceSLOAndState(t *testing.T) {
	ts, _ := newAlertServer(t)
	for _, c := range []struct {
		query string
		want  int
	}{
		{"", 3}, {"?service=api", 2}, {"?service=api&slo=latency", 1}, {"?state=firing", 2}, {"?state=pending&service=web", 0},
	} {
		code, body := call(t, "GET", ts.URL+"/api/v1/alerts"+c.query, "", "")
		list, _ := body["alerts"].([]any)
		if code != http.StatusOK || len(list) != c.want {
			t.Errorf("GET /api/v1/alerts%s: %d with %d alerts, want 200 with %d", c.query, code, len(list), c.want)
		}
	}
	if code, body := call(t, "GET", ts.URL+"/api/v1/alerts?state=resolved", "", ""); code != http.StatusBadRequest || !strings.Contains(body["error"].(string), "state") {
		t.Errorf("state=resolved: %d %v, want 400 naming state", code, body)
	}
}

func TestAlertHistoryParametersAreCheckedAndDefaulted(t *testing.T) {
	ts, fa := newAlertServer(t)
	code, body := call(t, "GET", ts.URL+"/api/v1/alerts/history?service=api", "", "")
	if list, ok := body["alerts"].([]any); code != http.StatusOK || !ok || len(list) != 0 {
		t.Fatalf("history: %d %v, want 200 and an empty list, not null", code, body)
	}
	if q := fa.query; q.Service != "api" || !q.To.Equal(now) || !q.From.Equal(now.Add(-30*24*time.Hour)) || q.Limit != 100 {
		t.Errorf("query %+v, want api over the last 30 days, 100 at most", q)
	}
	for _, bad := range []string{"limit=0", "limit=10001", "limit=many", "from=yesterday", "to=x", "from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z"} {
		code, body := call(t, "GET", ts.URL+"/api/v1/alerts/history?"+bad, "", "")
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d %v, want 400", bad, code, body)
		}
	}
}

func TestMetricsExportEveryActiveAlert(t *testing.T) {
	ts, _ := newAlertServer(t)
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`slo_alerts{rule="page",service="api",severity="critical",slo="availability",state="firing"} 1`,
		`slo_alerts{rule="ticket",service="api",severity="info",slo="latency",state="pending"} 1`,
		`slo_alerts{rule="budget_exhausted",service="web",severity="critical",slo="availability",state="firing"} 1`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
