package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

const tieredSpec = `apiVersion: slo/v1
service: api
customers:
  tiers: [free, enterprise]
  default_tier: free
  assignments: {initech: enterprise}
slos:
  - name: availability
    objective: 99
    sli:
      events:
        stream: api
        customer_field: customer
        good: {status: ["2xx"]}
    tiers:
      enterprise: {objective: 99.9}
  - name: overall
    objective: 99
    sli:
      events:
        stream: api
        good: {status: ["2xx"]}
---
apiVersion: slo/v1
service: shop
slos:
  - name: availability
    objective: 99
    sli:
      events:
        stream: shop
        good: {status: ["2xx"]}
`

// tieredServer serves a real engine over a real SQLite store, with acme's
// last hour at 99.7% good: healthy on free's 99%, exhausted on
// enterprise's 99.9%.
func tieredServer(t *testing.T) (*httptest.Server, *engine.Engine, *sqlite.DB) {
	t.Helper()
	obs := lastHour("api/availability", 997)
	for i := range obs {
		obs[i].Series.Customer = "acme"
	}
	return realServer(t, tieredSpec, obs)
}

// acme reads acme's tier, source and its availability SLO's entry.
func acme(t *testing.T, ts *httptest.Server) (tier, source string, target float64, evTarget any, status string) {
	t.Helper()
	code, body := call(t, "GET", ts.URL+"/api/v1/customers/api/acme", "", "")
	if code != http.StatusOK {
		t.Fatalf("GET acme: %d %v", code, body)
	}
	slos := body["slos"].([]any)
	if len(slos) != 1 {
		t.Fatalf("slos %v, want availability alone (overall is not per customer)", slos)
	}
	a := slos[0].(map[string]any)
	ev, _ := a["evaluation"].(map[string]any)
	return body["tier"].(string), body["source"].(string), a["target"].(float64), ev["target"], a["status"].(string)
}

func TestATierPutThroughTheAPIIsSavedAndTakenAtTheNextTick(t *testing.T) {
	ts, eng, st := tieredServer(t)
	if tier, source, target, _, status := acme(t, ts); tier != "free" || source != "default" || target != 0.99 || status != "healthy" {
		t.Fatalf("before: %s (%s), target %v, %s; want free by default, 0.99, healthy", tier, source, target, status)
	}
	code, body := call(t, "PUT", ts.URL+"/api/v1/customers/api/acme", "a", `{"tier": "enterprise"}`)
	if code != http.StatusOK || body["tier"] != "enterprise" || body["source"] != "api" || body["spec_tier"] != "free" {
		t.Fatalf("PUT: %d %v; want enterprise from the API over the spec's free", code, body)
	}
	stored, err := st.CustomerTiers(context.Background())
	if err != nil || len(stored) != 1 || stored[0].Tier != "enterprise" || !stored[0].Set.Equal(now) {
		t.Errorf("stored %+v, %v; want acme on enterprise, set now", stored, err)
	}
	// The next target shows at once; the evaluation moves at the tick.
	if _, _, target, evTarget, status := acme(t, ts); target != 0.999 || evTarget != 0.99 || status != "healthy" {
		t.Errorf("before the tick: target %v, evaluated at %v, %s; want 0.999 next, 0.99 and healthy still", target, evTarget, status)
	}
	eng.Evaluate()
	if _, _, target, evTarget, status := acme(t, ts); target != 0.999 || evTarget != 0.999 || status != "exhausted" {
		t.Errorf("after the tick: target %v, evaluated at %v, %s; want 0.999 and exhausted", target, evTarget, status)
	}

	code, body = call(t, "DELETE", ts.URL+"/api/v1/customers/api/acme", "a", "")
	if code != http.StatusOK || body["deleted"] != true || body["tier"] != "free" || body["source"] != "default" {
		t.Errorf("DELETE: %d %v; want deleted, back to free by default", code, body)
	}
	if code, body = call(t, "DELETE", ts.URL+"/api/v1/customers/api/acme", "a", ""); code != http.StatusOK || body["deleted"] != false {
		t.Errorf("DELETE again: %d %v; want 200, nothing deleted", code, body)
	}
	eng.Evaluate()
	if _, _, target, evTarget, status := acme(t, ts); target != 0.99 || evTarget != 0.99 || status != "healthy" {
		t.Errorf("after the delete: target %v, evaluated at %v, %s; want 0.99 and healthy", target, evTarget, status)
	}
}

func TestABadTierRequestNamesTheFieldAndChangesNothing(t *testing.T) {
	ts, eng, st := tieredServer(t)
	if code, _ := call(t, "PUT", ts.URL+"/api/v1/customers/api/initech", "a", `{"tier": "free"}`); code != http.StatusOK {
		t.Fatalf("a valid PUT: %d", code)
	}
	for _, c := range []struct {
		name, method, path, token, body string
		code                            int
		field                           string
	}{
		{"no token", "PUT", "/api/v1/customers/api/acme", "", `{"tier": "enterprise"}`, http.StatusUnauthorized, ""},
		{"an ingest token", "PUT", "/api/v1/customers/api/acme", "i", `{"tier": "enterprise"}`, http.StatusForbidden, ""},
		{"an ingest token deleting", "DELETE", "/api/v1/customers/api/initech", "i", ``, http.StatusForbidden, ""},
		{"an unknown service", "PUT", "/api/v1/customers/nope/acme", "a", `{"tier": "enterprise"}`, http.StatusNotFound, "service"},
		{"a service without tiers", "PUT", "/api/v1/customers/shop/acme", "a", `{"tier": "enterprise"}`, http.StatusBadRequest, "service"},
		{"an unknown tier", "PUT", "/api/v1/customers/api/acme", "a", `{"tier": "gold"}`, http.StatusBadRequest, "tier"},
		{"no tier", "PUT", "/api/v1/customers/api/acme", "a", `{}`, http.StatusBadRequest, "tier"},
		{"an unknown field", "PUT", "/api/v1/customers/api/acme", "a", `{"tier": "enterprise", "until": "2027"}`, http.StatusBadRequest, "until"},
		{"not JSON", "PUT", "/api/v1/customers/api/acme", "a", `tier=enterprise`, http.StatusBadRequest, ""},
		{"two values", "PUT", "/api/v1/customers/api/acme", "a", `{"tier": "enterprise"} {}`, http.StatusBadRequest, ""},
		{"a body too large", "PUT", "/api/v1/customers/api/acme", "a", `{"tier": "` + strings.Repeat("x", maxTierBody) + `"}`, http.StatusRequestEntityTooLarge, ""},
		{"a customer id too long", "PUT", "/api/v1/customers/api/" + strings.Repeat("x", slo.MaxCustomer+1), "a", `{"tier": "enterprise"}`, http.StatusBadRequest, "customer"},
		{"deleting in an unknown service", "DELETE", "/api/v1/customers/nope/initech", "a", ``, http.StatusNotFound, "service"},
		{"listing an unknown service", "GET", "/api/v1/customers/nope", "", ``, http.StatusNotFound, "service"},
		{"listing a service without tiers", "GET", "/api/v1/customers/shop", "", ``, http.StatusNotFound, "service"},
		{"listing by an unknown source", "GET", "/api/v1/customers/api?source=crm", "", ``, http.StatusBadRequest, "source"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := call(t, c.method, ts.URL+c.path, c.token, c.body)
			if code != c.code || (c.field != "" && body["field"] != c.field) {
				t.Errorf("%d %v; want %d naming field %q", code, body, c.code, c.field)
			}
			if msg, _ := body["error"].(string); msg == "" {
				t.Errorf("no error message: %v", body)
			}
		})
	}
	stored, _ := st.CustomerTiers(context.Background())
	if len(stored) != 1 || stored[0].Customer != "initech" || stored[0].Tier != "free" {
		t.Errorf("stored %+v, want initech on free alone", stored)
	}
	if ct, _ := eng.CustomerTier("api", "acme"); ct.Tier != "free" || ct.Source != "default" {
		t.Errorf("acme is %+v, want unchanged", ct)
	}
}

func TestATierNotSavedIsNotAcknowledged(t *testing.T) {
	ts, eng, st := tieredServer(t)
	st.Close() // every write now fails
	code, body := call(t, "PUT", ts.URL+"/api/v1/customers/api/acme", "a", `{"tier": "enterprise"}`)
	if code != http.StatusInternalServerError || !strings.Contains(fmt.Sprint(body["error"]), "not saved") {
		t.Errorf("%d %v; want 500, not saved", code, body)
	}
	if ct, _ := eng.CustomerTier("api", "acme"); ct.Tier != "free" {
		t.Errorf("acme is %+v after a failed save, want free", ct)
	}
}

func TestTheMappingListsEveryCustomerWithItsSource(t *testing.T) {
	ts, _, _ := tieredServer(t)
	if code, _ := call(t, "PUT", ts.URL+"/api/v1/customers/api/globex", "a", `{"tier": "enterprise"}`); code != http.StatusOK {
		t.Fatal("PUT failed")
	}
	list := func(query string) string {
		t.Helper()
		code, body := call(t, "GET", ts.URL+"/api/v1/customers/api"+query, "", "")
		if code != http.StatusOK {
			t.Fatalf("GET: %d %v", code, body)
		}
		var out []string
		for _, c := range body["customers"].([]any) {
			m := c.(map[string]any)
			out = append(out, fmt.Sprintf("%s=%s(%s)", m["customer"], m["tier"], m["source"]))
		}
		return strings.Join(out, " ")
	}
	if got, want := list(""), "acme=free(default) globex=enterprise(api) initech=enterprise(spec)"; got != want {
		t.Errorf("mapping %q, want %q", got, want)
	}
	if got, want := list("?tier=enterprise&source=spec"), "initech=enterprise(spec)"; got != want {
		t.Errorf("filtered %q, want %q", got, want)
	}
}
