package api

import (
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// whatIfSpec is a 99.9% SLO whose enterprise customers are held to 99.99%.
const whatIfSpec = `apiVersion: slo/v1
service: api
customers:
  tiers: [free, enterprise]
  default_tier: free
  assignments: {acme: enterprise}
slos:
  - name: availability
    objective: 99.9
    window: 30d
    sli:
      events:
        stream: api
        customer_field: customer
        good: {status: ["2xx"]}
    tiers:
      enterprise: {objective: 99.99}
`

// whatIfServer serves an hour to now of 1000 events a minute, 0.2% bad,
// for the SLO and for acme: twice the 99.9% budget, so exhausted.
func whatIfServer(t *testing.T) string {
	t.Helper()
	var obs []slo.Observation
	for m := now.Add(-time.Hour); m.Before(now); m = m.Add(time.Minute) {
		for _, c := range []string{"", "acme"} {
			obs = append(obs, slo.Observation{Series: slo.Series{Objective: "api/availability", Customer: c}, Time: m, Good: 998, Valid: 1000})
		}
	}
	ts, _, _ := realServer(t, whatIfSpec, obs)
	return ts.URL
}

func num(t *testing.T, m map[string]any, path ...string) float64 {
	t.Helper()
	var v any = m
	for _, k := range path {
		v = v.(map[string]any)[k]
	}
	x, ok := v.(float64)
	if !ok {
		t.Fatalf("%s = %v, not a number", strings.Join(path, "."), v)
	}
	return x
}

func TestAWhatIfRecomputesBudgetStatusAndDecision(t *testing.T) {
	url := whatIfServer(t) + "/api/v1/slos/api/availability"
	code, body := call(t, "GET", url+"/whatif?target=0.99", "", "")
	if code != http.StatusOK {
		t.Fatalf("GET whatif: %d %v", code, body)
	}
	nowView := body["now"].(map[string]any)
	// 120 bad of 60,000 against 1% of 60,000: 1 - 120/600 = 80% left.
	if rem := num(t, nowView, "budget", "remaining_ratio"); math.Abs(rem-0.8) > 1e-12 {
		t.Errorf("remaining at 99%%: %v, want 0.8", rem)
	}
	decision := nowView["decision"].(map[string]any)
	if body["series"] != "api/availability" || body["target"] != 0.99 || body["current_target"] != 0.999 ||
		nowView["status"] != "healthy" || nowView["target"] != 0.99 || decision["status"] != "healthy" {
		t.Errorf("at 99%%: %v %v %v, status %v, decision %v; want healthy", body["series"], body["target"], body["current_target"], nowView["status"], decision["status"])
	}
	// By default: the 30-day window to now, at 30d/300 = 2h24m.
	points := body["points"].([]any)
	if body["from"] != now.Add(-30*slo.Day).Format(time.RFC3339) || body["to"] != now.Format(time.RFC3339) ||
		body["step"] != "2h24m" || len(points) != 301 {
		t.Errorf("range %v to %v at %v, %d points; want 30 days at 2h24m, 301 points", body["from"], body["to"], body["step"], len(points))
	}
	summary := body["summary"].(map[string]any)
	var seconds float64
	for _, st := range summary["time_in_status"].([]any) {
		seconds += st.(map[string]any)["seconds"].(float64)
	}
	if seconds != (30*slo.Day).Seconds() || summary["first_exhausted"] != nil {
		t.Errorf("summary %v; want 30 days in statuses and never exhausted", summary)
	}

	// At the current target the answer's now is GET's SLO, decision and all.
	_, cur := call(t, "GET", url+"/whatif?target=0.999&from=2026-11-01T11:00:00Z&step=5m", "", "")
	_, view := call(t, "GET", url, "", "")
	if !reflect.DeepEqual(cur["now"], view) || view["status"] != "exhausted" {
		t.Errorf("what-if at 99.9%%:\n%v\nGET:\n%v", cur["now"], view)
	}
	if ps := cur["points"].([]any); len(ps) != 13 || cur["summary"].(map[string]any)["first_exhausted"] == nil {
		t.Errorf("the last hour at 5m: %d points, summary %v; want 13, exhausted", len(ps), cur["summary"])
	}

	// acme is enterprise: its current target is 99.99%.
	code, acme := call(t, "GET", url+"/whatif?target=0.99&customer=acme&from=2026-11-01T11:00:00Z", "", "")
	if code != http.StatusOK || acme["current_target"] != 0.9999 || acme["series"] != "api/availability@acme" {
		t.Errorf("acme: %d %v %v", code, acme["series"], acme["current_target"])
	}
}

func TestAWhatIfRefusesABadParameterByName(t *testing.T) {
	url := whatIfServer(t) + "/api/v1/slos/api/availability/whatif"
	for _, q := range []string{
		"", "target=", "target=abc", "target=0", "target=1", "target=-0.1", "target=99.5", "target=99.5%25", "target=NaN", "target=Inf",
		"target=0.99&from=yesterday", "target=0.99&to=1e", "target=0.99&from=2026-11-02T00:00:00Z",
		"target=0.99&step=soon", "target=0.99&step=-5m", "target=0.99&step=0.5", "target=0.99&step=1s",
	} {
		name := "target"
		if _, rest, ok := strings.Cut(q, "&"); ok {
			name, _, _ = strings.Cut(rest, "=")
		}
		code, out := call(t, "GET", url+"?"+q, "", "")
		if msg, _ := out["error"].(string); code != http.StatusBadRequest || !strings.HasPrefix(msg, name+":") {
			t.Errorf("?%s: %d %v, want 400 naming %s", q, code, out, name)
		}
	}
	for _, path := range []string{
		"/api/v1/slos/api/nope/whatif?target=0.99",
		"/api/v1/slos/web/availability/whatif?target=0.99",
		"/api/v1/slos/api/availability/whatif?target=0.99&customer=initech",
	} {
		if code, out := call(t, "GET", strings.TrimSuffix(url, "/api/v1/slos/api/availability/whatif")+path, "", ""); code != http.StatusNotFound || !strings.HasPrefix(fmtError(out), "no ") {
			t.Errorf("%s: %d %v, want 404", path, code, out)
		}
	}
}

// fmtError is an answer's error message, empty when it has none.
func fmtError(out map[string]any) string {
	msg, _ := out["error"].(string)
	return msg
}
