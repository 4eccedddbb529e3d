package prometheus

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/source/prometheus/promtest"
)

func TestQueriesKeepTheCustomerLabelThroughEveryAggregationAndMatch(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`sum(increase(x[5m]))`, `sum by (tenant) (increase(x[5m]))`},
		{`increase(x[5m])`, `sum by (tenant) (increase(x[5m]))`},
		{`sum by (code) (increase(x[5m]))`, `sum by (tenant) (sum by (code, tenant) (increase(x[5m])))`},
		{`sum without (tenant, instance) (increase(x[5m]))`, `sum by (tenant) (sum without (instance) (increase(x[5m])))`},
		{`sum(increase(bad[5m])) or sum(increase(total[5m])) * 0`,
			`sum by (tenant) (sum by (tenant) (increase(bad[5m])) or sum by (tenant) (increase(total[5m])) * 0)`},
		{`sum(a) / on (job) sum by (job) (b)`, `sum by (tenant) (sum by (tenant) (a) / on (job, tenant) sum by (job, tenant) (b))`},
		{`a - ignoring (tenant, le) b`, `sum by (tenant) (a - ignoring (le) b)`},
	} {
		in, err := promql.ParseExpr(c.in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := byLabel(in, "tenant")
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != c.want {
			t.Errorf("%s\n got  %s\n want %s", c.in, got, c.want)
		}
		if in.String() != c.in {
			t.Errorf("the query given was changed: %s", in)
		}
	}
}

// tenants is a Prometheus with n customers' series plus one without the
// label, each with 10 valid events a minute of which customer i's 5xx
// are i%3; it records each range query's span.
type tenants struct {
	n     int
	mu    sync.Mutex
	spans []time.Duration
}

func (f *tenants) Query(context.Context, string, time.Time) (Vector, error) { return nil, nil }

func (f *tenants) QueryRange(_ context.Context, expr string, start, end time.Time, step time.Duration) (Matrix, error) {
	f.mu.Lock()
	f.spans = append(f.spans, end.Sub(start)+step)
	f.mu.Unlock()
	bad := strings.Contains(expr, `code=~"5.."`)
	var m Matrix
	for i := -1; i < f.n; i++ {
		v := 10.0 * promsli.Overlap
		if bad {
			v = float64(max(i, 0)%3) * promsli.Overlap
		}
		s := Series{Metric: map[string]string{}}
		if i >= 0 {
			s.Metric["tenant"] = fmt.Sprintf("c%04d", i)
		}
		for at := start; !at.After(end); at = at.Add(step) {
			s.Points = append(s.Points, Point{at, v})
		}
		m = append(m, s)
	}
	return m, nil
}

// perSeries sums the kept observations' valid and good events per series.
func perSeries(f *fixture) map[slo.Series][2]float64 {
	out := map[slo.Series][2]float64{}
	for _, b := range f.sink.Batches() {
		for _, o := range b.Observations {
			s := out[o.Series]
			out[o.Series] = [2]float64{s[0] + o.Valid, s[1] + o.Good}
		}
	}
	return out
}

func TestEachCustomerGetsItsSeriesAndTheTotalSumsThemAll(t *testing.T) {
	f := newFixture(t)
	ps := *availability
	ps.CustomerLabel = "tenant"
	q := &tenants{n: 3}
	s := New(q, services(&ps), f.sink, Options{Now: f.clock.Now, Logger: f.logs.logger(), Last: f.sink.last, MaxBackfill: 2 * time.Hour})
	drain(t, s)
	got := perSeries(f)
	// 120 minutes of 10 events: customer c0 has no errors, c1 one a
	// minute, c2 two; the series without the label counts in the total.
	want := map[slo.Series][2]float64{
		{Objective: key}:                    {4 * 1200, 4*1200 - 3*120},
		{Objective: key, Customer: "c0000"}: {1200, 1200},
		{Objective: key, Customer: "c0001"}: {1200, 1080},
		{Objective: key, Customer: "c0002"}: {1200, 960},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("valid and good per series\n got  %v\n want %v", got, want)
	}
	// The first read is an hour, until the source knows the customers.
	if len(q.spans) < 2 || q.spans[0] != time.Hour {
		t.Errorf("read spans %v, want an hour first", q.spans)
	}
}

func TestReadsShrinkToBoundThePointsOfManyCustomers(t *testing.T) {
	f := newFixture(t)
	ps := *availability
	ps.CustomerLabel = "tenant"
	q := &tenants{n: 1000}
	s := New(q, services(&ps), f.sink, Options{Now: f.clock.Now, Logger: f.logs.logger(), Last: f.sink.last, MaxBackfill: slo.Day})
	drain(t, s)
	// 1001 series: 6 hours is 360,360 points, 12 would be 720,720. Reads
	// end on multiples of their span: after the first hour, the rest of
	// the first 6 hours, then whole ones. Each read is two queries.
	var got []string
	for _, d := range q.spans {
		got = append(got, slo.FormatDuration(d))
	}
	if want := "1h 1h 5h 5h 6h 6h 6h 6h 6h 6h"; strings.Join(got, " ") != want {
		t.Errorf("spans %v, want %s", got, want)
	}
	total := perSeries(f)[slo.Series{Objective: key}]
	if total[0] != 1001*10*24*60 {
		t.Errorf("%v valid events in a day, want every minute of 1001 series", total[0])
	}
}

// tenantCounters writes, as OpenMetrics, counters of job api scraped every
// 10s over [from, to]: acme serves 60 requests a minute of which 6 fail,
// globex 120 of which none, and requests without a tenant 30.
func tenantCounters(from, to time.Time) string {
	var b strings.Builder
	b.WriteString("# TYPE http_requests counter\n")
	for _, c := range []struct {
		labels string
		per    int
	}{
		{`code="200",job="api",tenant="acme"`, 9}, {`code="500",job="api",tenant="acme"`, 1},
		{`code="200",job="api",tenant="globex"`, 20}, {`code="200",job="api"`, 5},
	} {
		n := 0
		for t := from; !t.After(to); t = t.Add(10 * time.Second) {
			fmt.Fprintf(&b, "http_requests_total{%s} %d %d\n", c.labels, n, t.Unix())
			n += c.per
		}
	}
	b.WriteString("# EOF\n")
	return b.String()
}

// Against a real Prometheus: the per-customer queries give each tenant's
// events, and the total is what the queries as written give.
func TestRealPrometheusPerCustomer(t *testing.T) {
	start := D.Add(-2 * time.Hour)
	dir := t.TempDir()
	promtest.WriteOpenMetrics(t, dir, tenantCounters(start, D.Add(time.Hour)))
	srv := promtest.Start(t, promtest.Options{DataDir: dir})

	f := newFixture(t)
	ps := *availability
	ps.CustomerLabel = "tenant"
	s := New(live{srv}, services(&ps), f.sink, Options{Now: f.clock.Now, Logger: f.logs.logger(),
		Last: f.sink.last, MaxBackfill: 2 * time.Hour})
	drain(t, s)
	if h := s.Health()[key]; !h.Up || !h.LastRead.Equal(D) {
		t.Fatalf("health %+v, want up, read to %s", h, D)
	}
	want := map[string][2]float64{"": {210, 204}, "acme": {60, 54}, "globex": {120, 120}}
	n := map[string]int{}
	for _, b := range f.sink.Batches() {
		for _, o := range b.Observations {
			// The first five minutes' counts see the data's start.
			if o.Time.Before(start.Add(5 * time.Minute)) {
				continue
			}
			w, ok := want[o.Series.Customer]
			if o.Series.Objective != key || !ok {
				t.Fatalf("an observation of %s", o.Series)
			}
			if math.Abs(o.Valid-w[0]) > 1e-9 || math.Abs(o.Good-w[1]) > 1e-9 {
				t.Fatalf("%s minute %s: good %v of %v, want %v of %v", o.Series, o.Time, o.Good, o.Valid, w[1], w[0])
			}
			n[o.Series.Customer]++
		}
	}
	for c := range want {
		if n[c] != 115 {
			t.Errorf("%q: %d minutes, want 115", c, n[c])
		}
	}
	// The total is the objective's queries as written, at no extra query.
	q, err := promsli.For(availability, promsli.Step)
	if err != nil {
		t.Fatal(err)
	}
	at := D.Add(-time.Hour + promsli.Phase)
	if v := srv.Query(t, q.Valid.String(), at); len(v) != 1 || math.Abs(v[0].Value/promsli.Overlap-210) > 1e-9 {
		t.Errorf("the query as written gives %v, want 210 a minute", v)
	}
}
