package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tieredSpec holds two SLOs measured per customer: availability, with a
// stricter enterprise target, and latency, whose enterprise threshold is
// 100ms instead of 500ms. Its mapping file puts initech on enterprise.
const tieredSpec = `apiVersion: slo/v1
service: api
customers:
  tiers: [free, enterprise]
  default_tier: free
  mapping_file: tiers.csv
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
  - name: latency
    objective: 99
    sli:
      events:
        stream: api
        customer_field: customer
        good: {latency_below: 500ms}
    tiers:
      enterprise: {latency_below: 100ms}
`

// customerSLO is what the tests read of a customer's standing on one SLO.
type customerSLO struct {
	SLO        string  `json:"slo"`
	Target     float64 `json:"target"`
	Status     string  `json:"status"`
	Evaluation *struct {
		Target float64 `json:"target"`
		Tier   string  `json:"tier"`
		Good   float64 `json:"good"`
		Valid  float64 `json:"valid"`
		Status string  `json:"status"`
	} `json:"evaluation"`
}

type customerView struct {
	Tier   string        `json:"tier"`
	Source string        `json:"source"`
	SLOs   []customerSLO `json:"slos"`
}

// customer waits until cond holds of the customer's view, on the tick.
func (s *server) customer(t *testing.T, name string, cond func(customerView) bool) customerView {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var v customerView
		code := s.do(t, "GET", "/api/v1/customers/api/"+name, "", nil, nil, &v)
		if code == http.StatusOK && cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("customer %s: %d %+v, not as wanted within 30s", name, code, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pushRequests pushes n requests of acme two minutes ago, bad of them
// 503, each taking latency.
func pushRequests(t *testing.T, s *server, customer string, n, bad int, latency time.Duration) {
	t.Helper()
	var b bytes.Buffer
	at := time.Now().Add(-2 * time.Minute).Unix()
	for i := range n {
		status := 200
		if i < bad {
			status = 503
		}
		fmt.Fprintf(&b, `{"stream":"api","time":%d,"path":"/v1/send","status":%d,"latency_ms":%d,"customer":%q}`+"\n",
			at, status, latency.Milliseconds(), customer)
	}
	s.push(t, "pusher", "", b.Bytes(), http.StatusOK)
}

func slos(v customerView) map[string]customerSLO {
	out := map[string]customerSLO{}
	for _, s := range v.SLOs {
		out[s.SLO] = s
	}
	return out
}

// A tier set through the API moves the customer's target and status at the
// next tick, routes its next events by the tier's latency threshold, and
// survives a restart and a reload; the mapping file's assignments apply.
func TestATierSetThroughTheAPIChangesTheCustomersTargetAndSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "api.yaml"), []byte(tieredSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tiers.csv"), []byte("customer,tier\ninitech,enterprise\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	args := []string{"--tick", "100ms", "-c", filepath.Join(dir, "api.yaml"), "--data-dir", data,
		"--ingest-token", "pusher", "--admin-token", "root"}
	s := startServe(t, args...)

	if v := s.customer(t, "initech", func(customerView) bool { return true }); v.Tier != "enterprise" || v.Source != "spec" {
		t.Errorf("initech is %s from %s, want enterprise from the mapping file", v.Tier, v.Source)
	}
	// 0.3% errors: healthy against free's 99%, exhausted against 99.9%.
	// 200ms: good under free's 500ms, bad under enterprise's 100ms.
	pushRequests(t, s, "acme", 1000, 3, 200*time.Millisecond)
	v := s.customer(t, "acme", func(v customerView) bool {
		a := slos(v)["availability"]
		return a.Evaluation != nil && a.Evaluation.Valid == 1000
	})
	if a, l := slos(v)["availability"], slos(v)["latency"]; v.Tier != "free" || a.Evaluation.Target != 0.99 ||
		a.Status != "healthy" || l.Evaluation.Good != 1000 {
		t.Fatalf("acme before: %+v; want free, 0.99, healthy, all 1000 fast enough", v)
	}

	var put customerView
	if code := s.do(t, "PUT", "/api/v1/customers/api/acme", "pusher", strings.NewReader(`{"tier":"enterprise"}`), nil, &put); code != http.StatusForbidden {
		t.Errorf("PUT with the ingest token: %d, want 403", code)
	}
	if code := s.do(t, "PUT", "/api/v1/customers/api/acme", "root", strings.NewReader(`{"tier":"enterprise"}`), nil, &put); code != http.StatusOK ||
		put.Tier != "enterprise" || put.Source != "api" {
		t.Fatalf("PUT: %d %+v", code, put)
	}
	v = s.customer(t, "acme", func(v customerView) bool { return slos(v)["availability"].Evaluation.Target == 0.999 })
	if a := slos(v)["availability"]; a.Status != "exhausted" || a.Evaluation.Tier != "enterprise" {
		t.Errorf("acme on enterprise: %+v; want exhausted", a)
	}
	// The router now classifies acme's events by enterprise's 100ms.
	pushRequests(t, s, "acme", 1000, 0, 200*time.Millisecond)
	v = s.customer(t, "acme", func(v customerView) bool { return slos(v)["latency"].Evaluation.Valid == 2000 })
	if l := slos(v)["latency"]; l.Evaluation.Good != 1000 {
		t.Errorf("latency after the PUT: %v good of 2000, want the second 1000 bad", l.Evaluation.Good)
	}

	s.stop()
	s = startServe(t, args...)
	v = s.customer(t, "acme", func(v customerView) bool { return slos(v)["availability"].Evaluation != nil })
	if a := slos(v)["availability"]; v.Tier != "enterprise" || v.Source != "api" || a.Evaluation.Target != 0.999 || a.Status != "exhausted" {
		t.Errorf("acme after a restart: %+v; want enterprise from the API, exhausted", v)
	}
	if code := s.do(t, "POST", "/api/v1/admin/reload", "root", nil, nil, nil); code != http.StatusOK {
		t.Fatalf("reload: %d", code)
	}
	v = s.customer(t, "acme", func(v customerView) bool { return slos(v)["availability"].Evaluation != nil })
	if a := slos(v)["availability"]; v.Tier != "enterprise" || a.Evaluation.Target != 0.999 {
		t.Errorf("acme after a reload: %+v; want enterprise", v)
	}

	var del struct {
		Deleted bool `json:"deleted"`
		customerView
	}
	if code := s.do(t, "DELETE", "/api/v1/customers/api/acme", "root", nil, nil, &del); code != http.StatusOK || !del.Deleted || del.Tier != "free" {
		t.Errorf("DELETE: %d %+v; want deleted, back on free", code, del)
	}
	v = s.customer(t, "acme", func(v customerView) bool { return slos(v)["availability"].Evaluation.Target == 0.99 })
	if a := slos(v)["availability"]; a.Status != "healthy" {
		t.Errorf("acme back on free: %+v; want healthy", a)
	}
}

func TestValidateReportsAMappingFilesMistakesAtTheirLines(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "api.yaml"), []byte(tieredSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	csv := "customer,tier\ninitech,enterprise\nacme,gold\ninitech,free\n"
	if err := os.WriteFile(filepath.Join(dir, "tiers.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, exitInvalid, "validate", filepath.Join(dir, "api.yaml"))
	for _, want := range []string{
		filepath.Join(dir, "tiers.csv") + `:3:1: acme: tier "gold" is not one of the tiers of customers.tiers`,
		filepath.Join(dir, "tiers.csv") + `:4:1: initech: customer "initech" is given tier "free" here and "enterprise" at line 2`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}
