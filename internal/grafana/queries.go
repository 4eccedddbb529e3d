package grafana

import (
	"regexp"

	"github.com/prometheus/prometheus/promql/parser"
)

var promql = parser.NewParser(parser.Options{})

// Sample holds plausible values of the Grafana variables a dashboard's
// queries may hold, as Grafana would substitute them: every service and SLO
// (.+, which is what All selects among them), a one-minute step and an
// hour's range.
var Sample = map[string]string{
	"datasource":      "prometheus",
	"service":         ".+",
	"slo":             ".+",
	"__interval":      "1m",
	"__interval_ms":   "60000",
	"__rate_interval": "4m",
	"__range":         "1h",
	"__range_s":       "3600",
	"__range_ms":      "3600000",
}

// variable matches Grafana's three ways of writing a variable: $name,
// ${name} or ${name:format}, and [[name]].
var variable = regexp.MustCompile(`\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]`)

// Substitute replaces the Grafana variables of expr that vars has values
// for; others stay as they are, so a query that needs one fails to parse.
func Substitute(expr string, vars map[string]string) string {
	return variable.ReplaceAllStringFunc(expr, func(m string) string {
		sub := variable.FindStringSubmatch(m)
		for _, name := range sub[1:] {
			if v, ok := vars[name]; ok && name != "" {
				return v
			}
		}
		return m
	})
}

// labelValuesQuery splits a label_values(selector, label) variable query.
var labelValuesQuery = regexp.MustCompile(`^label_values\((.*), *(\w+)\)$`)

// Queries returns every PromQL expression of d with the Sample values in
// place of Grafana's variables, in panel order: each target's expression,
// then the series selector of each variable's label_values query. Each one
// run against a Prometheus holding the series returns data.
func Queries(d *Dashboard) []string {
	var out []string
	var walk func([]Panel)
	walk = func(ps []Panel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				out = append(out, Substitute(t.Expr, Sample))
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if m := labelValuesQuery.FindStringSubmatch(v.Query); v.Type == "query" && m != nil {
			out = append(out, Substitute(m[1], Sample))
		}
	}
	return out
}
