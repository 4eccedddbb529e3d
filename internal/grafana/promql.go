package grafana

import (
	"regexp"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Expressions are built as parser nodes and printed, never glued from
// strings: a service or SLO name with a quote in it cannot break a query,
// and what is printed is what the parser reads back.

// perSLO is the matching of one SLO's series to another's: every series
// slo writes carries service and slo.
var perSLO = []string{"service", "slo"}

// selector selects metric for the SLOs the dashboard's variables pick, with
// extra matchers (window="1h").
func selector(metric string, extra ...*labels.Matcher) *parser.VectorSelector {
	ms := []*labels.Matcher{
		labels.MustNewMatcher(labels.MatchRegexp, "service", "$service"),
		labels.MustNewMatcher(labels.MatchRegexp, "slo", "$slo"),
	}
	ms = append(ms, extra...)
	ms = append(ms, labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, metric))
	return &parser.VectorSelector{Name: metric, LabelMatchers: ms}
}

// equal is a label = value matcher; the printer quotes the value.
func equal(name, value string) *labels.Matcher {
	return labels.MustNewMatcher(labels.MatchEqual, name, value)
}

// oneOf matches any of values exactly: a regexp alternation of the quoted
// values, sorted.
func oneOf(name string, values []string) *labels.Matcher {
	vs := make([]string, len(values))
	for i, v := range values {
		vs[i] = regexp.QuoteMeta(v)
	}
	sort.Strings(vs)
	return labels.MustNewMatcher(labels.MatchRegexp, name, strings.Join(vs, "|"))
}

// perSLOFigure applies op to lhs and a figure of the SLO, such as its error
// budget, matched on service and slo. group_left keeps lhs's other labels
// (window) and tolerates labels the two sides do not share.
func perSLOFigure(op parser.ItemType, lhs, rhs parser.Expr) parser.Expr {
	return &parser.BinaryExpr{Op: op, LHS: lhs, RHS: rhs, VectorMatching: &parser.VectorMatching{
		Card: parser.CardManyToOne, On: true, MatchingLabels: perSLO,
	}}
}

// set joins two vectors with and/or, matched on service and slo.
func set(op parser.ItemType, lhs, rhs parser.Expr) parser.Expr {
	return &parser.BinaryExpr{Op: op, LHS: lhs, RHS: rhs, VectorMatching: &parser.VectorMatching{
		Card: parser.CardManyToMany, On: true, MatchingLabels: perSLO,
	}}
}

func paren(e parser.Expr) parser.Expr { return &parser.ParenExpr{Expr: e} }
