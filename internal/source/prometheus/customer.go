package prometheus

import (
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/slo"
)

// An SLI with a customer_label is read per customer: its queries are
// rewritten to keep the label through every aggregation and vector match,
// and summed by it, so that one range query gives each customer's series.
// The objective's total is the sum of them all, those without the label
// included, so it is what the queries as written give, at no extra query.

var promql = parser.NewParser(parser.Options{})

// byLabel rewrites expr so that its result keeps label: every aggregation
// also groups by it (or no longer drops it), every on() matching also
// matches on it (every ignoring() no longer ignores it), and the whole is
// summed by it. expr is not changed.
func byLabel(expr parser.Expr, label string) (parser.Expr, error) {
	// A copy through the text: the AST has no deep copy, and the caller's
	// queries stay as they are.
	e, err := promql.ParseExpr(expr.String())
	if err != nil {
		return nil, fmt.Errorf("customer_label %s: %w", label, err)
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.AggregateExpr:
			n.Grouping = keep(n.Grouping, label, !n.Without)
		case *parser.BinaryExpr:
			if vm := n.VectorMatching; vm != nil && (vm.On || len(vm.MatchingLabels) > 0) {
				vm.MatchingLabels = keep(vm.MatchingLabels, label, vm.On)
			}
		}
		return nil
	})
	if top, ok := e.(*parser.AggregateExpr); ok && top.Op == parser.SUM && !top.Without && slices.Equal(top.Grouping, []string{label}) {
		return e, nil // sum by (label) already
	}
	return &parser.AggregateExpr{Op: parser.SUM, Expr: e, Grouping: []string{label}}, nil
}

// keep returns labels with label in it when in is set, else without it.
func keep(labels []string, label string, in bool) []string {
	i := slices.Index(labels, label)
	switch {
	case in && i < 0:
		return append(slices.Clone(labels), label)
	case !in && i >= 0:
		return slices.Delete(slices.Clone(labels), i, i+1)
	}
	return labels
}

// perCustomer rewrites an objective's queries to be read per customer.
func perCustomer(q promsli.Queries, label string) (valid, bad string, err error) {
	v, err := byLabel(q.Valid, label)
	if err != nil {
		return "", "", err
	}
	b, err := byLabel(q.Bad, label)
	if err != nil {
		return "", "", err
	}
	return v.String(), b.String(), nil
}

// observeCustomers turns the per-customer counts of the minutes ending from
// ... to into observations of each customer's series, as observe does for
// the total. Minutes without valid events are left out: for one customer
// among thousands that is most minutes, and no row counts the same as a
// zero. Series without the label belong to the total only.
func observeCustomers(o *objective, from, to time.Time, valid, bad Matrix) []slo.Observation {
	n := int(to.Sub(from)/promsli.Every) + 1
	byCustomer := func(m Matrix) map[string]Matrix {
		out := map[string]Matrix{}
		for _, s := range m {
			if c := s.Metric[o.label]; c != "" {
				out[c] = append(out[c], s)
			}
		}
		return out
	}
	vs, bs := byCustomer(valid), byCustomer(bad)
	names := make([]string, 0, len(vs))
	for c := range vs {
		names = append(names, c)
	}
	slices.Sort(names)
	var out []slo.Observation
	for _, c := range names {
		id := slo.Series{Objective: o.key, Customer: c}
		obs, _ := minutes(o, id, from, n, sumAt(vs[c], from.Add(-shift), n), sumAt(bs[c], from.Add(-shift), n))
		for _, ob := range obs {
			if ob.Valid > 0 {
				out = append(out, ob)
			}
		}
	}
	return out
}

// maxPoints bounds the points of one range query of a per-customer
// objective, about 50 MB of JSON: a day of minutes of 10,000 customers
// would be 14.4M. The span of its reads shrinks to keep within it.
const maxPoints = 500_000

// readSpans are the read spans a per-customer objective may use, longest
// first: each divides the next longer and an hour divides by each, so that
// reads still end on the hour.
var readSpans = []time.Duration{24 * time.Hour, 12 * time.Hour, 6 * time.Hour, 3 * time.Hour, time.Hour,
	30 * time.Minute, 15 * time.Minute, 5 * time.Minute, time.Minute}

// span is the length of o's next read: chunk, or for a per-customer
// objective the longest span within chunk whose points, at the number of
// series the last read returned, stay within maxPoints. Its first read is
// an hour at most, until it knows how many customers there are.
func (o *objective) span(chunk time.Duration) time.Duration {
	if o.label == "" {
		return chunk
	}
	series := max(o.series, 1)
	for _, d := range readSpans {
		if d > chunk || chunk%d != 0 || (o.series == 0 && d > time.Hour) {
			continue
		}
		if series*int(d/promsli.Every) <= maxPoints {
			return d
		}
	}
	return promsli.Every
}
