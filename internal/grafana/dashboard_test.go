package grafana_test

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/grafana"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
)

const examples = "../../examples/"

// cases are the specs and flavours every property below is checked on:
// a prometheus SLI, events SLIs (serve only) and a mix (rules leaves the
// accesslog SLI out).
var cases = []struct {
	file    string
	flavour grafana.Flavour
}{
	{"sloth-availability.yaml", grafana.Rules},
	{"sloth-availability.yaml", grafana.Serve},
	{"notification-platform.yaml", grafana.Serve},
	{"checkout.yaml", grafana.Rules},
	{"checkout.yaml", grafana.Serve},
}

func load(t *testing.T, files ...string) []*slo.Service {
	t.Helper()
	svcs, problems := spec.Load(files...)
	if bad := problems.Invalid(); len(bad) > 0 {
		t.Fatalf("spec: %v", bad)
	}
	return svcs
}

// parse reads a spec written in the test.
func parse(t *testing.T, text string) []*slo.Service {
	t.Helper()
	svcs, problems := spec.Parse("test.yaml", []byte(text))
	if bad := problems.Invalid(); len(bad) > 0 {
		t.Fatalf("spec: %v", bad)
	}
	return svcs
}

func build(t *testing.T, f grafana.Flavour, svcs []*slo.Service) (*grafana.Dashboard, []string) {
	t.Helper()
	d, warnings, err := grafana.Build(svcs, grafana.Config{Flavour: f})
	if err != nil {
		t.Fatalf("build %s: %v", f, err)
	}
	return d, warnings
}

// panel finds the panel whose title starts with title.
func panel(t *testing.T, d *grafana.Dashboard, title string) grafana.Panel {
	t.Helper()
	for _, p := range d.Panels {
		if strings.HasPrefix(p.Title, title) {
			return p
		}
	}
	t.Fatalf("no panel %q", title)
	return grafana.Panel{}
}

func TestEveryQueryParsesOnceTheVariablesAreSubstituted(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	for _, c := range cases {
		t.Run(c.file+" "+string(c.flavour), func(t *testing.T) {
			d, _ := build(t, c.flavour, load(t, examples+c.file))
			qs := grafana.Queries(d)
			if len(qs) < 12 {
				t.Fatalf("only %d queries: %q", len(qs), qs)
			}
			for _, q := range qs {
				if strings.Contains(q, "$") {
					t.Errorf("a variable is left in %s", q)
				}
				if _, err := p.ParseExpr(q); err != nil {
					t.Errorf("%s: %v", q, err)
				}
			}
		})
	}
}

func TestEveryPanelAndTargetReadsTheDatasourceVariable(t *testing.T) {
	want := grafana.Datasource{Type: "prometheus", UID: "${datasource}"}
	for _, c := range cases {
		t.Run(c.file+" "+string(c.flavour), func(t *testing.T) {
			d, _ := build(t, c.flavour, load(t, examples+c.file))
			v := d.Templating.List[0]
			if v.Name != "datasource" || v.Type != "datasource" || v.Query != "prometheus" {
				t.Errorf("first variable = %+v, want the prometheus data source picker", v)
			}
			for _, v := range d.Templating.List[1:] {
				if v.Type != "query" || v.Datasource == nil || *v.Datasource != want || !v.Multi || !v.IncludeAll {
					t.Errorf("variable %s = %+v, want a multi query on ${datasource}", v.Name, v)
				}
			}
			for _, p := range d.Panels {
				if p.Type == "row" {
					continue
				}
				if p.Datasource == nil || *p.Datasource != want {
					t.Errorf("panel %q: datasource %v", p.Title, p.Datasource)
				}
				if len(p.Targets) == 0 {
					t.Errorf("panel %q has no query", p.Title)
				}
				for _, tg := range p.Targets {
					if tg.Datasource == nil || *tg.Datasource != want {
						t.Errorf("panel %q target %s: datasource %v", p.Title, tg.RefID, tg.Datasource)
					}
					if !strings.Contains(tg.Expr, `service=~"$service"`) || !strings.Contains(tg.Expr, `slo=~"$slo"`) {
						t.Errorf("panel %q target %s does not follow $service and $slo: %s", p.Title, tg.RefID, tg.Expr)
					}
				}
			}
		})
	}
}

func TestTheSeedsPanelsAreThere(t *testing.T) {
	for _, f := range []grafana.Flavour{grafana.Rules, grafana.Serve} {
		t.Run(string(f), func(t *testing.T) {
			d, _ := build(t, f, load(t, examples+"sloth-availability.yaml"))
			types := map[string]string{
				grafana.TitleStatus: "stat", grafana.TitleBudget: "gauge", grafana.TitleBurnRate: "timeseries",
				grafana.TitleSLI: "timeseries", grafana.TitleMinutes: "stat", grafana.TitleEvents: "stat",
			}
			for title, typ := range types {
				if p := panel(t, d, title); p.Type != typ {
					t.Errorf("%s is a %s, want a %s", title, p.Type, typ)
				}
			}
			if got := steps(panel(t, d, grafana.TitleBudget).FieldConfig.Defaults.Thresholds); got != "red orange@0 yellow@0.2 green@0.5" {
				t.Errorf("budget thresholds = %s", got)
			}
			burn := panel(t, d, grafana.TitleBurnRate)
			if burn.Title != "Burn rate (1h, 6h, 24h)" || len(burn.Targets) != 3 {
				t.Errorf("burn rate panel %q has %d queries, want 1h, 6h and 24h", burn.Title, len(burn.Targets))
			}
			if got := steps(burn.FieldConfig.Defaults.Thresholds); got != "green yellow@1 orange@6 red@14.4" {
				t.Errorf("burn rate thresholds = %s", got)
			}
			// 99.9%: exhausted below 0.999, healthy from half the budget left.
			status := panel(t, d, grafana.TitleStatus)
			o := status.FieldConfig.Overrides
			if len(o) != 1 || o[0].Matcher.Options != "notification-gateway / requests-availability" {
				t.Fatalf("status overrides = %+v, want one for the SLO", o)
			}
			if got := steps(o[0].Properties[0].Value.(*grafana.Thresholds)); got != "red orange@0.999 yellow@0.9992 green@0.9995" {
				t.Errorf("status thresholds = %s", got)
			}
			sli := panel(t, d, grafana.TitleSLI)
			if len(sli.Targets) != 2 || !strings.Contains(sli.Targets[1].Expr, "objective") {
				t.Errorf("SLI panel lacks the target as a second series: %+v", sli.Targets)
			}
			var rows int
			for _, p := range d.Panels {
				if p.Type == "row" && p.Repeat == "slo" {
					rows++
				}
			}
			if rows != 1 {
				t.Errorf("%d rows repeat by slo, want 1", rows)
			}
		})
	}
}

func steps(th *grafana.Thresholds) string {
	var out []string
	for _, s := range th.Steps {
		if s.Value == nil {
			out = append(out, s.Color)
		} else {
			out = append(out, s.Color+"@"+strconv.FormatFloat(*s.Value, 'f', -1, 64))
		}
	}
	return strings.Join(out, " ")
}

func TestRulesFlavourRefusesSpecsWithoutPrometheusSLIs(t *testing.T) {
	_, warnings, err := grafana.Build(load(t, examples+"notification-platform.yaml"), grafana.Config{Flavour: grafana.Rules})
	if !errors.Is(err, grafana.ErrNoSLO) {
		t.Fatalf("err = %v, want ErrNoSLO", err)
	}
	want := "no SLO to chart: the rules flavour needs a prometheus SLI, and none of notification-platform/availability, notification-platform/latency, notification-platform/delivery, notification-platform/correctness has one; use --flavour serve"
	if err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	if len(warnings) != 4 || !strings.HasPrefix(warnings[0], "notification-platform/availability: left out: the rules flavour needs a prometheus SLI, and this one reads events") {
		t.Errorf("warnings = %q, want one per SLO", warnings)
	}
}

func TestRulesFlavourLeavesOutOtherSLIsWithAWarning(t *testing.T) {
	d, warnings := build(t, grafana.Rules, load(t, examples+"checkout.yaml"))
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "checkout/browse-availability: left out") {
		t.Errorf("warnings = %q, want one for checkout/browse-availability", warnings)
	}
	for _, v := range d.Templating.List {
		if strings.Contains(v.Query, "browse-availability") {
			t.Errorf("variable %s lists the SLO left out: %s", v.Name, v.Query)
		}
	}
	if _, w := build(t, grafana.Serve, load(t, examples+"checkout.yaml")); len(w) != 0 {
		t.Errorf("serve warned: %q", w)
	}
}

func TestUnknownFlavourIsRefused(t *testing.T) {
	if _, _, err := grafana.Build(load(t, examples+"sloth-availability.yaml"), grafana.Config{Flavour: "loki"}); err == nil {
		t.Error("flavour loki was accepted")
	}
}

const customTiers = `apiVersion: slo/v1
service: shop
slos:
  - name: checkout
    objective: 99.5
    window: 7d
    sli:
      prometheus:
        bad: sum(rate(http_requests_total{job="shop",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{job="shop"}[{{.window}}]))
    alerting:
      tiers:
        - {name: fast, severity: critical, action: page, burn_rate: 10, long_window: 2h, short_window: 1h}
        - {name: slow, severity: warning, action: ticket, burn_rate: 2, long_window: 12h, short_window: 2h}
  - name: search
    objective: 99
    window: 30d
    sli:
      prometheus:
        bad: sum(rate(http_requests_total{job="search",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{job="search"}[{{.window}}]))
    alerting:
      tiers:
        - {name: fast, severity: critical, action: page, burn_rate: 10, long_window: 2h, short_window: 1h}
`

func TestRulesBurnRatesReadOnlyTheWindowsTheRulesRecord(t *testing.T) {
	d, _ := build(t, grafana.Rules, parse(t, customTiers))
	burn := panel(t, d, grafana.TitleBurnRate)
	if burn.Title != "Burn rate (1h, 2h, 12h)" {
		t.Errorf("title = %q, want the recorded 1h and the tiers' long windows", burn.Title)
	}
	for _, want := range []string{"record no 6h or 24h window", "shows 1h, 2h, 12h", "only for the SLOs whose rules record it"} {
		if !strings.Contains(burn.Description, want) {
			t.Errorf("description lacks %q: %s", want, burn.Description)
		}
	}
	for _, q := range grafana.Queries(d) {
		for _, w := range []string{"increase6h", "increase1d"} {
			if strings.Contains(q, w) {
				t.Errorf("query reads a window no rule records: %s", q)
			}
		}
	}
}

func TestEventsOfSLOsOfSeveralWindowsReadEachOwnWindow(t *testing.T) {
	d, _ := build(t, grafana.Rules, parse(t, customTiers))
	valid := panel(t, d, grafana.TitleEvents).Targets[0].Expr
	for _, want := range []string{
		`slo:events_valid:increase7d{service=~"$service",slo=~"$slo"} and on (service, slo) (slo:window:seconds{service=~"$service",slo=~"$slo"} == 604800)`,
		" or on (service, slo) ",
		`slo:events_valid:increase30d{service=~"$service",slo=~"$slo"} and on (service, slo) (slo:window:seconds{service=~"$service",slo=~"$slo"} == 2592000)`,
	} {
		if !strings.Contains(valid, want) {
			t.Errorf("valid events query lacks %s:\n%s", want, valid)
		}
	}
}

func TestOutputIsJSONWithoutHTMLEscapes(t *testing.T) {
	d, _ := build(t, grafana.Rules, parse(t, customTiers))
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("not JSON:\n%s", b)
	}
	if strings.Contains(string(b), `\u003`) {
		t.Errorf("JSON escapes < or >")
	}
}
