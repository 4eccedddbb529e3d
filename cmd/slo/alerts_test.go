package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/alert/alertmanager/amtest"
	"github.com/slo-dev/slo/internal/alert/webhook"
	"github.com/slo-dev/slo/internal/store"
)

// hookReceiver is a webhook endpoint that keeps the messages whose
// signature verifies, and counts the ones that do not.
type hookReceiver struct {
	mu     sync.Mutex
	msgs   []webhook.Message
	forged int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := webhook.Verify("hook-secret", r.Header, body, time.Now(), time.Minute); err != nil {
		h.forged++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var m webhook.Message
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.msgs = append(h.msgs, m)
}

// alerts returns the alerts of every message so far with the given status
// and labels.
func (h *hookReceiver) alerts(status string, labels map[string]string) []webhook.Alert {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []webhook.Alert
	for _, m := range h.msgs {
		for _, a := range m.Alerts {
			if a.Status == status && hasLabels(a.Labels, labels) {
				out = append(out, a)
			}
		}
	}
	return out
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// waitFor polls cond every 50ms for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("waited %s for %s", d, what)
}

// TestAPagingIncidentReachesAlertmanagerAndTheWebhookOnceAndResolves runs
// slo serve against a real Alertmanager and a webhook receiver: five
// minutes of failures after hours of good traffic fire the page tier;
// Alertmanager shows it with its labels and the webhook gets it signed; a
// restart pages nobody anew; a flood of good traffic resolves it, and the
// resolution reaches both.
func TestAPagingIncidentReachesAlertmanagerAndTheWebhookOnceAndResolves(t *testing.T) {
	am := amtest.Start(t)
	hook := &hookReceiver{}
	hs := httptest.NewServer(hook)
	defer hs.Close()
	dir := t.TempDir()
	secret := writeFile(t, "hook.secret", "hook-secret\n")
	args := []string{"--tick", "200ms", "-c", writeFile(t, "api.yaml", pushSpec), "--data-dir", dir, "--ingest-token", "secret",
		"--alertmanager-url", am.URL(), "--webhook-url", hs.URL, "--webhook-secret-file", secret, "--external-url", "https://slo.example.com"}
	s := startServe(t, args...)

	now := time.Now().UTC()
	var counts bytes.Buffer
	for m := now.Add(-3 * time.Hour); m.Before(now); m = m.Add(time.Minute) {
		good := 100
		if now.Sub(m) <= 5*time.Minute {
			good = 0
		}
		fmt.Fprintf(&counts, `{"slo":"api/availability","time":%q,"good":%d,"valid":100}`+"\n", m.Format(time.RFC3339), good)
	}
	s.push(t, "secret", "", counts.Bytes(), http.StatusOK)

	page := map[string]string{"alertname": "SLOBurnRate", "service": "api", "slo": "availability", "severity": "critical",
		"tier": "page", "long_window": "1h", "short_window": "5m"}
	got := am.WaitAlerts(t, 20*time.Second, func(as []amtest.Alert) bool {
		for _, a := range as {
			if a.Active() && hasLabels(a.Labels, page) {
				return true
			}
		}
		return false
	})
	var inAM amtest.Alert
	for _, a := range got {
		if hasLabels(a.Labels, page) {
			inAM = a
		}
	}
	for _, k := range []string{"summary", "description", "dashboard"} {
		if inAM.Annotations[k] == "" {
			t.Errorf("Alertmanager's page lacks annotation %s: %v", k, inAM.Annotations)
		}
	}
	if want := "https://slo.example.com/slo/api/availability"; inAM.Annotations["dashboard"] != want {
		t.Errorf("dashboard %q, want %q", inAM.Annotations["dashboard"], want)
	}
	if !strings.Contains(inAM.Annotations["description"], "over 1h") {
		t.Errorf("description %q does not give the 1h burn rate", inAM.Annotations["description"])
	}
	waitFor(t, 10*time.Second, "the webhook's page", func() bool { return len(hook.alerts("firing", page)) > 0 })
	fired := hook.alerts("firing", page)[0]

	var active struct{ Alerts []store.Alert }
	s.do(t, "GET", "/api/v1/alerts?state=firing&service=api", "", nil, nil, &active)
	var firing *store.Alert
	for i, a := range active.Alerts {
		if a.Rule == "page" {
			firing = &active.Alerts[i]
		}
	}
	if firing == nil || firing.State != "firing" || firing.PeakBurnRate < 14.4 || !firing.FiredAt.Equal(fired.StartsAt) {
		t.Fatalf("GET /api/v1/alerts: %+v, want the page firing since %s", active.Alerts, fired.StartsAt)
	}
	metrics := s.metrics(t)
	if want := `slo_alerts{rule="page",service="api",severity="critical",slo="availability",state="firing"} 1`; !strings.Contains(metrics, want) {
		t.Errorf("/metrics lacks %s", want)
	}

	// A restart resumes the page: Alertmanager keeps it with its start,
	// and nobody is paged anew.
	s.stop()
	s = startServe(t, args...)
	s.do(t, "GET", "/api/v1/alerts?state=firing", "", nil, nil, &active)
	time.Sleep(time.Second) // five ticks
	if n := len(hook.alerts("firing", page)); n != 1 {
		t.Fatalf("after a restart the webhook had %d page messages, want the one from before", n)
	}
	resumed := false
	for _, a := range active.Alerts {
		resumed = resumed || (a.Rule == "page" && a.FiredAt.Equal(firing.FiredAt))
	}
	if !resumed {
		t.Fatalf("after a restart: %+v, want the page firing since %s", active.Alerts, firing.FiredAt)
	}

	// 100 more failures while it fires, then a flood of good requests:
	// every window's burn rate falls under the page's 14.4x.
	stamp := time.Now().UTC().Format(time.RFC3339Nano)
	s.push(t, "secret", "", []byte(fmt.Sprintf(`{"slo":"api/availability","time":%q,"good":0,"valid":100}`+"\n", stamp)), http.StatusOK)
	s.push(t, "secret", "", []byte(fmt.Sprintf(`{"slo":"api/availability","time":%q,"good":300000,"valid":300000}`+"\n", stamp)), http.StatusOK)
	waitFor(t, 10*time.Second, "the webhook's resolution", func() bool { return len(hook.alerts("resolved", page)) > 0 })
	resolved := hook.alerts("resolved", page)[0]
	if !resolved.StartsAt.Equal(fired.StartsAt) || resolved.Fingerprint != fired.Fingerprint || resolved.EndsAt.Before(resolved.StartsAt) {
		t.Errorf("resolution %+v does not match the firing %+v", resolved, fired)
	}
	am.WaitAlerts(t, 10*time.Second, func(as []amtest.Alert) bool {
		for _, a := range as {
			if hasLabels(a.Labels, page) {
				return false
			}
		}
		return true
	})
	if _, res := am.Received(t); res == 0 {
		t.Errorf("Alertmanager received no resolved alert")
	}
	var hist struct{ Alerts []store.Alert }
	s.do(t, "GET", "/api/v1/alerts/history?service=api&slo=availability", "", nil, nil, &hist)
	var ended *store.Alert
	for i, a := range hist.Alerts {
		if a.Rule == "page" {
			ended = &hist.Alerts[i]
		}
	}
	if ended == nil || ended.State != "resolved" || !ended.FiredAt.Equal(firing.FiredAt) || ended.ResolvedAt.IsZero() {
		t.Fatalf("history %+v, want the page resolved", hist.Alerts)
	}
	// The 100 failures while it fired, over the budget's allowed events.
	ev := s.evaluation(t, "api/availability")
	within(t, "budget spent while firing", ended.BudgetSpent, 100/(0.001*ev.Valid), 1e-6)
	if hook.forged != 0 {
		t.Errorf("%d webhook requests failed verification", hook.forged)
	}
}

// metrics returns the server's /metrics page.
func (s *server) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	return string(b)
}
