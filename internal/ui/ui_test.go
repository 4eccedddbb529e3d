package ui

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/report"
)

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestThePagesAndAssetsAreServedWithAPolicyThatAllowsOnlyTheirOwnScripts(t *testing.T) {
	h := New(Config{})
	for path, want := range map[string]string{
		"/":                       `src="/ui/overview.js"`,
		"/slo/api/availability":   `src="/ui/slo.js"`,
		"/ui/app.js":              "export async function api",
		"/ui/style.css":           ":root",
		"/slo/a%2Fb/availability": `src="/ui/slo.js"`,
	} {
		r := get(t, h, path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, r.StatusCode)
		}
		if b := body(t, r); !strings.Contains(b, want) {
			t.Errorf("GET %s lacks %q", path, want)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
	for _, path := range []string{"/ui/", "/ui/missing.js", "/nowhere", "/slo/only-service", "/status"} {
		if r := get(t, h, path); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.StatusCode)
		}
	}
}

func TestNoPageUsesInlineScriptsOrStylesTheirPolicyWouldBlock(t *testing.T) {
	for _, name := range []string{"index.html", "slo.html", "status.html"} {
		data, err := assets.ReadFile("assets/" + name)
		if err != nil {
			t.Fatal(err)
		}
		page := string(data)
		for _, bad := range []string{"<script>", " style=", " onclick=", "<style"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s has %q, which the Content-Security-Policy blocks", name, bad)
			}
		}
	}
}

func report1(state string, availability float64, meeting bool) *report.CustomerReport {
	return &report.CustomerReport{
		Time: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), Month: "2026-11", Partial: true,
		Services: []report.CustomerService{{
			Service: "shop", State: state, Availability: &availability, Commitment: 0.995, CommitmentKind: "sla",
			MeetingCommitment: &meeting, Message: "All <b>fine</b>.",
			Components: []report.Component{{Name: "checkout", State: state}, {Name: "search", State: "operational"}},
		}},
	}
}

func TestTheStatusPageShowsEachServiceStateAndTheMonthsAvailabilityAgainstTheCommitment(t *testing.T) {
	h := New(Config{Status: func(context.Context, time.Time) (*report.CustomerReport, error) {
		return report1("degraded", 0.99123, false), nil
	}})
	r := get(t, h, "/status")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /status: %d", r.StatusCode)
	}
	page := body(t, r)
	for _, want := range []string{
		`data-service="shop" data-state="degraded"`, "Degraded performance", "Some systems are degraded",
		"Availability in November 2026 so far", "99.123%", "99.5%", "below commitment", "checkout",
		"All &lt;b&gt;fine&lt;/b&gt;.", // the message is text, never markup
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the status page lacks %q", want)
		}
	}

	j := get(t, h, "/status.json")
	var got report.CustomerReport
	if err := json.NewDecoder(j.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got.Services) != 1 || got.Services[0].State != "degraded" || *got.Services[0].Availability != 0.99123 {
		t.Errorf("GET /status.json: %+v", got)
	}
}

func TestTheStatusReportIsMadeOncePerCachePeriodAndAFailureIsA503(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	calls, fail := 0, false
	h := New(Config{StatusCache: 15 * time.Second, Now: func() time.Time { return now },
		Status: func(_ context.Context, at time.Time) (*report.CustomerReport, error) {
			calls++
			if fail {
				return nil, errors.New("store gone")
			}
			return report1("operational", 0.999, true), nil
		}})
	for i := 0; i < 5; i++ {
		if r := get(t, h, "/status"); r.StatusCode != http.StatusOK {
			t.Fatalf("GET /status: %d", r.StatusCode)
		}
	}
	if calls != 1 {
		t.Fatalf("five visits in one period made %d reports, want 1", calls)
	}
	now = now.Add(16 * time.Second)
	fail = true
	r := get(t, h, "/status")
	if r.StatusCode != http.StatusServiceUnavailable || strings.Contains(body(t, r), "store gone") {
		t.Fatalf("a failed report: %d, want 503 without the error's text", r.StatusCode)
	}
	if calls != 2 {
		t.Fatalf("after the period %d reports, want 2", calls)
	}
}

func TestTheAvailabilityBarPutsTheCommitmentAtTwoThirds(t *testing.T) {
	bar, mark := barOf(0.995, 0.995)
	if d := mark - 200.0/3; d > 1e-9 || d < -1e-9 || bar != mark {
		t.Errorf("barOf(commitment) = %v, %v, want the mark at 66.67 and the bar on it", bar, mark)
	}
	if bar, _ := barOf(0.5, 0.995); bar != 0 {
		t.Errorf("far below: bar %v, want 0", bar)
	}
	if bar, _ := barOf(1, 0.995); bar != 100 {
		t.Errorf("all good: bar %v, want 100", bar)
	}
}

func TestTheStatusPageNeverClaimsHealthItHasNotMeasured(t *testing.T) {
	h := New(Config{Status: func(context.Context, time.Time) (*report.CustomerReport, error) {
		return &report.CustomerReport{Month: "2026-11", Services: []report.CustomerService{{Service: "shop", State: "unknown", Commitment: 0.995}}}, nil
	}})
	page := body(t, get(t, h, "/status"))
	if strings.Contains(page, "All systems operational") || !strings.Contains(page, "No data yet") {
		t.Errorf("with nothing measured the headline is not 'No data yet':\n%s", page)
	}
}

func TestPercentRoundsDownSoThatAMissNeverReadsAsMet(t *testing.T) {
	for x, want := range map[float64]string{0.994996: "99.499%", 0.9999999: "99.999%", 1: "100%", 0.995: "99.5%", 0.5: "50%"} {
		if got := percent(x); got != want {
			t.Errorf("percent(%v) = %s, want %s", x, got, want)
		}
	}
}
