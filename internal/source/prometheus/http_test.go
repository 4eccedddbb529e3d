package prometheus

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// serve answers /api/v1/query_range from the fake, as Prometheus writes
// its JSON, and refuses requests without the token.
func serve(t *testing.T, f *fakeProm, token string) string {
	t.Helper()
	srv, _ := api(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ts := func(k string) time.Time {
			x, err := strconv.ParseFloat(r.PostForm.Get(k), 64)
			if err != nil {
				t.Errorf("%s: %v", k, err)
			}
			return time.UnixMilli(int64(x * 1000))
		}
		step, _ := strconv.ParseFloat(r.PostForm.Get("step"), 64)
		m, err := f.QueryRange(r.Context(), r.PostForm.Get("query"), ts("start"), ts("end"), time.Duration(step*float64(time.Second)))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "error", "errorType": "bad_data", "error": err.Error()})
			return
		}
		type series struct {
			Metric map[string]string `json:"metric"`
			Values [][2]any          `json:"values"`
		}
		out := []series{}
		for _, s := range m {
			js := series{Metric: s.Metric}
			for _, p := range s.Points {
				js.Values = append(js.Values, [2]any{float64(p.Time.UnixMilli()) / 1000, strconv.FormatFloat(p.Value, 'f', -1, 64)})
			}
			out = append(out, js)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": out}})
	})
	return srv.URL
}

// eventually waits up to 10s for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunOverHTTP(t *testing.T) {
	f := newFixture(t)
	f.prom.split = true
	client := newClient(t, Config{URL: serve(t, f.prom, "tok"), BearerToken: "tok"})
	s := New(client, services(availability), f.sink, Options{Now: f.clock.Now, Logger: f.logs.logger(), Last: f.sink.last,
		MaxBackfill: 2 * slo.Day, Poll: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	count := func(n int) func() bool {
		return func() bool {
			kept := 0
			for _, b := range f.sink.Batches() {
				kept += len(b.Observations)
			}
			return kept >= n
		}
	}
	eventually(t, "two days backfilled", count(2880))
	f.clock.Set(D.Add(2*time.Minute + 30*time.Second))
	eventually(t, "two more minutes read", count(2882))
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	sameObservations(t, f.sink.observations(t), want(D.Add(-2*slo.Day), D.Add(2*time.Minute)))
	if h := s.Health()[key]; !h.Up || !h.LastRead.Equal(D.Add(2*time.Minute)) {
		t.Errorf("health %+v", h)
	}
}

func TestRunOverHTTPReportsAuthFailures(t *testing.T) {
	f := newFixture(t)
	client := newClient(t, Config{URL: serve(t, f.prom, "tok"), BearerToken: "wrong"})
	s := New(client, services(availability), f.sink, Options{Now: f.clock.Now, MaxBackfill: time.Hour})
	drain(t, s)
	if h := s.Health()[key]; h.Up || !contains(h.Err, "401 Unauthorized", "/api/v1/query_range") {
		t.Errorf("health %+v, want down with a 401", h)
	}
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
