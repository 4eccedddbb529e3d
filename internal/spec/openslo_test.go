package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func TestOpenSLOExample(t *testing.T) {
	const open, twin = "../../examples/openslo/notification-availability.yaml", "../../examples/notification-availability.yaml"
	got, want := loadOne(t, open), loadOne(t, twin)
	sameService(t, got, want)
	if a := got.Objectives[0].Alerting.Tiers[0].Action; a != "page" {
		t.Errorf("tier action = %q, want page", a)
	}
}

func TestOpenSLOErrors(t *testing.T) {
	const f = "testdata/openslo/errors.yaml"
	_, errs := Load(f)
	wantProblems(t, errs,
		f+":14:3: spec.ratioMetric.total: a ratioMetric needs total",
		f+`:21:5: spec.ratioMetric.totl: unknown field "totl" (did you mean total?)`,
		f+":39:15: spec.objectives[0].target: target 1.5 is out of range: it must be above 0 and below 1",
		f+`:47:17: spec.indicatorRef: no SLI named "api-latency"`,
	)
}

// TestOpenSLOAcrossFiles loads an SLO whose SLI, data source and alert
// policy are in another file: build's problems with them point there.
func TestOpenSLOAcrossFiles(t *testing.T) {
	const lib = "testdata/openslo/library.yaml"
	dir := t.TempDir()
	sloFile := filepath.Join(dir, "slo.yaml")
	write := func(body string) {
		if err := os.WriteFile(sloFile, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const sloDoc = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
  labels:
    team: [payments, checkout]
    tier: "1"
spec:
  service: checkout
  indicatorRef: checkout-errors
  timeWindow:
    - duration: 1M
      calendar:
        startTime: 2024-01-01 00:00:00
        timeZone: Europe/Berlin
  budgetingMethod: Timeslices
  objectives:
    - targetPercent: 99.5
      timeSliceTarget: 0.95
      timeSliceWindow: 5
  alertPolicies:
    - alertPolicyRef: checkout-burn
    - alertPolicyRef: checkout-weekly
    - kind: AlertPolicy
      metadata:
        name: slow-burn
      spec:
        conditions:
          - kind: AlertCondition
            metadata:
              name: slow-burn
            spec:
              severity: ticket
              condition:
                kind: burnrate
                op: gte
                threshold: 1
                lookbackWindow: 3d
`
	write(sloDoc)
	s := loadOne(t, lib, sloFile)
	o := s.Objectives[0]
	if s.Name != "checkout" || s.Description != "Takes payments." {
		t.Errorf("service %q %q, want checkout from the Service document", s.Name, s.Description)
	}
	if want := map[string]string{"team": "payments,checkout", "tier": "1"}; !reflect.DeepEqual(o.Labels, want) {
		t.Errorf("labels = %v, want %v", o.Labels, want)
	}
	if o.Target != 0.995 || o.Window.Calendar != slo.CalendarMonth || o.Window.Location.String() != "Europe/Berlin" {
		t.Errorf("target %v window %v in %v, want 0.995 over the calendar month in Europe/Berlin", o.Target, o.Window, o.Window.Location)
	}
	if want := (slo.Budgeting{Method: slo.Timeslices, Slice: 5 * time.Minute, SliceTarget: 0.95}); o.Budgeting != want {
		t.Errorf("budgeting = %+v, want %+v", o.Budgeting, want)
	}
	if p := o.SLI.Prometheus; p == nil || p.Bad != `sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))` || p.Good != "" {
		t.Errorf("sli = %+v, want the bad query of the SLI document", p)
	}
	// OpenSLO has no low-traffic guard or keep-firing time: the tiers get
	// the defaults', auto and 0s. At 99.5%, auto is floor(1/(14.4 x 0.005))
	// + 1 = 14 events at 14.4x and floor(1/0.005) + 1 = 201 at 1x.
	want := []slo.AlertTier{
		{Name: "fast-burn", Severity: "critical", Action: "page", BurnRate: 14.4, Long: time.Hour, Short: 5 * time.Minute, For: 2 * time.Minute, MinValid: 14},
		{Name: "weekly-burn", Severity: "ticket", Action: "ticket", BurnRate: 1, Long: 8 * slo.Day, Short: 16 * time.Hour, MinValid: 201},
		{Name: "slow-burn", Severity: "ticket", Action: "ticket", BurnRate: 1, Long: 3 * slo.Day, Short: 6 * time.Hour, MinValid: 201},
	}
	if got := o.Alerting.Tiers; !reflect.DeepEqual(got, want) {
		t.Errorf("tiers =\n%+v\nwant\n%+v", got, want)
	}

	// Shared checks on the library's values report in the library.
	write(strings.Replace(sloDoc, "duration: 1M", "duration: 1w", 1))
	_, errs := Load(lib, sloFile)
	wantProblems(t, errs, lib+":78:21: spec.condition.lookbackWindow: ... the long window 8d is longer than the SLO window calendar week")
}

func TestOpenSLOProblems(t *testing.T) {
	for _, c := range []struct {
		name, change string // change: an old=>new edit of okSpec
		want         []string
	}{
		{"ok", "", nil},
		{"raw", "    good:\n      metricSource:\n        type: Prometheus\n        spec:\n          query: sum(rate(ok_total[{{.window}}]))\n=>    rawType: success\n    raw:\n      metricSource:\n        type: Prometheus\n        spec:\n          query: ratio\n",
			[]string{"o.yaml:16:5: spec.ratioMetric.raw: raw ratios are not supported"}},
		{"threshold", "  ratioMetric:\n    counter: true\n=>  thresholdMetric:\n    metricSource: {type: Prometheus, spec: {query: x}}\n  ratioMetric:\n    counter: true\n",
			[]string{"o.yaml:13:3: spec.thresholdMetric: thresholdMetric SLIs are not supported"}},
		{"datadog", "type: Prometheus\n        spec:\n          query: sum(rate(ok_total=>type: Datadog\n        spec:\n          query: sum(rate(ok_total",
			[]string{`o.yaml:17:15: spec.ratioMetric.good.metricSource.type: metric sources of type "Datadog" are not supported`}},
		{"no data source", "type: Prometheus\n        spec:\n          query: sum(rate(ok_total=>metricSourceRef: prom\n        spec:\n          query: sum(rate(ok_total",
			[]string{`o.yaml:17:26: spec.ratioMetric.good.metricSource.metricSourceRef: no DataSource named "prom"`}},
		{"promql", "sum(rate(ok_total[{{.window}}]))=>sum(rate(ok_total[{{.window}}])",
			[]string{"o.yaml:19:18: spec.ratioMetric.good.metricSource.spec.query: PromQL does not parse"}},
		{"range vector", "sum(rate(ok_total[{{.window}}]))=>ok_total[{{.window}}]",
			[]string{"o.yaml:19:18: spec.ratioMetric.good.metricSource.spec.query: the query gives a range vector, not a count of events: it must give an instant vector or a scalar (wrap it in sum(rate(...)) or sum(increase(...)), as sum(rate(x[{{.window}}])))"}},
		{"string", "sum(rate(ok_total[{{.window}}]))=>'\"ok\"'",
			[]string{"o.yaml:19:18: spec.ratioMetric.good.metricSource.spec.query: the query gives a string, not a count of events"}},
		{"fixed range", "sum(rate(ok_total[{{.window}}]))=>sum(rate(ok_total[5m]))",
			[]string{"o.yaml:19:18: warning: spec.ratioMetric.good.metricSource.spec.query: the query has no {{.window}}: its range is fixed"}},
		{"ratio timeslices", "budgetingMethod: Occurrences=>budgetingMethod: RatioTimeslices",
			[]string{"o.yaml:36:20: spec.budgetingMethod: RatioTimeslices is not supported yet"}},
		{"two objectives", "    - target: 0.999\n=>    - target: 0.999\n    - target: 0.99\n",
			[]string{"o.yaml:39:7: spec.objectives[1]: more than one objective is not supported yet"}},
		{"target and percent", "    - target: 0.999\n=>    - target: 0.999\n      targetPercent: 99.9\n",
			[]string{"o.yaml:38:7: spec.objectives[0]: give either target or targetPercent, not both"}},
		{"percent range", "    - target: 0.999\n=>    - targetPercent: 100\n",
			[]string{"o.yaml:38:22: spec.objectives[0].targetPercent: 100 is out of range"}},
		{"no service", "  service: api\n=>  service: web\n",
			[]string{`o.yaml:31:12: warning: spec.service: no Service named "web": the SLO belongs to service "web", which has no description or labels (Service documents loaded: api)`}},
		{"service typo", "  service: api\n=>  service: apj\n",
			[]string{`o.yaml:31:12: warning: spec.service: no Service named "apj" ... (did you mean api?)`}},
		{"name", "  name: availability=>  name: Availability",
			[]string{`o.yaml:29:9: metadata.name: name "Availability" is not a valid OpenSLO name`}},
		{"kind", "kind: Service=>kind: Servise",
			[]string{`o.yaml:2:7: kind: unknown OpenSLO kind "Servise" (did you mean Service?)`,
				`o.yaml:31:12: warning: spec.service: no Service named "api"`}},
		{"version", "apiVersion: openslo/v1\nkind: Service=>apiVersion: openslo/v1alpha\nkind: Service",
			[]string{`o.yaml:1:13: apiVersion: unsupported OpenSLO version "openslo/v1alpha"`,
				`o.yaml:31:12: warning: spec.service: no Service named "api"`}},
		{"rolling month", "    - duration: 28d=>    - duration: 1M",
			[]string{`o.yaml:34:17: spec.timeWindow[0].duration: a rolling window of 1M has no fixed length`}},
		{"op", "op: gte=>op: lte",
			[]string{"o.yaml:53:19: spec.alertPolicies[0].spec.conditions[0].spec.condition.op: op lte is not supported: a burn-rate condition fires when the burn rate is at or above its threshold (use op: gte. The OpenSLO v1 README's examples write lte, but lte would fire while the burn rate is low, that is while the service is healthy)"}},
		{"op lt", "op: gte=>op: lt",
			[]string{"o.yaml:53:19: spec.alertPolicies[0].spec.conditions[0].spec.condition.op: op lt is not supported ... README"}},
		{"burn rate", "threshold: 14.4=>threshold: 0",
			[]string{"o.yaml:54:26: spec.alertPolicies[0].spec.conditions[0].spec.condition.threshold: burn rate 0 must be above 0"}},
		{"condition ref", "        - kind: AlertCondition\n          metadata:\n            name: fast-burn\n=>        - conditionRef: fast-burn\n          metadata:\n            name: fast-burn\n",
			[]string{"o.yaml:46:11: spec.alertPolicies[0].spec.conditions[0]: give either conditionRef or an inline AlertCondition"}},
		{"policy ref", "    - kind: AlertPolicy\n=>    - alertPolicyRef: burn\n    - kind: AlertPolicy\n",
			[]string{`o.yaml:40:23: spec.alertPolicies[0].alertPolicyRef: no AlertPolicy named "burn"`}},
		{"no window", "  timeWindow:\n    - duration: 28d\n      isRolling: true\n=>",
			[]string{"o.yaml:30:1: warning: spec: the SLO has no timeWindow: it holds over a rolling 30d"}},
		{"calendar days", "    - duration: 28d\n      isRolling: true\n=>    - duration: 28d\n      isRolling: false\n",
			[]string{"o.yaml:34:17: spec.timeWindow[0].duration: a calendar window of 28d is not supported"}},
		{"timeslices", "budgetingMethod: Occurrences=>budgetingMethod: Timeslices",
			[]string{"o.yaml:38:7: spec.objectives[0].timeSliceWindow: the Timeslices method needs a timeSliceWindow",
				"o.yaml:38:7: spec.objectives[0].timeSliceTarget: the Timeslices method needs a timeSliceTarget"}},
		{"slice for occurrences", "    - target: 0.999\n=>    - target: 0.999\n      timeSliceWindow: 1m\n",
			[]string{"o.yaml:39:24: spec.objectives[0].timeSliceWindow: timeSliceWindow applies only to budgetingMethod Timeslices"}},
		{"budget adjustment", "kind: Service=>kind: BudgetAdjustment",
			[]string{"o.yaml:2:7: warning: kind: BudgetAdjustment is not supported yet",
				`o.yaml:31:12: warning: spec.service: no Service named "api"`}},
		{"policy neither ref nor inline", "  alertPolicies:\n=>  alertPolicies:\n    - {}\n",
			[]string{"o.yaml:40:7: spec.alertPolicies[0]: an alert policy needs alertPolicyRef, or to be written inline"}},
		{"policy ref of another kind", "  alertPolicies:\n=>  alertPolicies:\n    - {kind: AlertCondition, alertPolicyRef: fast}\n",
			[]string{`o.yaml:40:14: spec.alertPolicies[0].kind: want kind AlertPolicy, found "AlertCondition"`,
				`o.yaml:40:46: spec.alertPolicies[0].alertPolicyRef: no AlertPolicy named "fast"`}},
		{"condition neither ref nor inline", "        conditions:\n=>        conditions:\n        - {}\n",
			[]string{"o.yaml:46:11: spec.alertPolicies[0].spec.conditions[0]: a condition needs conditionRef, or to be written inline",
				"o.yaml:47:11: spec.alertPolicies[0].spec.conditions[1]: an AlertPolicy takes one condition"}},
		{"condition ref of another kind", "        conditions:\n=>        conditions:\n        - {kind: AlertPolicy, conditionRef: slow}\n",
			[]string{`o.yaml:46:18: spec.alertPolicies[0].spec.conditions[0].kind: want kind AlertCondition, found "AlertPolicy"`,
				`o.yaml:46:45: spec.alertPolicies[0].spec.conditions[0].conditionRef: no AlertCondition named "slow"`,
				"o.yaml:47:11: spec.alertPolicies[0].spec.conditions[1]: an AlertPolicy takes one condition"}},
		{"ref with kind", "    - kind: AlertPolicy\n=>    - kind: AlertPolicy\n      alertPolicyRef: fast\n",
			[]string{"o.yaml:40:7: spec.alertPolicies[0]: give either alertPolicyRef or an inline AlertPolicy"}},
		{"no target", "    - target: 0.999\n=>    - displayName: none\n",
			[]string{"o.yaml:38:7: spec.objectives[0].target: an objective needs target or targetPercent"}},
		{"short lookback", "lookbackWindow: 1h=>lookbackWindow: 1m",
			[]string{"o.yaml:55:31: spec.alertPolicies[0].spec.conditions[0].spec.condition.lookbackWindow: ... short window 1m is not shorter than long window 1m"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := okSpec
			if c.change != "" {
				old, new, _ := strings.Cut(c.change, "=>")
				if !strings.Contains(spec, old) {
					t.Fatalf("okSpec has no %q", old)
				}
				spec = strings.Replace(spec, old, new, 1)
			}
			_, errs := Parse("o.yaml", []byte(spec))
			wantProblems(t, errs, c.want...)
		})
	}
}

// okSpec is a valid OpenSLO file that TestOpenSLOProblems breaks in one
// place at a time.
const okSpec = `apiVersion: openslo/v1
kind: Service
metadata:
  name: api
spec:
  description: An API.
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: api-ratio
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        type: Prometheus
        spec:
          query: sum(rate(ok_total[{{.window}}]))
    total:
      metricSource:
        type: Prometheus
        spec:
          query: sum(rate(requests_total[{{.window}}]))
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  service: api
  indicatorRef: api-ratio
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
  alertPolicies:
    - kind: AlertPolicy
      metadata:
        name: fast
      spec:
        alertWhenBreaching: true
        conditions:
        - kind: AlertCondition
          metadata:
            name: fast-burn
          spec:
            severity: page
            condition:
              kind: burnrate
              op: gte
              threshold: 14.4
              lookbackWindow: 1h
              alertAfter: 5m
`

func TestOpenSLOInline(t *testing.T) {
	const doc = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  service: api
  indicator:
    metadata:
      name: api-ratio
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(ok_total[{{.window}}]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(requests_total[{{.window}}]))
  timeWindow:
    - duration: 1w
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.95
---
apiVersion: openslo/v1
kind: Service
metadata:
  name: api
  labels:
    team: web
`
	svcs, errs := Parse("i.yaml", []byte(doc))
	if len(errs) > 0 {
		t.Fatalf("Parse:\n%v", errs)
	}
	s := svcs[0]
	o := s.Objectives[0]
	if s.Labels["team"] != "web" || o.Target != 0.95 || o.Window != slo.RollingWindow(slo.Week) {
		t.Errorf("labels %v target %v window %v, want team web, 0.95 over a rolling 7d", s.Labels, o.Target, o.Window)
	}
	if p := o.SLI.Prometheus; p == nil || p.Good != "sum(rate(ok_total[{{.window}}]))" {
		t.Errorf("sli = %+v, want the inline good query", p)
	}
	if n := len(o.Alerting.Tiers); n != len(defaults.Alerting.Tiers) {
		t.Errorf("%d tiers, want the %d defaults for an SLO without alert policies", n, len(defaults.Alerting.Tiers))
	}

	// An error inside the inline SLI is reported at its own path.
	_, errs = Parse("i.yaml", []byte(strings.Replace(doc, "query: sum(rate(ok_total[{{.window}}]))", "query: sum(rate(ok_total[{{.window}}])", 1)))
	wantProblems(t, errs, "i.yaml:17:22: spec.indicator.spec.ratioMetric.good.metricSource.spec.query: PromQL does not parse")
}

// An SLO whose spec.service names no Service document still belongs to a
// service of that name: OpenSLO v1 leaves the reference to the implementation.
func TestOpenSLOServiceWithoutDocument(t *testing.T) {
	_, rest, _ := strings.Cut(okSpec, "---\n") // drop the Service document
	svcs, errs := Parse("o.yaml", []byte(rest))
	wantProblems(t, errs, `o.yaml:24:12: warning: spec.service: no Service named "api": the SLO belongs to service "api", which has no description or labels (add a document with kind: Service and metadata.name: api, or load the file that has it)`)
	if len(svcs) != 1 || svcs[0].Name != "api" || len(svcs[0].Objectives) != 1 {
		t.Fatalf("services = %v, want api with its SLO", svcs)
	}
	if s := svcs[0]; s.Description != "" || s.Labels != nil {
		t.Errorf("service %q has description %q and labels %v, want none", s.Name, s.Description, s.Labels)
	}
}
