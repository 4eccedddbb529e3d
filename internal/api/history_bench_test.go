package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

// The web UI's charts read GET /api/v1/slos/{service}/{slo}/history. The
// issue's goal: charts stay fast over 90 days because the server
// downsamples to hundreds of points (docs/performance.md, "Charts over 90
// days").

const chartSpec = `apiVersion: slo/v1
service: shop
slos:
  - name: availability
    objective: 99.9
    window: 30d
    sli:
      events:
        stream: api
        customer_field: customer
        good: {status: ["2xx"]}
`

// chartNow is mid-hour and mid-minute, as a user's now is: the current hour
// and minute buckets are partly filled.
var chartNow = time.Date(2026, 11, 1, 12, 37, 20, 0, time.UTC)

// chartDays of counts are stored: a 90-day chart and the 30-day SLO window
// before its first point.
const chartDays = 120

// chartCase is one request a chart makes.
type chartCase struct {
	name, query string
	points      int // 0: the request is refused with 400
}

func chartCases() []chartCase {
	from := func(d time.Duration) string { return fmt.Sprintf("from=%d", chartNow.Add(-d).Unix()) }
	return []chartCase{
		{"range=1d", from(slo.Day), 289},       // step 5m
		{"range=7d", "", 297},                  // the default range; step 34m
		{"range=30d", from(30 * slo.Day), 301}, // step 2h24m
		{"range=90d", from(90 * slo.Day), 301}, // step 7h12m
		{"range=90d,customer", from(90*slo.Day) + "&customer=" + chartCustomer(4), 301},
		{"range=90d,step=1h", from(90*slo.Day) + "&step=1h", 2161},
		{"range=90d,step=1m", from(90*slo.Day) + "&step=1m", 0}, // 129,601 points: over engine.MaxPoints
	}
}

func chartCustomer(i int) string { return fmt.Sprintf("customer-%03d", i) }

// chartServer serves a real engine over a real SQLite file holding
// chartDays of the availability SLO's counts for its total and customers,
// as the engine stores them: minute buckets for the fine retention (8
// days), hour buckets before.
func chartServer(tb testing.TB, customers int) (*httptest.Server, *engine.Engine, *sqlite.DB) {
	tb.Helper()
	parsed, problems := spec.Parse("spec.yaml", []byte(chartSpec))
	if len(problems.Invalid()) > 0 {
		tb.Fatal(problems)
	}
	clock := func() time.Time { return chartNow }
	st, err := sqlite.Open(filepath.Join(tb.TempDir(), "slo.db"), sqlite.Options{Now: clock})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	eng := engine.New(st, []slo.Service{*parsed[0]}, engine.Options{Now: clock})
	ctx := context.Background()
	if err := eng.Load(ctx); err != nil {
		tb.Fatal(err)
	}
	fillChart(tb, eng, customers)
	eng.Evaluate()
	s := New(Config{Engine: eng, Annotations: st, Now: clock})
	s.SetReady(true)
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return ts, eng, st
}

// fillChart appends the counts through the engine, a hundred thousand
// observations a batch: one observation per series and hour up to the
// first hour whose minutes the store keeps, one per minute after it.
func fillChart(tb testing.TB, eng *engine.Engine, customers int) {
	tb.Helper()
	key := "shop/availability"
	var batch []slo.Observation
	flush := func() {
		if _, _, err := eng.Append(context.Background(), store.Batch{Received: chartNow, Observations: batch}); err != nil {
			tb.Fatal(err)
		}
		batch = batch[:0]
	}
	add := func(t time.Time, minutes int) {
		var total slo.Observation
		for i := range customers {
			var good, valid float64
			for m := range minutes {
				g, v := chartTraffic(i, t.Add(time.Duration(m)*time.Minute))
				good, valid = good+g, valid+v
			}
			batch = append(batch, slo.Observation{Series: slo.Series{Objective: key, Customer: chartCustomer(i)}, Time: t, Good: good, Valid: valid})
			total.Good, total.Valid = total.Good+good, total.Valid+valid
		}
		if customers == 0 {
			for m := range minutes {
				g, v := chartTraffic(0, t.Add(time.Duration(m)*time.Minute))
				total.Good, total.Valid = total.Good+g, total.Valid+v
			}
		}
		batch = append(batch, slo.Observation{Series: slo.Series{Objective: key}, Time: t, Good: total.Good, Valid: total.Valid})
		if len(batch) >= 100_000 {
			flush()
		}
	}
	minutes := store.Coarse.Truncate(chartNow.Add(-store.DefaultRetention.Fine))
	for t := store.Coarse.Truncate(chartNow.Add(-chartDays * slo.Day)); t.Before(minutes); t = t.Add(time.Hour) {
		add(t, 60)
	}
	for t := minutes; t.Before(chartNow); t = t.Add(time.Minute) {
		add(t, 1)
	}
	flush()
}

// chartTraffic is customer i's good and valid events in the minute at t:
// traffic that varies by customer, hour and day of the week, an error one
// minute in sixty and an hour of 10% errors every ten days: about 60% of
// the budget spent, and every figure of a point moves.
func chartTraffic(i int, t time.Time) (good, valid float64) {
	m := t.Unix() / 60
	valid = float64(40 + 10*(i%5) + 30*((t.Hour()+i)%24)/23 + 5*int(t.Weekday()))
	bad := float64((m + int64(i)) % 60 / 59)
	if t.YearDay()%10 == 3 && t.Hour() == 14 {
		bad = valid / 10
	}
	return valid - bad, valid
}

// getChart fetches a history and returns its status and the bytes of its
// body.
func getChart(tb testing.TB, c *http.Client, url string) (int, []byte) {
	tb.Helper()
	resp, err := c.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, body
}

// checkChart fails unless the answer is the chart the case asks for: its
// number of points, every one with an SLI (the stored days cover each
// point's window), or a refusal that says to use a longer step.
func checkChart(tb testing.TB, c chartCase, code int, body []byte) {
	tb.Helper()
	if c.points == 0 {
		if code != http.StatusBadRequest || !strings.Contains(string(body), "use a longer step") {
			tb.Fatalf("%s: %d %s; want 400 asking for a longer step", c.name, code, body)
		}
		return
	}
	var out struct{ Points []engine.Point }
	if err := json.Unmarshal(body, &out); code != http.StatusOK || err != nil {
		tb.Fatalf("%s: %d %v %.200s", c.name, code, err, body)
	}
	if len(out.Points) != c.points {
		tb.Fatalf("%s: %d points, want %d", c.name, len(out.Points), c.points)
	}
	for _, p := range out.Points {
		if p.SLI == nil || p.BurnRate1h == nil {
			tb.Fatalf("%s: no SLI or burn rate at %s", c.name, p.Time)
		}
	}
}

// TestA90DayChartIsDownsampledToHundredsOfPoints: each range a chart asks
// gets about 300 points by default, a minute step over 90 days is refused,
// and the last point agrees with the live evaluation.
func TestA90DayChartIsDownsampledToHundredsOfPoints(t *testing.T) {
	ts, eng, _ := chartServer(t, 0)
	for _, c := range chartCases() {
		if strings.Contains(c.query, "customer=") {
			continue // no customers here; the benchmark has them
		}
		code, body := getChart(t, ts.Client(), ts.URL+"/api/v1/slos/shop/availability/history?"+c.query)
		checkChart(t, c, code, body)
	}
	// The chart's last point is now: the SLO page's tiles and its chart
	// must agree on the SLI.
	code, body := getChart(t, ts.Client(), ts.URL+"/api/v1/slos/shop/availability/history?from="+fmt.Sprint(chartNow.Add(-90*slo.Day).Unix()))
	var out struct{ Points []engine.Point }
	if err := json.Unmarshal(body, &out); code != http.StatusOK || err != nil {
		t.Fatalf("%d %v", code, err)
	}
	last := out.Points[len(out.Points)-1]
	ev, _ := eng.Evaluation(slo.Series{Objective: "shop/availability"})
	if ev.SLI == nil {
		t.Fatal("no SLI evaluated over 120 days of counts")
	}
	if !last.Time.Equal(chartNow) || math.Abs(*last.SLI-*ev.SLI) > 1e-9 {
		t.Errorf("last point %s SLI %v; want now's, as evaluated: %v", last.Time, *last.SLI, *ev.SLI)
	}
}

// BenchmarkHistory is one chart's request from the client's side, over
// loopback: routing, the engine's History over the SQLite file, JSON and
// HTTP. Run with -benchmem: allocations are the client's and the
// server's.
func BenchmarkHistory(b *testing.B) {
	for _, customers := range []int{9, 100} {
		b.Run(fmt.Sprintf("customers=%d", customers), func(b *testing.B) {
			ts, _, _ := chartServer(b, customers)
			client := ts.Client()
			for _, c := range chartCases() {
				b.Run(c.name, func(b *testing.B) {
					url := ts.URL + "/api/v1/slos/shop/availability/history?" + c.query
					code, body := getChart(b, client, url)
					checkChart(b, c, code, body)
					b.ReportAllocs()
					for b.Loop() {
						resp, err := client.Get(url)
						if err != nil {
							b.Fatal(err)
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					b.ReportMetric(float64(len(body)), "resp-B")
					b.ReportMetric(float64(c.points), "points")
				})
			}
		})
	}
}

// BenchmarkHistoryParts splits a 90-day chart at the default step (the
// range=90d request of BenchmarkHistory) into its parts: the engine's
// History, and within it the store's scans of the minute and hour counts it
// reads, and the JSON encoding of its answer. HTTP is the rest.
func BenchmarkHistoryParts(b *testing.B) {
	_, eng, st := chartServer(b, 9)
	ctx := context.Background()
	id := slo.Series{Objective: "shop/availability"}
	from, step := chartNow.Add(-90*slo.Day), 432*time.Minute
	scan := func(r store.Resolution, from time.Time) func(b *testing.B) {
		return func(b *testing.B) {
			rows := 0
			for b.Loop() {
				rows = 0
				err := st.ScanSeries(ctx, r, id, from, chartNow.Add(time.Hour), func(slo.Observation) error { rows++; return nil })
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows), "rows")
		}
	}
	// History reads the minutes from 6 hours before the chart (all the
	// store keeps) and the hours from the SLO window before it.
	b.Run("minutes", scan(store.Fine, from.Add(-6*time.Hour)))
	b.Run("hours", scan(store.Coarse, from.Add(-30*slo.Day)))
	points, err := eng.History(ctx, id, from, chartNow, step)
	if err != nil || len(points) != 301 {
		b.Fatalf("%d points, %v; want 301", len(points), err)
	}
	b.Run("history", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := eng.History(ctx, id, from, chartNow, step); err != nil {
				b.Fatal(err)
			}
		}
	})
	answer := map[string]any{"series": id.String(), "from": from, "to": chartNow, "step": "7h12m", "points": points}
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		var size int
		for b.Loop() {
			w := httptest.NewRecorder()
			writeJSON(w, http.StatusOK, answer)
			size = w.Body.Len()
		}
		b.ReportMetric(float64(size), "resp-B")
	})
	// What the answer would be unindented, for the size alone.
	b.Run("json,compact", func(b *testing.B) {
		var size int
		for b.Loop() {
			data, err := json.Marshal(answer)
			if err != nil {
				b.Fatal(err)
			}
			size = len(data)
		}
		b.ReportMetric(float64(size), "resp-B")
	})
	// The gzip the server adds for a browser, on the indented answer.
	b.Run("gzip", func(b *testing.B) {
		w := httptest.NewRecorder()
		writeJSON(w, http.StatusOK, answer)
		body := w.Body.Bytes()
		var size int
		for b.Loop() {
			out := httptest.NewRecorder()
			gw := &gzipWriter{ResponseWriter: out}
			if _, err := gw.Write(body); err != nil {
				b.Fatal(err)
			}
			gw.close()
			size = out.Body.Len()
		}
		b.ReportMetric(float64(size), "wire-B")
	})
}
