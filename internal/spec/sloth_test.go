package spec

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// loadOne loads spec files that must hold exactly one valid service.
func loadOne(t *testing.T, paths ...string) *slo.Service {
	t.Helper()
	svcs, errs := Load(paths...)
	if len(errs.Invalid()) > 0 {
		t.Fatalf("Load(%v):\n%v", paths, errs.Invalid())
	}
	if len(svcs) != 1 {
		t.Fatalf("Load(%v) = %d services, want 1", paths, len(svcs))
	}
	return svcs[0]
}

// sameService compares a converted service with its native twin: every
// field of the service and of each objective, down to each alert tier, but
// File, which says where the service was read from, not what is asked of it.
func sameService(t *testing.T, got, want *slo.Service) {
	t.Helper()
	g, w := *got, *want
	g.File, w.File = "", ""
	g.Objectives, w.Objectives = nil, nil
	sameFields(t, "service", g, w)
	if len(got.Objectives) != len(want.Objectives) {
		t.Fatalf("%d objectives, want %d", len(got.Objectives), len(want.Objectives))
	}
	for i := range got.Objectives {
		gotO, wo := got.Objectives[i], want.Objectives[i]
		p := "slo " + wo.Name
		ga, wa := gotO.Alerting, wo.Alerting
		gotO.Alerting.Tiers, wo.Alerting.Tiers = nil, nil
		sameFields(t, p, gotO, wo)
		if len(ga.Tiers) != len(wa.Tiers) {
			t.Fatalf("%s: %d tiers, want %d", p, len(ga.Tiers), len(wa.Tiers))
		}
		for j := range ga.Tiers {
			sameFields(t, p+" tier "+wa.Tiers[j].Name, ga.Tiers[j], wa.Tiers[j])
		}
	}
}

// sameFields compares two structs of one type field by field, naming the
// fields that differ.
func sameFields(t *testing.T, what string, got, want any) {
	t.Helper()
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < g.NumField(); i++ {
		if gf, wf := g.Field(i).Interface(), w.Field(i).Interface(); !reflect.DeepEqual(gf, wf) {
			t.Errorf("%s %s = %#v, want %#v", what, g.Type().Field(i).Name, gf, wf)
		}
	}
}

func TestSlothExample(t *testing.T) {
	const sloth, twin = "../../examples/sloth/notification-availability.yaml", "../../examples/sloth-availability.yaml"
	got, want := loadOne(t, sloth), loadOne(t, twin)
	sameService(t, got, want)
	if n := got.Objectives[0].Alerting.Annotations[slothAlertName]; n != "NotificationGatewayHighErrorRate" {
		t.Errorf("annotation %s = %q, want the Sloth alerting.name", slothAlertName, n)
	}
}

// wantProblems checks that errs are exactly the wanted problems, each given
// as the start of its message: "file:line:column: path: message". A want
// written "start ... part" matches a message that starts with start and
// has part in it, for messages whose middle does not matter to the test.
func wantProblems(t *testing.T, errs Errors, want ...string) {
	t.Helper()
	left := append(Errors(nil), errs...)
	for _, w := range want {
		start, part, _ := strings.Cut(w, " ... ")
		found := false
		for i, e := range left {
			if msg := e.Error(); strings.HasPrefix(msg, start) && strings.Contains(msg[len(start):], part) {
				left = append(left[:i], left[i+1:]...)
				found = true
				break
			}
		}
		if !found {
			t.Errorf("missing problem %q", w)
		}
	}
	for _, e := range left {
		t.Errorf("unexpected problem: %v", e)
	}
}

func TestSlothErrors(t *testing.T) {
	const f = "testdata/sloth/errors.yaml"
	_, errs := Load(f)
	wantProblems(t, errs,
		f+":9:22: slos[0].sli.events.error_query: PromQL does not parse",
		f+":14:7: slos[1].sli.raw: a raw error ratio is not supported",
		f+":19:7: slos[2].sli.plugin: SLI plugins are not supported",
		f+`:23:11: slos[3].name: name "bad name" is not a valid name`,
		f+":24:16: slos[3].objective: 100 is out of range",
		f+`:25:5: slos[3].descripton: unknown field "descripton" (did you mean description?)`,
		f+":27:7: slos[3].sli.events.error_query: an events SLI needs error_query",
	)
}

const slothHead = `version: prometheus/v1
service: api
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(errors_total[{{.window}}]))
        total_query: sum(rate(requests_total[{{.window}}]))
`

func TestSlothAlerting(t *testing.T) {
	parse := func(t *testing.T, alerting string) slo.Alerting {
		t.Helper()
		svcs, errs := Parse("s.yaml", []byte(slothHead+alerting))
		if len(errs) > 0 {
			t.Fatalf("Parse:\n%v", errs)
		}
		return svcs[0].Objectives[0].Alerting
	}
	// tiers lists name:action/severity.
	tiers := func(a slo.Alerting) string {
		var out []string
		for _, t := range a.Tiers {
			out = append(out, t.Name+":"+t.Action+"/"+t.Severity)
		}
		return strings.Join(out, " ")
	}

	// Sloth's page alert is its two fast windows, its ticket alert its two
	// slow ones, over its 30-day period: 14.4x over 1h and 5m, 6x over 6h
	// and 30m, 3x over 1d and 2h, 1x over 3d and 6h.
	a := parse(t, "")
	const sloth = "page:page/critical page_business_hours:page/critical ticket:ticket/warning review:ticket/warning"
	if got := tiers(a); got != sloth || a.Disabled {
		t.Errorf("no alerting: tiers %s, want %s", got, sloth)
	}
	want := []struct {
		burn        float64
		long, short time.Duration
	}{{14.4, time.Hour, 5 * time.Minute}, {6, 6 * time.Hour, 30 * time.Minute}, {3, slo.Day, 2 * time.Hour}, {1, 3 * slo.Day, 6 * time.Hour}}
	for i, w := range want {
		if i >= len(a.Tiers) {
			break
		}
		g := a.Tiers[i]
		if math.Abs(g.BurnRate-w.burn) > 1e-9 || g.Long != w.long || g.Short != w.short || g.For != 0 {
			t.Errorf("tier %s: %vx over %v and %v for %v, want Sloth's %vx over %v and %v", g.Name, g.BurnRate, g.Long, g.Short, g.For, w.burn, w.long, w.short)
		}
	}
	if len(a.BudgetAlerts) != len(defaults.Alerting.BudgetAlerts) {
		t.Errorf("budget alerts = %v, want the defaults", a.BudgetAlerts)
	}

	a = parse(t, `    alerting:
      name: ApiAvailability
      page_alert:
        labels: {severity: page, team: api}
      ticket_alert:
        disable: true
`)
	if got, want := tiers(a), "page:page/page page_business_hours:page/page"; got != want {
		t.Errorf("ticket_alert disabled: tiers %s, want %s", got, want)
	}
	if l := a.Tiers[0].Labels; !reflect.DeepEqual(l, map[string]string{"team": "api"}) {
		t.Errorf("page tier labels = %v, want team only (severity is the tier's)", l)
	}
	if a.Annotations[slothAlertName] != "ApiAvailability" {
		t.Errorf("annotations = %v, want %s", a.Annotations, slothAlertName)
	}

	a = parse(t, `    alerting:
      page_alert:
        disable: true
      ticket_alert:
        labels: {severity: low}
        annotations: {summary: slow burn}
`)
	if got, want := tiers(a), "ticket:ticket/low review:ticket/low"; got != want {
		t.Errorf("page_alert disabled: tiers %s, want %s", got, want)
	}
	if l, an := a.Tiers[0].Labels, a.Tiers[1].Annotations; l != nil || an["summary"] != "slow burn" {
		t.Errorf("ticket tier labels %v annotations %v, want none and the summary", l, an)
	}

	a = parse(t, `    alerting:
      page_alert: {disable: true}
      ticket_alert: {disable: true}
`)
	if !a.Disabled {
		t.Errorf("both alerts disabled: alerting not disabled")
	}
	// The defaults are not changed by a spec that changes its copy.
	if len(defaults.Alerting.Tiers[0].Labels) != 0 {
		t.Errorf("default tier labels changed: %v", defaults.Alerting.Tiers[0].Labels)
	}
}

func TestSlothProblems(t *testing.T) {
	for _, c := range []struct {
		name, spec string
		want       []string
	}{
		{"version", strings.Replace(slothHead, "prometheus/v1", "prometheus/v2", 1),
			[]string{`s.yaml:1:10: version: unknown Sloth version "prometheus/v2"`}},
		{"no sli", "version: prometheus/v1\nservice: api\nslos:\n  - name: a\n    objective: 99\n",
			[]string{"s.yaml:4:5: slos[0].sli: an SLI needs exactly one of events, raw and plugin, found 0"}},
		{"no total", strings.Replace(slothHead, "        total_query: sum(rate(requests_total[{{.window}}]))\n", "", 1),
			[]string{"s.yaml:7:7: slos[0].sli.events.total_query: an events SLI needs total_query"}},
		{"no window", strings.Replace(slothHead, "[{{.window}}]))\n        total", "[5m]))\n        total", 1),
			[]string{"s.yaml:8:22: warning: slos[0].sli.events.error_query: the query has no {{.window}}"}},
		{"page label", slothHead + "    alerting:\n      page_alert:\n        labels: [a]\n",
			[]string{"s.yaml:12:17: slos[0].alerting.page_alert.labels: want a mapping, found a list"}},
		{"service", strings.Replace(slothHead, "service: api", "service: My API", 1),
			[]string{`s.yaml:2:10: service: name "My API" is not a valid name`}},
		{"range vector", strings.Replace(slothHead, "sum(rate(errors_total[{{.window}}]))", "errors_total[{{.window}}]", 1),
			[]string{"s.yaml:8:22: slos[0].sli.events.error_query: the query gives a range vector, not a count of events ... (wrap it in sum(rate(...)) or sum(increase(...))"}},
		{"severity label empty", slothHead + "    alerting:\n      page_alert:\n        labels: {severity: \"\"}\n",
			[]string{"s.yaml:12:28: slos[0].alerting.page_alert.labels.severity: a tier needs a severity"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, errs := Parse("s.yaml", []byte(c.spec))
			wantProblems(t, errs, c.want...)
		})
	}
}

// Sloth allows upper case and dots in names, and so does slo: a Sloth spec
// gets no stricter name rule than a native one.
func TestSlothNames(t *testing.T) {
	spec := strings.Replace(strings.Replace(slothHead, "service: api", "service: Payments.API", 1), "name: availability", "name: Checkout.Availability_v2", 1)
	svcs, errs := Parse("s.yaml", []byte(spec))
	if len(errs) > 0 {
		t.Fatalf("Parse:\n%v", errs)
	}
	if s := svcs[0]; s.Name != "Payments.API" || s.Objectives[0].Name != "Checkout.Availability_v2" {
		t.Errorf("service %q SLO %q, want the names as written", s.Name, s.Objectives[0].Name)
	}
}

// TestQueryTypes checks the PromQL of every format: a query must give an
// instant vector or a scalar, and one without {{.window}} is warned about.
func TestQueryTypes(t *testing.T) {
	const native = `apiVersion: slo/v1
service: api
slos:
  - name: availability
    objective: 99.9
    sli:
      prometheus:
        bad: QUERY
        total: sum(rate(requests_total[{{.window}}]))
`
	const at = "n.yaml:8:14: slos[0].sli.prometheus.bad: "
	for _, c := range []struct {
		name, query string
		want        []string
	}{
		{"rate", "sum(rate(errors_total[{{.window}}]))", nil},
		{"increase", "sum(increase(errors_total[{{.window}}]))", nil},
		{"scalar", "scalar(sum(rate(errors_total[{{.window}}])))", nil},
		{"range vector", "errors_total[{{.window}}]",
			[]string{at + "the query gives a range vector, not a count of events: it must give an instant vector or a scalar (wrap it in sum(rate(...)) or sum(increase(...)), as sum(rate(x[{{.window}}])))"}},
		{"subquery", "sum(rate(errors_total[{{.window}}]))[1h:]",
			[]string{at + "the query gives a range vector"}},
		{"string", `'"errors"'`,
			[]string{at + "the query gives a string, not a count of events"}},
		{"no parse", "sum(rate(errors_total[{{.window}}])",
			[]string{at + "PromQL does not parse"}},
		{"fixed range", "sum(rate(errors_total[5m]))",
			[]string{"n.yaml:8:14: warning: slos[0].sli.prometheus.bad: the query has no {{.window}}: its range is fixed, so the same count is used for every alert window and for the SLO window (put {{.window}} where the range goes, as sum(rate(x[{{.window}}])))"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, errs := Parse("n.yaml", []byte(strings.Replace(native, "QUERY", c.query, 1)))
			wantProblems(t, errs, c.want...)
		})
	}
}
