package promtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Sample is one element of an instant vector, or a scalar (no labels).
type Sample struct {
	Labels map[string]string // with __name__ where the result keeps it
	Value  float64
	Time   time.Time
}

// Series is one series of a range result.
type Series struct {
	Labels map[string]string
	Points []Point
}

// Point is a value at a time.
type Point struct {
	Time  time.Time
	Value float64
}

// Stats is what ?stats=all reports about a query. Prometheus 2.42 gives
// the sample counts below and six timings (evalTotalTime, resultSortTime,
// queryPreparationTime, innerEvalTime, execQueueTime, execTotalTime).
type Stats struct {
	// TotalQueryableSamples counts the samples the query read from
	// storage: for rate(x[5m]) over 15s data, 21 per series (both ends of
	// the range count in 2.42).
	TotalQueryableSamples int64
	// PeakSamples is the most samples held in memory at once.
	PeakSamples int64
	// PerStep is TotalQueryableSamples by step; Prometheus fills it only
	// with --enable-feature=promql-per-step-stats (see Options.Args).
	PerStep []Point
	// Timings are in seconds, by Prometheus's names.
	Timings map[string]float64
}

// Query evaluates expr at time at (GET /api/v1/query), and fails the test
// on an API error. A scalar result is one Sample without labels.
func (s *Server) Query(t testing.TB, expr string, at time.Time) []Sample {
	t.Helper()
	samples, _, err := s.query(expr, at, false)
	if err != nil {
		t.Fatal(err)
	}
	return samples
}

// QueryStats evaluates expr at time at with stats=all and returns what
// Prometheus reports about the evaluation.
func (s *Server) QueryStats(t testing.TB, expr string, at time.Time) Stats {
	t.Helper()
	_, stats, err := s.query(expr, at, true)
	if err != nil {
		t.Fatal(err)
	}
	return stats
}

// QueryRange evaluates expr from start to end every step (GET
// /api/v1/query_range), and fails the test on an API error.
func (s *Server) QueryRange(t testing.TB, expr string, start, end time.Time, step time.Duration) []Series {
	t.Helper()
	data, err := s.call("/api/v1/query_range", url.Values{
		"query": {expr}, "start": {apiTime(start)}, "end": {apiTime(end)},
		"step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	})
	if err != nil {
		t.Fatal(err)
	}
	series, err := data.matrix()
	if err != nil {
		t.Fatalf("promtest: query_range %s: %v", expr, err)
	}
	return series
}

// Raw returns the stored samples of the series that selector selects,
// from start to end (both included, as range selectors are in 2.42):
// the exact timestamps that data or a backfill wrote.
func (s *Server) Raw(t testing.TB, selector string, start, end time.Time) []Series {
	t.Helper()
	expr := fmt.Sprintf("%s[%dms]", selector, end.Sub(start).Milliseconds())
	data, err := s.call("/api/v1/query", url.Values{"query": {expr}, "time": {apiTime(end)}})
	if err != nil {
		t.Fatal(err)
	}
	series, err := data.matrix()
	if err != nil {
		t.Fatalf("promtest: query %s: %v", expr, err)
	}
	return series
}

// WaitQuery evaluates expr now, again and again, until ok accepts the
// result, and fails the test with the last one if it does not within
// timeout.
func (s *Server) WaitQuery(t testing.TB, expr string, timeout time.Duration, ok func([]Sample) bool) []Sample {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		last, _, err := s.query(expr, time.Now(), false)
		if err == nil && ok(last) {
			return last
		}
		select {
		case <-ctx.Done():
			t.Fatalf("promtest: %s not as expected after %s (last error %v): %v", expr, timeout, err, last)
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) query(expr string, at time.Time, stats bool) ([]Sample, Stats, error) {
	params := url.Values{"query": {expr}, "time": {apiTime(at)}}
	if stats {
		params.Set("stats", "all")
	}
	data, err := s.call("/api/v1/query", params)
	if err != nil {
		return nil, Stats{}, err
	}
	samples, err := data.vector()
	if err != nil {
		return nil, Stats{}, fmt.Errorf("promtest: query %s: %w", expr, err)
	}
	if !stats {
		return samples, Stats{}, nil
	}
	if data.Stats == nil {
		return nil, Stats{}, fmt.Errorf("promtest: query %s: no stats in the answer", expr)
	}
	return samples, data.Stats.stats(), nil
}

// call POSTs a form to the API, which takes long expressions better than
// a URL does, and returns the data of a successful answer.
func (s *Server) call(path string, params url.Values) (*apiData, error) {
	resp, err := s.client.PostForm(s.URL()+path, params)
	if err != nil {
		return nil, fmt.Errorf("promtest: POST %s: %w", path, err)
	}
	body, err := readAll(resp)
	if err != nil {
		return nil, fmt.Errorf("promtest: POST %s: %w", path, err)
	}
	var r struct {
		Status    string   `json:"status"`
		ErrorType string   `json:"errorType"`
		Error     string   `json:"error"`
		Warnings  []string `json:"warnings"`
		Data      apiData  `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("promtest: POST %s %q: %s: %w: %s", path, params.Get("query"), resp.Status, err, body)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("promtest: POST %s %q: %s: %s: %s", path, params.Get("query"), resp.Status, r.ErrorType, r.Error)
	}
	return &r.Data, nil
}

func readAll(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// apiTime writes t as the API reads it: Unix seconds, to the millisecond.
func apiTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
}

// fromAPITime reads Unix seconds into a UTC time, to the millisecond.
func fromAPITime(sec float64) time.Time {
	return time.UnixMilli(int64(math.Round(sec * 1000))).UTC()
}

// apiData is the data of an answer of /api/v1/query and query_range.
type apiData struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
	Stats      *apiStats       `json:"stats"`
}

// apiPoint is [<unix seconds>, "<value>"].
type apiPoint [2]any

func (p apiPoint) point() (Point, error) {
	ts, ok1 := p[0].(float64)
	v, ok2 := p[1].(string)
	if !ok1 || !ok2 {
		return Point{}, fmt.Errorf("a point is %v, want [seconds, \"value\"]", [2]any(p))
	}
	// ParseFloat reads Prometheus's NaN, +Inf and -Inf too.
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return Point{}, fmt.Errorf("value %q: %w", v, err)
	}
	return Point{Time: fromAPITime(ts), Value: f}, nil
}

func (d *apiData) vector() ([]Sample, error) {
	switch d.ResultType {
	case "scalar":
		var p apiPoint
		if err := json.Unmarshal(d.Result, &p); err != nil {
			return nil, fmt.Errorf("scalar: %w", err)
		}
		pt, err := p.point()
		if err != nil {
			return nil, err
		}
		return []Sample{{Value: pt.Value, Time: pt.Time}}, nil
	case "vector":
		var v []struct {
			Metric map[string]string `json:"metric"`
			Value  apiPoint          `json:"value"`
		}
		if err := json.Unmarshal(d.Result, &v); err != nil {
			return nil, fmt.Errorf("vector: %w", err)
		}
		samples := make([]Sample, len(v))
		for i, e := range v {
			pt, err := e.Value.point()
			if err != nil {
				return nil, err
			}
			samples[i] = Sample{Labels: e.Metric, Value: pt.Value, Time: pt.Time}
		}
		return samples, nil
	default:
		return nil, fmt.Errorf("the result is a %s, want a vector or a scalar (for a range selector, use Raw)", d.ResultType)
	}
}

func (d *apiData) matrix() ([]Series, error) {
	if d.ResultType != "matrix" {
		return nil, fmt.Errorf("the result is a %s, want a matrix", d.ResultType)
	}
	var m []struct {
		Metric map[string]string `json:"metric"`
		Values []apiPoint        `json:"values"`
	}
	if err := json.Unmarshal(d.Result, &m); err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	series := make([]Series, len(m))
	for i, e := range m {
		series[i] = Series{Labels: e.Metric, Points: make([]Point, len(e.Values))}
		for j, v := range e.Values {
			pt, err := v.point()
			if err != nil {
				return nil, err
			}
			series[i].Points[j] = pt
		}
	}
	return series, nil
}

// apiStats is data.stats as 2.42 writes it.
type apiStats struct {
	Timings map[string]float64 `json:"timings"`
	Samples struct {
		TotalQueryableSamples int64 `json:"totalQueryableSamples"`
		PeakSamples           int64 `json:"peakSamples"`
		// Pairs of [<unix seconds>, <count>], the count a number.
		PerStep [][2]float64 `json:"totalQueryableSamplesPerStep"`
	} `json:"samples"`
}

func (a *apiStats) stats() Stats {
	st := Stats{
		TotalQueryableSamples: a.Samples.TotalQueryableSamples,
		PeakSamples:           a.Samples.PeakSamples,
		Timings:               a.Timings,
	}
	for _, p := range a.Samples.PerStep {
		st.PerStep = append(st.PerStep, Point{Time: fromAPITime(p[0]), Value: p[1]})
	}
	return st
}

// String writes s as PromQL writes a sample, for messages.
func (s Sample) String() string {
	return fmt.Sprintf("%s %g @%s", labelString(s.Labels), s.Value, s.Time.Format(time.RFC3339Nano))
}

func labelString(l map[string]string) string {
	var b strings.Builder
	b.WriteString(l["__name__"])
	b.WriteByte('{')
	first := true
	for _, k := range slices.Sorted(maps.Keys(l)) {
		if k == "__name__" {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		fmt.Fprintf(&b, "%s=%q", k, l[k])
	}
	b.WriteByte('}')
	return b.String()
}
