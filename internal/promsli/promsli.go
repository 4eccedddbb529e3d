// Package promsli turns an SLI read from Prometheus into PromQL that counts
// its valid and bad events over a range. The rule generator and the
// Prometheus source of slo serve both use it, so that the rules Prometheus
// evaluates and the counts slo serve reads are the same queries.
package promsli

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
)

// Step is the range every count is taken over. Prometheus advises a rate's
// range of at least four scrape intervals; five minutes holds four samples
// at the common one-minute scrape, and is the shortest alert window.
const Step = 5 * time.Minute

// Every is how often a count over Step is taken, by a rule or by slo serve.
// Counts taken every minute over five minutes overlap: each event is counted
// Step/Every times, so a sum of such counts is divided by Overlap.
const Every = time.Minute

// Phase is where in each minute slo serve takes its counts: the count at
// m+30s gives minute m its share. Between the minute marks, a count covers
// the same samples of a series scraped on the minute whether Prometheus
// includes a sample exactly at a range's start (version 2) or not (3), and
// whatever second of the minute the rules are evaluated at.
const Phase = 30 * time.Second

// Overlap is how many of the counts taken each Every cover one event.
const Overlap = float64(Step / Every)

// Queries are an SLI's valid and bad events over one range.
type Queries struct {
	Valid parser.Expr
	Bad   parser.Expr
}

var promql = parser.NewParser(parser.Options{})

// For returns the PromQL that counts s's valid and bad events over rng.
// Good-and-total and bad-and-total queries have their {{.window}} filled
// with rng and every rate() turned into increase(), so that they count
// events instead of events per second. Bad events where the bad (or good)
// query gives nothing but the total does are 0 (or all), so that a service
// with no errors yet, whose error series do not exist, still has an SLI.
func For(s *slo.PromSLI, rng time.Duration) (Queries, error) {
	if s.Histogram != nil {
		return histogram(s.Histogram, rng)
	}
	total, err := count("total", s.Total, rng)
	if err != nil {
		return Queries{}, err
	}
	if s.Bad != "" {
		bad, err := count("bad", s.Bad, rng)
		if err != nil {
			return Queries{}, err
		}
		// bad or total * 0
		return Queries{Valid: total, Bad: or(bad, times0(total))}, nil
	}
	good, err := count("good", s.Good, rng)
	if err != nil {
		return Queries{}, err
	}
	// total - (good or total * 0)
	return Queries{Valid: total, Bad: Binary(parser.SUB, total, or(good, times0(total)))}, nil
}

// count parses one of an SLI's queries with its range filled in and its
// rates made increases.
func count(field, q string, rng time.Duration) (parser.Expr, error) {
	expr, err := promql.ParseExpr(spec.FillWindow(q, Range(rng)))
	if err != nil {
		return nil, fmt.Errorf("%s query: %w", field, err)
	}
	var bad error
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		call, ok := n.(*parser.Call)
		if !ok {
			return nil
		}
		switch call.Func.Name {
		case "rate":
			call.Func = parser.MustGetFunction("increase")
		case "irate":
			bad = fmt.Errorf("%s query: irate() gives the rate between the last two samples, which cannot count the events of a range; use rate() or increase()", field)
		}
		return nil
	})
	if bad != nil {
		return nil, bad
	}
	return expr, nil
}

// histogram counts the observations of a Prometheus histogram: all of them
// are valid, those above the threshold's bucket bad.
func histogram(h *slo.Histogram, rng time.Duration) (Queries, error) {
	sel := "{" + h.Selector + "}"
	ms, err := promql.ParseMetricSelector(sel)
	if err != nil {
		return Queries{}, fmt.Errorf("histogram selector: %w", err)
	}
	le, err := labels.NewMatcher(labels.MatchRegexp, "le", leValues(h.Threshold))
	if err != nil {
		return Queries{}, err
	}
	sum := func(metric string, extra ...*labels.Matcher) parser.Expr {
		name := labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, metric)
		matchers := append(append([]*labels.Matcher{name}, ms...), extra...)
		vs := &parser.VectorSelector{Name: metric, LabelMatchers: matchers}
		inc := &parser.Call{Func: parser.MustGetFunction("increase"), Args: parser.Expressions{&parser.MatrixSelector{VectorSelector: vs, Range: rng}}}
		return &parser.AggregateExpr{Op: parser.SUM, Expr: inc}
	}
	valid := sum(h.Metric + "_count")
	return Queries{Valid: valid, Bad: Binary(parser.SUB, valid, sum(h.Metric+"_bucket", le))}, nil
}

// leValues is a regular expression matching a bucket bound however it is
// written: client libraries write 1 as "1" or "1.0", and Prometheus 3
// rewrites both as "1.0".
func leValues(threshold float64) string {
	s := strconv.FormatFloat(threshold, 'g', -1, 64)
	if threshold == float64(int64(threshold)) && threshold < 1e15 {
		return regexp.QuoteMeta(s) + "|" + regexp.QuoteMeta(s+".0")
	}
	return regexp.QuoteMeta(s)
}

// Range writes d as a PromQL range: 5m, 1h, 29d23h59m59s.
func Range(d time.Duration) string { return slo.FormatDuration(d) }

func or(a, b parser.Expr) parser.Expr { return Binary(parser.LOR, a, b) }

// times0 is e * 0: the same series as e, with value 0.
func times0(e parser.Expr) parser.Expr {
	return Binary(parser.MUL, e, &parser.NumberLiteral{Val: 0})
}

// Binary joins a and b with op, in parentheses where PromQL's precedence
// needs them; between two vectors it matches series by all their labels.
func Binary(op parser.ItemType, a, b parser.Expr) parser.Expr {
	var vm *parser.VectorMatching
	if a.Type() == parser.ValueTypeVector && b.Type() == parser.ValueTypeVector {
		card := parser.CardOneToOne
		if op == parser.LOR || op == parser.LAND || op == parser.LUNLESS {
			card = parser.CardManyToMany
		}
		vm = &parser.VectorMatching{Card: card}
	}
	return &parser.BinaryExpr{Op: op, LHS: operand(op, a, false), RHS: operand(op, b, true), VectorMatching: vm}
}

// operand puts e in parentheses when, as an operand of op, it would
// otherwise bind wrongly: a binary expression of lower precedence, or of
// the same on the right (PromQL's operators are left-associative but ^).
func operand(op parser.ItemType, e parser.Expr, right bool) parser.Expr {
	be, ok := e.(*parser.BinaryExpr)
	if !ok {
		return e
	}
	p, q := precedence(be.Op), precedence(op)
	if p < q || (p == q && right != (op == parser.POW)) {
		return &parser.ParenExpr{Expr: e}
	}
	return e
}

// precedence is PromQL's binding strength of a binary operator.
func precedence(op parser.ItemType) int {
	switch {
	case op == parser.LOR:
		return 1
	case op == parser.LAND || op == parser.LUNLESS:
		return 2
	case op.IsComparisonOperator():
		return 3
	case op == parser.ADD || op == parser.SUB:
		return 4
	case op == parser.POW:
		return 6
	default: // * / % atan2
		return 5
	}
}
