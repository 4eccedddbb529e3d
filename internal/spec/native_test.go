package spec

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/slo"
)

// base is a valid spec; cases edit it to break one rule at a time.
const base = `apiVersion: slo/v1
service: api
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        stream: api
        valid:
          path_prefix: /api/
        exclude:
          - path_prefix: /api/health
          - labels: {caller: internal}
        good:
          status: [2xx, 4xx]
          latency_below: 200ms
`

func TestTheExamplesLoadWithoutErrors(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	svcs, errs := Load(files...)
	if bad := errs.Invalid(); len(bad) > 0 {
		t.Fatalf("examples have errors:\n%v", bad)
	}
	if len(svcs) != len(files) {
		t.Errorf("got %d services from %d files", len(svcs), len(files))
	}
}

func TestAValidSpecMapsOntoTheDomain(t *testing.T) {
	svcs, errs := Parse("api.yaml", []byte(base))
	if len(errs) > 0 {
		t.Fatalf("unexpected problems:\n%v", errs)
	}
	o := svcs[0].Objectives[0]
	if o.Key() != "api/availability" || o.Target != 0.999 || o.Window.Rolling != 30*slo.Day {
		t.Errorf("objective = %s %v %v", o.Key(), o.Target, o.Window)
	}
	if len(o.Alerting.Tiers) != 4 || o.Alerting.Tiers[0].BurnRate != 14.4 || o.Alerting.Tiers[1].BurnRate != 6 {
		t.Errorf("default tiers not applied: %+v", o.Alerting.Tiers)
	}
	if len(o.Policy.Rules) != 4 || o.Policy.Rules[0].Above != 0.5 || o.Policy.FastBurn.Critical != 10 {
		t.Errorf("default policy not applied: %+v", o.Policy)
	}
	// The seed's SLI template: /api/* returning 2xx or 4xx within 200ms,
	// except health checks and internal calls.
	sli := o.SLI.Events
	for _, c := range []struct {
		e    slo.Event
		want slo.Class
	}{
		{slo.Event{Path: "/api/send", Status: 200, Latency: 120 * time.Millisecond}, slo.Good},
		{slo.Event{Path: "/api/send", Status: 404, Latency: 20 * time.Millisecond}, slo.Good},
		{slo.Event{Path: "/api/send", Status: 503, Latency: 20 * time.Millisecond}, slo.Bad},
		{slo.Event{Path: "/api/send", Status: 200, Latency: 250 * time.Millisecond}, slo.Bad},
		{slo.Event{Path: "/api/health", Status: 503}, slo.Ignored},
		{slo.Event{Path: "/api/send", Status: 503, Labels: map[string]string{"caller": "internal"}}, slo.Ignored},
		{slo.Event{Path: "/metrics", Status: 500}, slo.Ignored},
	} {
		if got := sli.Classify(&c.e); got != c.want {
			t.Errorf("%s %d %v: got class %d, want %d", c.e.Path, c.e.Status, c.e.Latency, got, c.want)
		}
	}
}

func TestEachMistakeIsReportedWhereItIsWritten(t *testing.T) {
	cases := []struct {
		name      string
		old, new  string // edit of base; old "" appends new
		wantPlace string // line:column
		wantPath  string
		wantMsg   string
		n         int // errors expected, when more than one
	}{
		{"an objective of 100 is out of range", "objective: 99.9", "objective: 100", "5:16", "slos[0].objective", "out of range", 0},
		{"a missing objective is reported at the SLO", "    objective: 99.9\n", "", "4:5", "slos[0].objective", "required", 0},
		{"an unknown field suggests the likely name", "    objective: 99.9", "    objective: 99.9\n    descripton: x", "6:5", "slos[0].descripton", "did you mean description?", 0},
		{"a number where a list belongs", "status: [2xx, 4xx]", "status: {a: 1}", "15:19", "slos[0].sli.events.good.status", "want a list", 0},
		{"a bad status class", "status: [2xx, 4xx]", "status: [2xx, 6xx]", "15:25", "slos[0].sli.events.good.status[1]", `"6xx" is not a status`, 0},
		{"a regex that does not compile", "path_prefix: /api/\n", "path_regex: '^/api/(('\n", "10:23", "slos[0].sli.events.valid.path_regex", "does not compile", 0},
		{"a bad latency duration", "latency_below: 200ms", "latency_below: 200", "16:26", "slos[0].sli.events.good.latency_below", "unknown or missing unit", 0},
		{"two SLI sources", "    sli:\n", "    sli:\n      prometheus: {good: up, total: up}\n", "6:5", "slos[0].sli", "exactly one source", 0},
		{"a window that is not sane", "objective: 99.9", "objective: 99.9\n    window: 10m", "6:13", "slos[0].window", "not sane", 0},
		{"an unknown calendar-like window", "objective: 99.9", "objective: 99.9\n    window: monthly", "6:13", "slos[0].window", "want a number before each unit", 0},
		{"a name that is not a label", "name: availability", "name: Availability!", "4:11", "slos[0].name", "not a valid name", 0},
		{"a duplicate SLO name", "", "  - name: availability\n    objective: 99\n    sli: {events: {stream: api}}\n", "17:11", "slos[1].name", "defined twice", 0},
		{"a short window longer than the long one", "", "    alerting:\n      tiers:\n        - {name: page, severity: critical, burn_rate: 14.4, long_window: 5m, short_window: 1h}\n", "19:92", "slos[0].alerting.tiers[0].short_window", "not shorter", 0},
		{"a tier with both burn rate and budget percent", "", "    alerting:\n      tiers:\n        - {name: page, severity: critical, burn_rate: 14.4, budget_percent: 2, long_window: 1h, short_window: 5m}\n", "19:11", "slos[0].alerting.tiers[0]", "exactly one of burn_rate and budget_percent", 0},
		{"a tier long window above the SLO window", "objective: 99.9", "objective: 99.9\n    window: 1d\n    alerting:\n      tiers: [{name: slow, severity: info, burn_rate: 1, long_window: 3d, short_window: 6h}]", "8:71", "slos[0].alerting.tiers[0].long_window", "tier slow: the long window 3d is longer than the SLO window 1d", 0},
		{"a policy out of order", "", "    policy:\n      statuses:\n        - {status: exhausted, above: 50}\n        - {status: healthy}\n", "20:20", "slos[0].policy.statuses[1].status", `status "healthy" is out of order`, 0},
		{"a schedule descriptor", "", "    exclusions: [{schedule: '@every 1h', duration: 30m}]\n", "17:29", "slos[0].exclusions[0].schedule", "does not parse", 0},
		{"a maintenance window longer than its period", "", "    exclusions: [{schedule: '0 * * * *', duration: 2h}]\n", "17:52", "slos[0].exclusions[0].duration", "not shorter than the 1h between two starts", 0},
		{"a number that is not finite", "objective: 99.9", "objective: .nan", "5:16", "slos[0].objective", "want a finite number", 0},
		{"a percent that rounds to 100", "objective: 99.9", "objective: 99.9999999999995", "5:16", "slos[0].objective", "out of range", 0},
		{"an SLA as strict as its SLO", "", "sla: {slo: availability, objective: 99.9}\n", "17:37", "sla.objective", "must be weaker", 0},
		{"an SLA naming no SLO of the service", "", "sla: {slo: latency, objective: 99}\n", "17:12", "sla.slo", `no SLO named "latency"`, 0},
		{"an SLA over a rolling window", "", "sla: {slo: availability, objective: 99.5, window: 30d}\n", "17:51", "sla.window", "calendar period", 0},
		{"a credit line above the SLA", "", "sla:\n  slo: availability\n  objective: 99.5\n  credits: [{below: 99.8, credit: 10}]\n", "20:21", "sla.credits[0].below", "above the SLA objective", 0},
		{"a dependency of unknown kind", "", "dependencies: [{name: db, kind: optional, availability: 99.99}]\n", "17:33", "dependencies[0].kind", "unknown dependency kind", 0},
		{"a dependency without availability", "", "dependencies: [{name: db}]\n", "17:16", "dependencies[0].availability", "required", 0},
		{"a dependency bounding an unknown SLO", "", "dependencies: [{name: db, availability: 99.99, slos: [latency]}]\n", "17:55", "dependencies[0].slos[0]", `no SLO named "latency"`, 0},
		{"a tier target for an undeclared tier", "objective: 99.9", "objective: 99.9\n    tiers: {gold: {objective: 99.99}}", "6:12", "slos[0].tiers", "customers section", 2},
		{"a recurring exclusion with a bad schedule", "", "    exclusions: [{schedule: '0 25 * * *', duration: 1h}]\n", "17:29", "slos[0].exclusions[0].schedule", "does not parse", 0},
		{"a one-off exclusion ending before it starts", "", "    exclusions: [{start: '2026-11-01T02:00:00Z', end: '2026-11-01T01:00:00Z'}]\n", "17:55", "slos[0].exclusions[0].end", "not after start", 0},
		{"a policy whose thresholds do not fall", "", "    policy:\n      statuses:\n        - {status: healthy, above: 20}\n        - {status: warning, above: 50}\n        - {status: exhausted}\n", "20:36", "slos[0].policy.statuses[1].above", "and the previous status", 0},
		{"an unknown apiVersion", "apiVersion: slo/v1", "apiVersion: slo/v2", "1:1", "apiVersion", `unknown apiVersion "slo/v2"`, 0},
		{"broken YAML", "    objective: 99.9\n", "    objective: [99.9\n", "5:0", "", "not valid YAML", 0},
		{"a negative keep_firing_for on a tier", "", "    alerting:\n      tiers:\n        - {name: page, severity: critical, burn_rate: 14.4, long_window: 1h, short_window: 5m, keep_firing_for: -5m}\n", "19:113", "slos[0].alerting.tiers[0].keep_firing_for", "keep_firing_for -5m is negative: it must be 0s or more", 0},
		{"a negative keep_firing_for for every tier", "", "    alerting:\n      keep_firing_for: -10m\n", "18:24", "slos[0].alerting.keep_firing_for", "keep_firing_for -10m is negative", 0},
		{"a tier named like a budget alert", "", "    alerting:\n      tiers:\n        - {name: budget_critical, severity: critical, burn_rate: 14.4, long_window: 1h, short_window: 5m}\n", "19:18", "slos[0].alerting.tiers[0].name", `tier name "budget_critical" is reserved`, 0},
		{"two budget alerts at one status", "", "    alerting:\n      budget_alerts: [{status: critical, severity: warning}, {status: critical, severity: info}]\n", "18:71", "slos[0].alerting.budget_alerts[1].status", "a budget alert at critical is defined twice", 0},
		{"a keep_firing_for that is no duration", "", "    alerting:\n      keep_firing_for: soon\n", "18:24", "slos[0].alerting.keep_firing_for", `duration "soon": want a number before each unit`, 0},
		{"a min_valid_events that is no number", "", "    alerting:\n      min_valid_events: lots\n", "18:25", "slos[0].alerting.min_valid_events", `want a number of valid events or auto, found "lots"`, 0},
		{"a negative min_valid_events on a tier", "", "    alerting:\n      tiers:\n        - {name: page, severity: critical, burn_rate: 14.4, long_window: 1h, short_window: 5m, min_valid_events: -1}\n", "19:114", "slos[0].alerting.tiers[0].min_valid_events", "min_valid_events -1 is negative: it must be 0 or more, or auto", 0},
		{"a negative keep_firing_for of the service", "slos:\n", "alerting: {keep_firing_for: -1m}\nslos:\n", "3:29", "alerting.keep_firing_for", "keep_firing_for -1m is negative", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := base + c.new
			if c.old != "" {
				if !strings.Contains(base, c.old) {
					t.Fatalf("base has no %q", c.old)
				}
				text = strings.Replace(base, c.old, c.new, 1)
			}
			_, errs := Parse("api.yaml", []byte(text))
			bad := errs.Invalid()
			if c.n == 0 {
				c.n = 1
			}
			if len(bad) != c.n {
				t.Fatalf("want %d errors, got %d:\n%v\nspec:\n%s", c.n, len(bad), bad, text)
			}
			e := bad[0]
			if got := fmt.Sprintf("%d:%d", e.Line, e.Column); got != c.wantPlace || e.Path != c.wantPath || !strings.Contains(e.Error(), c.wantMsg) {
				t.Errorf("got %s (place %s, path %q), want place %s, path %q, message with %q", e, got, e.Path, c.wantPlace, c.wantPath, c.wantMsg)
			}
		})
	}
}

func TestDefaultTiersThatDoNotFitAShortWindowAreLeftOut(t *testing.T) {
	svcs, errs := Parse("api.yaml", []byte(strings.Replace(base, "objective: 99.9", "objective: 99.9\n    window: 1d", 1)))
	if len(errs) > 0 {
		t.Fatalf("unexpected problems:\n%v", errs)
	}
	var names []string
	for _, tier := range svcs[0].Objectives[0].Alerting.Tiers {
		names = append(names, tier.Name)
	}
	// review's 3d long window does not fit a 1d SLO; ticket's 1d just does.
	if got := strings.Join(names, ","); got != "page,page_business_hours,ticket" {
		t.Errorf("tiers = %s", got)
	}
}

func TestEveryErrorIsReportedAtOnce(t *testing.T) {
	text := strings.NewReplacer("objective: 99.9", "objective: 0", "status: [2xx, 4xx]", "status: [2xx, 9xx]", "stream: api", "stream: api\n        extra: 1").Replace(base)
	_, errs := Parse("api.yaml", []byte(text))
	if len(errs.Invalid()) != 3 {
		t.Fatalf("want 3 errors, got:\n%v", errs)
	}
	for i := 1; i < len(errs); i++ {
		if errs[i-1].Line > errs[i].Line {
			t.Errorf("errors are not in file order: %v", errs)
		}
	}
}

func TestAnSLOAboveItsDependencyCeilingIsOnlyAWarning(t *testing.T) {
	text := base + "dependencies:\n  - {name: db, availability: 99.99, depends_on: [{name: disk, availability: 99.99}]}\n  - {name: pay, availability: 99.95, depends_on: [{name: bank, availability: 99.9}]}\n"
	svcs, errs := Parse("api.yaml", []byte(text))
	if len(errs.Invalid()) != 0 || len(errs.Warnings()) != 1 {
		t.Fatalf("want one warning and no error, got:\n%v", errs)
	}
	if w := errs[0]; w.Path != "slos[0].objective" || !strings.Contains(w.Msg, "99.83%") {
		t.Errorf("warning = %v", w)
	}
	if len(svcs) != 1 {
		t.Errorf("a warning must not drop the service")
	}
}

func TestServiceAlertingIsTheDefaultOfEachSLO(t *testing.T) {
	text := strings.Replace(base, "slos:\n", "alerting:\n  runbook_url: https://runbooks/api\n  labels: {team: a}\n  tiers:\n    - {name: fast, severity: page, budget_percent: 2, long_window: 1h, short_window: 5m}\npolicy:\n  fast_burn: {critical: 20}\nslos:\n", 1) +
		"    window: 28d\n    alerting:\n      labels: {team: b, tier: one}\n"
	svcs, errs := Parse("api.yaml", []byte(text))
	if len(errs) > 0 {
		t.Fatalf("unexpected problems:\n%v", errs)
	}
	a := svcs[0].Objectives[0].Alerting
	if a.RunbookURL != "https://runbooks/api" || a.Labels["team"] != "b" || a.Labels["tier"] != "one" {
		t.Errorf("alerting not merged: %+v", a)
	}
	// 2% of a 28-day budget over 1h is 13.44x, not the 30-day 14.4x.
	if len(a.Tiers) != 1 || fmt.Sprintf("%.4f", a.Tiers[0].BurnRate) != "13.4400" {
		t.Errorf("tiers = %+v", a.Tiers)
	}
	if p := svcs[0].Objectives[0].Policy; p.FastBurn.Critical != 20 || p.FastBurn.Warning != 5 {
		t.Errorf("fast burn not merged field by field: %+v", p.FastBurn)
	}
}

func TestARecurringMaintenanceWindowCoversItsSlotsInUTC(t *testing.T) {
	text := base + "    exclusions: [{name: weekly, schedule: '0 2 * * 0', duration: 30m}]\n"
	svcs, errs := Parse("api.yaml", []byte(text))
	if len(errs) > 0 {
		t.Fatalf("unexpected problems:\n%v", errs)
	}
	m := svcs[0].Objectives[0].Exclusions[0]
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC), true}, // a Sunday
		{time.Date(2026, 11, 22, 2, 29, 59, 0, time.UTC), true},
		{time.Date(2026, 11, 22, 2, 30, 0, 0, time.UTC), false},
		{time.Date(2026, 11, 22, 1, 59, 0, 0, time.UTC), false},
		{time.Date(2026, 11, 23, 2, 10, 0, 0, time.UTC), false}, // a Monday
		{time.Date(2026, 11, 22, 3, 10, 0, 0, berlin), true},    // 02:10 UTC
		{time.Date(2026, 11, 22, 2, 10, 0, 0, berlin), false},   // 01:10 UTC
	} {
		if got := m.Covers(c.at); got != c.want {
			t.Errorf("Covers(%v) = %v, want %v", c.at, got, c.want)
		}
	}
}

func TestConvertWritesWhatLoadsBackTheSame(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	more, _ := filepath.Glob("../../examples/*/*.yaml")
	for _, f := range append(files, more...) {
		svcs, errs := Load(f)
		if len(errs.Invalid()) > 0 {
			t.Fatalf("%s: %v", f, errs)
		}
		for _, svc := range svcs {
			out, err := yaml.Marshal(Native(svc))
			if err != nil {
				t.Fatal(err)
			}
			again, errs := Parse(svc.File, out)
			if len(errs.Invalid()) > 0 || len(again) != 1 {
				t.Fatalf("%s: converted form does not load:\n%v\n%s", f, errs, out)
			}
			if d := diff(reflect.ValueOf(*comparable(again[0])), reflect.ValueOf(*comparable(svc)), svc.Name); d != "" {
				t.Errorf("%s: the converted spec loads as another service: %s", f, d)
			}
		}
	}
}

// comparable copies a service with the functions of recurring windows
// left out, which reflect.DeepEqual cannot compare; their schedules stay.
func comparable(svc *slo.Service) *slo.Service {
	c := *svc
	c.Objectives = append([]slo.Objective(nil), svc.Objectives...)
	for i := range c.Objectives {
		o := &c.Objectives[i]
		o.Exclusions = append([]slo.Maintenance(nil), o.Exclusions...)
		for j := range o.Exclusions {
			o.Exclusions[j].Next = nil
		}
	}
	return &c
}

// diff names the first field, down through structs and slices, where got
// and want differ.
func diff(got, want reflect.Value, path string) string {
	switch {
	case got.Kind() == reflect.Struct && got.Type().PkgPath() == reflect.TypeOf(slo.Service{}).PkgPath():
		for i := 0; i < got.NumField(); i++ {
			if d := diff(got.Field(i), want.Field(i), path+"."+got.Type().Field(i).Name); d != "" {
				return d
			}
		}
		return ""
	case got.Kind() == reflect.Slice && got.Len() == want.Len():
		for i := 0; i < got.Len(); i++ {
			if d := diff(got.Index(i), want.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	case !reflect.DeepEqual(got.Interface(), want.Interface()):
		return fmt.Sprintf("%s = %+v, want %+v", path, got.Interface(), want.Interface())
	}
	return ""
}

func TestTheDefaultsAreValidSpecSyntax(t *testing.T) {
	if len(defaults.Alerting.Tiers) != 4 || len(defaults.Policy.Statuses) != 4 {
		t.Fatalf("defaults = %+v", defaults)
	}
	// The seed's tiers for a 30-day window.
	o := defaultsFor(slo.RollingWindow(30*slo.Day), 0.999)
	want := []float64{14.4, 6, 3, 1}
	for i, tier := range o.Alerting.Tiers {
		if fmt.Sprintf("%.6f", tier.BurnRate) != fmt.Sprintf("%.6f", want[i]) {
			t.Errorf("tier %s burn rate %v, want %v", tier.Name, tier.BurnRate, want[i])
		}
	}
}

func TestAliasesOfAliasesCannotExpandWithoutEnd(t *testing.T) {
	// depends_on nests, so each level of aliases multiplies the dependencies
	// by ten: the last one stands for a million.
	var b strings.Builder
	b.WriteString(base + "dependencies:\n  - &d0 {name: d0, availability: 99.9}\n")
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&b, "  - &d%d {name: d%d, availability: 99.9, depends_on: [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*d%d", i-1)
		}
		b.WriteString("]}\n")
	}
	start := time.Now()
	_, errs := Parse("laughs.yaml", []byte(b.String()))
	var found []*Error
	for _, e := range errs {
		if strings.Contains(e.Msg, "expands to more than") {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one expansion error, got %d among:\n%v", len(found), errs)
	}
	// Not a timed assertion: a guard that failed would take minutes here.
	t.Logf("stopped after %v", time.Since(start))
}
