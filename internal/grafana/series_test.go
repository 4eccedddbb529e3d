package grafana_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/grafana"
	"github.com/slo-dev/slo/internal/promgen"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/store/sqlite"
)

// Short of running Prometheus, every series a query selects must be one
// that slo rules records or slo serve exports: a renamed series or a window
// the rules do not record fails here, not on a blank panel.
func TestEverySelectorFindsASeriesTheFlavourWrites(t *testing.T) {
	for _, c := range cases {
		t.Run(c.file+" "+string(c.flavour), func(t *testing.T) {
			svcs := load(t, examples+c.file)
			d, _ := build(t, c.flavour, svcs)
			series := servedSeries(t, svcs)
			if c.flavour == grafana.Rules {
				series = recordedSeries(t, svcs)
			}
			selectorsFind(t, grafana.Queries(d), series)
		})
	}
	t.Run("custom tiers rules", func(t *testing.T) {
		svcs := parse(t, customTiers)
		d, _ := build(t, grafana.Rules, svcs)
		selectorsFind(t, grafana.Queries(d), recordedSeries(t, svcs))
	})
}

func selectorsFind(t *testing.T, queries []string, series []labels.Labels) {
	t.Helper()
	p := parser.NewParser(parser.Options{})
	for _, q := range queries {
		e, err := p.ParseExpr(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			if vs, ok := n.(*parser.VectorSelector); ok && !anyMatches(vs.LabelMatchers, series) {
				t.Errorf("%s selects no series, in %s", vs, q)
			}
			return nil
		})
	}
}

func anyMatches(ms []*labels.Matcher, series []labels.Labels) bool {
	for _, s := range series {
		all := true
		for _, m := range ms {
			all = all && m.Matches(s.Get(m.Name))
		}
		if all {
			return true
		}
	}
	return false
}

// recordedSeries are the series the rules of slo rules record.
func recordedSeries(t *testing.T, svcs []*slo.Service) []labels.Labels {
	t.Helper()
	f, _, err := promgen.Rules(svcs)
	if err != nil {
		t.Fatal(err)
	}
	var out []labels.Labels
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				b := labels.NewBuilder(labels.FromMap(r.Labels))
				out = append(out, b.Set(labels.MetricName, r.Record).Labels())
			}
		}
	}
	return out
}

// servedSeries are the series the /metrics of slo serve exports once every
// SLO has two days of traffic.
func servedSeries(t *testing.T, svcs []*slo.Service) []labels.Labels {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "slo.db"), sqlite.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	vals := make([]slo.Service, len(svcs))
	for i, s := range svcs {
		vals[i] = *s
	}
	e := engine.New(st, vals, engine.Options{Now: clock})
	if err := e.Load(ctx); err != nil {
		t.Fatal(err)
	}
	var obs []slo.Observation
	for _, key := range e.Keys() {
		for m := now.Add(-2 * slo.Day); m.Before(now); m = m.Add(10 * time.Minute) {
			obs = append(obs, slo.Observation{Series: slo.Series{Objective: key}, Time: m, Good: 99, Valid: 100})
		}
	}
	if _, _, err := e.Append(ctx, store.Batch{Received: now, Observations: obs}); err != nil {
		t.Fatal(err)
	}
	e.Evaluate()
	reg := prometheus.NewRegistry()
	reg.MustRegister(api.NewCollector(e))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []labels.Labels
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			b := labels.NewBuilder(labels.EmptyLabels()).Set(labels.MetricName, mf.GetName())
			for _, l := range m.GetLabel() {
				b.Set(l.GetName(), l.GetValue())
			}
			out = append(out, b.Labels())
		}
	}
	return out
}
