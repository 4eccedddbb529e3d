package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/report"
	"github.com/slo-dev/slo/internal/ui"
)

func TestThePagesAndTheStatusPageArePublicWhileTheAPIKeepsItsTokens(t *testing.T) {
	avail := 0.999
	pages := ui.New(ui.Config{Status: func(context.Context, time.Time) (*report.CustomerReport, error) {
		return &report.CustomerReport{Month: "2026-11", Services: []report.CustomerService{{Service: "api", State: "operational", Availability: &avail, Commitment: 0.99}}}, nil
	}})
	s := New(Config{Engine: &fakeEngine{}, Annotations: &fakeAnnotations{}, Pages: pages, Tokens: Tokens{Read: []string{"r"}}})
	ts := httptest.NewServer(s)
	defer ts.Close()

	s.SetReady(false)
	if code, _ := call(t, "GET", ts.URL+"/status", "", ""); code != http.StatusServiceUnavailable {
		t.Errorf("GET /status while loading: %d, want 503", code)
	}
	s.SetReady(true)
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/", http.StatusOK},
		{"GET", "/slo/api/availability", http.StatusOK},
		{"GET", "/ui/app.js", http.StatusOK},
		{"GET", "/status", http.StatusOK},
		{"GET", "/status.json", http.StatusOK},
		{"GET", "/api/v1/slos", http.StatusUnauthorized},
		{"GET", "/metrics", http.StatusNotFound}, // no registry here; never a page
		{"POST", "/", http.StatusMethodNotAllowed},
		{"GET", "/api/v1/nothing", http.StatusNotFound},
	} {
		code, body := call(t, c.method, ts.URL+c.path, "", "")
		if code != c.want {
			t.Errorf("%s %s without a token: %d, want %d", c.method, c.path, code, c.want)
		}
		if c.path == "/api/v1/nothing" && body["error"] == nil {
			t.Errorf("an unknown API path is not answered in JSON: %v", body)
		}
	}
}
