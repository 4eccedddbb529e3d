package spec

import (
	"os"
	"reflect"
	"strings"
	"testing"

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

// sameService compares a converted service with its native twin, field by
// field: what is asked of the service, not where it was read from.
func sameService(t *testing.T, got, want *slo.Service) {
	t.Helper()
	eq := func(what string, g, w any) {
		t.Helper()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %#v, want %#v", what, g, w)
		}
	}
	eq("service", got.Name, want.Name)
	eq("description", got.Description, want.Description)
	eq("labels", got.Labels, want.Labels)
	if len(got.Objectives) != len(want.Objectives) {
		t.Fatalf("%d objectives, want %d", len(got.Objectives), len(want.Objectives))
	}
	for i := range got.Objectives {
		g, w := &got.Objectives[i], &want.Objectives[i]
		p := "slo " + w.Name + " "
		eq(p+"name", g.Name, w.Name)
		eq(p+"service", g.Service, w.Service)
		eq(p+"description", g.Description, w.Description)
		eq(p+"labels", g.Labels, w.Labels)
		eq(p+"target", g.Target, w.Target)
		eq(p+"window", g.Window, w.Window)
		eq(p+"budgeting", g.Budgeting, w.Budgeting)
		eq(p+"sli kind", g.SLI.Kind, w.SLI.Kind)
		eq(p+"sli", g.SLI.Prometheus, w.SLI.Prometheus)
		ga, wa := g.Alerting, w.Alerting
		eq(p+"alerting disabled", ga.Disabled, wa.Disabled)
		eq(p+"alerting labels", ga.Labels, wa.Labels)
		eq(p+"alerting annotations", ga.Annotations, wa.Annotations)
		eq(p+"budget alerts", ga.BudgetAlerts, wa.BudgetAlerts)
		if len(ga.Tiers) != len(wa.Tiers) {
			t.Fatalf("%s: %d tiers, want %d", p, len(ga.Tiers), len(wa.Tiers))
		}
		for j := range ga.Tiers {
			eq(p+"tier "+wa.Tiers[j].Name, ga.Tiers[j], wa.Tiers[j])
		}
	}
}

func TestSlothExample(t *testing.T) {
	const sloth, twin = "../../examples/sloth/notification-availability.yaml", "../../examples/sloth-availability.yaml"
	for _, f := range []string{sloth, twin} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("example not written yet: %v", err)
		}
	}
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
		f+`:23:11: slos[3].name: name "Bad_Name" is not a valid name`,
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
	names := func(a slo.Alerting) string {
		var out []string
		for _, t := range a.Tiers {
			out = append(out, t.Name+"/"+t.Severity)
		}
		return strings.Join(out, " ")
	}
	const all = "page/critical page_business_hours/warning ticket/info review/info"

	if a := parse(t, ""); names(a) != all || a.Disabled {
		t.Errorf("no alerting: tiers %s, want the defaults %s", names(a), all)
	}
	a := parse(t, `    alerting:
      name: ApiAvailability
      page_alert:
        labels: {severity: page, team: api}
      ticket_alert:
        disable: true
`)
	if got, want := names(a), "page/page page_business_hours/page"; got != want {
		t.Errorf("ticket_alert disabled: tiers %s, want %s", got, want)
	}
	if l := a.Tiers[0].Labels; !reflect.DeepEqual(l, map[string]string{"team": "api"}) {
		t.Errorf("page tier labels = %v, want team only (severity is the tier's)", l)
	}
	if a.Annotations[slothAlertName] != "ApiAvailability" {
		t.Errorf("annotations = %v, want %s", a.Annotations, slothAlertName)
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
	} {
		t.Run(c.name, func(t *testing.T) {
			_, errs := Parse("s.yaml", []byte(c.spec))
			wantProblems(t, errs, c.want...)
		})
	}
}
