package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
)

// gateSpec's SLOs all take the default budget policy.
const gateSpec = `apiVersion: slo/v1
service: shop
slos:
  - name: checkout
    objective: 99.9
    sli: {events: {stream: api, good: {status: ["2xx"]}}}
  - name: search
    objective: 99
    sli: {events: {stream: api, good: {status: ["2xx"]}}}
  - name: export
    objective: 99
    sli: {events: {stream: jobs, good: {status: ["2xx"]}}}
  - name: cart
    objective: 99
    sli: {events: {stream: cart, good: {status: ["2xx"]}}}
`

// gateEngine is the fake engine with the services of a real spec, so that
// the SLOs carry the default policy as slo serve decodes it.
type gateEngine struct {
	*fakeEngine
	services []slo.Service
}

func (g *gateEngine) Services() []slo.Service { return g.services }

// newGateServer serves shop with checkout healthy (90% left), search at a
// warning (30% left), export without data and cart not evaluated yet.
func newGateServer(t *testing.T, tokens Tokens) *httptest.Server {
	t.Helper()
	svcs, errs := spec.Parse("shop.yaml", []byte(gateSpec))
	if bad := errs.Invalid(); len(bad) > 0 {
		t.Fatal(bad)
	}
	shop := *svcs[0]
	at := func(name string, remaining float64) engine.Evaluation {
		o, _ := shop.Objective(name)
		burn := 0.5
		return engine.Evaluation{Service: "shop", SLO: name, Time: now, Target: o.Target, Window: "30d", SLI: sli(0.999),
			Budget:     engine.Budget{TotalMinutes: 432, RemainingMinutes: 432 * remaining, RemainingRatio: remaining, AllowedEvents: 1000, RemainingEvents: 1000 * remaining},
			BurnRate1h: &burn, Status: o.Policy.Status(remaining, burn).String()}
	}
	eng := &gateEngine{services: []slo.Service{shop}, fakeEngine: &fakeEngine{evs: []engine.Evaluation{
		at("checkout", 0.9), at("search", 0.3),
		{Service: "shop", SLO: "export", Time: now, Target: 0.99, Window: "30d", Status: "no_data", Budget: engine.Budget{TotalMinutes: 432, RemainingMinutes: 432, RemainingRatio: 1}},
	}}}
	s := New(Config{Engine: eng, Tokens: tokens})
	s.SetReady(true)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

func TestTheGateAnswersForAServiceOrOneSLO(t *testing.T) {
	ts := newGateServer(t, Tokens{})
	for _, c := range []struct {
		name, query, outcome, reason string
		slos                         []string
	}{
		{"a low-risk deploy of the service cannot tell while one SLO has no data and none blocks",
			"service=shop", "unknown", "2 SLOs cannot be measured: export (it has no valid events in its 30d window), cart (it is not evaluated yet)",
			[]string{"checkout:allowed", "search:allowed", "export:unknown", "cart:unknown"}},
		{"a high-risk deploy of the service is blocked by the warning SLO, whatever the others",
			"service=shop&risk=high", "blocked", "A high-risk deploy is blocked: shop/search is warning, with 30% of its error budget left (129.6 of 432 minutes)",
			[]string{"checkout:allowed", "search:blocked", "export:unknown", "cart:unknown"}},
		{"one healthy SLO allows a high-risk deploy",
			"service=shop&slo=checkout&risk=high", "allowed", "shop/checkout is healthy, with 90% of its error budget left",
			[]string{"checkout:allowed"}},
		{"one warning SLO allows a low-risk deploy",
			"service=shop&slo=search&risk=low", "allowed", "its policy allows feature development while warning",
			[]string{"search:allowed"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := call(t, "GET", ts.URL+"/api/v1/gate?"+c.query, "", "")
			if code != http.StatusOK {
				t.Fatalf("%d %v", code, body)
			}
			if body["outcome"] != c.outcome || !strings.Contains(body["reason"].(string), c.reason) {
				t.Errorf("%v: %v\nwant %s: ...%s...", body["outcome"], body["reason"], c.outcome, c.reason)
			}
			var got []string
			for _, v := range body["slos"].([]any) {
				m := v.(map[string]any)
				got = append(got, m["slo"].(string)+":"+m["outcome"].(string))
			}
			if strings.Join(got, " ") != strings.Join(c.slos, " ") {
				t.Errorf("verdicts %v, want %v", got, c.slos)
			}
		})
	}
	_, body := call(t, "GET", ts.URL+"/api/v1/gate?service=shop&slo=search&risk=high", "", "")
	v := body["slos"].([]any)[0].(map[string]any)
	b := v["budget"].(map[string]any)
	if b["remaining_percent"] != 30.0 || b["remaining_minutes"] != 432*0.3 || b["remaining_events"] != 300.0 || b["burn_rate_1h"] != 0.5 {
		t.Errorf("budget figures %v, want the evaluation's", b)
	}
	if a := v["actions"].(map[string]any); a["deployment_approval"] != "team_lead" || a["risky_deployments"] != false {
		t.Errorf("actions %v, want the default warning rule's", a)
	}
}

func TestTheGateRefusesBadParametersNamingThem(t *testing.T) {
	ts := newGateServer(t, Tokens{})
	for _, c := range []struct {
		query string
		code  int
		names string
	}{
		{"service=shop&risk=medium", http.StatusBadRequest, `risk "medium"`},
		{"risk=high", http.StatusBadRequest, "service: required"},
		{"service=cart", http.StatusNotFound, `service "cart"`},
		{"service=shop&slo=basket", http.StatusNotFound, `slo "basket"`},
		{"service=shop&rsik=high", http.StatusBadRequest, `parameter "rsik"`},
	} {
		code, body := call(t, "GET", ts.URL+"/api/v1/gate?"+c.query, "", "")
		if msg, _ := body["error"].(string); code != c.code || !strings.Contains(msg, c.names) {
			t.Errorf("?%s: %d %q, want %d naming %s", c.query, code, msg, c.code, c.names)
		}
	}
}

func TestTheGateNeedsAReadTokenWhenReadingDoes(t *testing.T) {
	ts := newGateServer(t, Tokens{Read: []string{"r"}})
	if code, _ := call(t, "GET", ts.URL+"/api/v1/gate?service=shop", "", ""); code != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", code)
	}
	if code, _ := call(t, "GET", ts.URL+"/api/v1/gate?service=shop", "r", ""); code != http.StatusOK {
		t.Errorf("with the read token: %d, want 200", code)
	}
}

func TestEverySLOShowsItsPolicyDecision(t *testing.T) {
	ts := newGateServer(t, Tokens{})
	_, list := call(t, "GET", ts.URL+"/api/v1/slos", "", "")
	got := map[string]string{}
	for _, v := range list["slos"].([]any) {
		m := v.(map[string]any)
		d := m["decision"].(map[string]any)
		got[m["slo"].(string)] = d["status"].(string) + " " + d["low_risk_deploy"].(string) + " " + d["high_risk_deploy"].(string)
	}
	want := map[string]string{"checkout": "healthy allowed allowed", "search": "warning allowed blocked", "export": "no_data unknown unknown"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: decision %q, want %q", k, got[k], w)
		}
	}
	_, one := call(t, "GET", ts.URL+"/api/v1/slos/shop/search", "", "")
	a := one["decision"].(map[string]any)["actions"].(map[string]any)
	if a["rule"] != "warning" || a["feature_development"] != true || a["risky_deployments"] != false || a["message"] != "Budget warning. Exercise caution with deployments." {
		t.Errorf("search's actions %v, want the default warning rule's", a)
	}
}
