package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/spec"
)

// testSpec has one SLO on the default policy and one on a custom policy
// that leaves out warning: healthy above 25%, critical above 5%, then
// exhausted, with the default fast-burn rates (5x warning, 10x critical).
const testSpec = `apiVersion: slo/v1
service: shop
slos:
  - name: checkout
    objective: 99.9
    sli:
      events: {stream: api, good: {status: ["2xx"]}}
  - name: search
    objective: 99
    sli:
      events: {stream: api, good: {status: ["2xx"]}}
    policy:
      statuses:
        - status: healthy
          above: 25
          feature_development: true
          risky_deployments: true
          experiments: true
          deployment_approval: anyone
          message: Ship.
        - status: critical
          above: 5
          feature_development: true
          risky_deployments: false
          deployment_approval: team_lead
          message: Careful.
        - status: exhausted
          deployment_approval: vp
          message: Stop.
`

// policies returns the default and the custom policy, decoded by the spec
// package as slo serve decodes them.
func policies(t *testing.T) (def, custom *slo.Policy) {
	t.Helper()
	svcs, errs := spec.Parse("shop.yaml", []byte(testSpec))
	if bad := errs.Invalid(); len(bad) > 0 {
		t.Fatal(bad)
	}
	return &svcs[0].Objectives[0].Policy, &svcs[0].Objectives[1].Policy
}

var at = time.Date(2026, 10, 15, 12, 0, 0, 0, time.UTC)

// evaluation is what the engine would evaluate with remaining budget (a
// ratio) and a 1h burn rate: the status is the policy's, as the engine
// works it out.
func evaluation(p *slo.Policy, remaining, burn1h float64) engine.Evaluation {
	sli := 0.9995
	exh := at.Add(48 * time.Hour)
	return engine.Evaluation{
		Service: "shop", SLO: "checkout", Time: at, Target: 0.999, Window: "30d", SLI: &sli,
		Valid: 1e6, Good: 1e6 - 1000*(1-remaining),
		Budget: engine.Budget{TotalMinutes: 43.2, RemainingMinutes: 43.2 * remaining, RemainingRatio: remaining,
			ConsumedRatio: 1 - remaining, AllowedEvents: 1000, RemainingEvents: 1000 * remaining},
		BurnRate1h: &burn1h, Exhaustion: &exh,
		Status: p.Status(remaining, burn1h).String(),
	}
}

func TestTheDefaultPolicy(t *testing.T) {
	def, _ := policies(t)
	for _, c := range []struct {
		name            string
		remaining, burn float64
		status          string
		low, high       Outcome
		fastBurn        bool
		approval        string
	}{
		{"a healthy budget allows deploys of both risks", 0.8, 0.5, "healthy", Allowed, Allowed, false, "team_lead"},
		{"exactly half the budget left is a warning, which stops risky deployments", 0.5, 0, "warning", Allowed, Blocked, false, "team_lead"},
		{"a warning budget still allows feature development", 0.3, 1, "warning", Allowed, Blocked, false, "team_lead"},
		{"exactly a fifth left is critical, which stops every deploy", 0.2, 0, "critical", Blocked, Blocked, false, "engineering_manager"},
		{"a critical budget stops every deploy", 0.05, 0, "critical", Blocked, Blocked, false, "engineering_manager"},
		{"a budget spent to zero is exhausted", 0, 0, "exhausted", Blocked, Blocked, false, "director"},
		{"an overspent budget is exhausted", -0.4, 0, "exhausted", Blocked, Blocked, false, "director"},
		{"a 6x burn makes a healthy budget a warning and stops risky deployments", 0.9, 6, "warning", Allowed, Blocked, true, "team_lead"},
		{"a 12x burn makes a healthy budget critical and stops every deploy", 0.9, 12, "critical", Blocked, Blocked, true, "engineering_manager"},
		{"a fast burn never makes an exhausted budget better", -0.1, 12, "exhausted", Blocked, Blocked, false, "director"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(def, evaluation(def, c.remaining, c.burn))
			if d.Status != c.status || d.LowRisk != c.low || d.HighRisk != c.high || d.FastBurn != c.fastBurn {
				t.Fatalf("status %s, low %s, high %s, fast burn %v; want %s, %s, %s, %v",
					d.Status, d.LowRisk, d.HighRisk, d.FastBurn, c.status, c.low, c.high, c.fastBurn)
			}
			if d.Actions == nil || d.Actions.Rule != c.status || d.Actions.DeploymentApproval != c.approval {
				t.Fatalf("actions %+v, want the %s rule with approval %s", d.Actions, c.status, c.approval)
			}
			if got := *d.Budget.RemainingPercent; got != 100*c.remaining {
				t.Errorf("remaining %v%%, want %v%%", got, 100*c.remaining)
			}
		})
	}
}

func TestTheDefaultPolicyCarriesTheSeedsActions(t *testing.T) {
	def, _ := policies(t)
	want := map[string]Actions{
		"healthy":   {Rule: "healthy", FeatureDevelopment: true, RiskyDeployments: true, Experiments: true, OnCallEscalation: "normal", DeploymentApproval: "team_lead", RollbackThreshold: "5xx_rate > 5%", Message: "Budget healthy. Ship features."},
		"warning":   {Rule: "warning", FeatureDevelopment: true, Experiments: true, OnCallEscalation: "normal", DeploymentApproval: "team_lead", RollbackThreshold: "5xx_rate > 2%", Message: "Budget warning. Exercise caution with deployments."},
		"critical":  {Rule: "critical", OnCallEscalation: "heightened", DeploymentApproval: "engineering_manager", RollbackThreshold: "5xx_rate > 1%", Message: "Budget critical. Focus on reliability only."},
		"exhausted": {Rule: "exhausted", OnCallEscalation: "incident_mode", DeploymentApproval: "director", RollbackThreshold: "any_degradation", Message: "Budget exhausted. Full reliability focus until recovered."},
	}
	for remaining, status := range map[float64]string{0.9: "healthy", 0.4: "warning", 0.1: "critical", -1: "exhausted"} {
		d := Decide(def, evaluation(def, remaining, 0))
		if *d.Actions != want[status] {
			t.Errorf("%s: actions %+v, want %+v", status, *d.Actions, want[status])
		}
	}
}

func TestACustomPolicy(t *testing.T) {
	_, custom := policies(t)
	for _, c := range []struct {
		name            string
		remaining, burn float64
		status, rule    string
		low, high       Outcome
	}{
		{"its own threshold keeps 30% left healthy", 0.3, 0, "healthy", "healthy", Allowed, Allowed},
		{"below its healthy threshold comes its critical, which still allows features", 0.2, 0, "critical", "critical", Allowed, Blocked},
		{"below 5% it is exhausted and allows nothing", 0.04, 0, "exhausted", "exhausted", Blocked, Blocked},
		{"a fast burn into the warning it leaves out takes its critical rule", 0.9, 6, "warning", "critical", Allowed, Blocked},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(custom, evaluation(custom, c.remaining, c.burn))
			if d.Status != c.status || d.Actions.Rule != c.rule || d.LowRisk != c.low || d.HighRisk != c.high {
				t.Fatalf("status %s under rule %s, low %s, high %s; want %s under %s, %s, %s",
					d.Status, d.Actions.Rule, d.LowRisk, d.HighRisk, c.status, c.rule, c.low, c.high)
			}
		})
	}
	d := Decide(custom, evaluation(custom, 0.9, 6))
	if r := d.Deploy(High).Reason; !strings.Contains(r, "under its critical rule, having none for warning") {
		t.Errorf("reason %q does not say which rule applies", r)
	}
}

func TestAPolicyWithoutRulesAllowsNothing(t *testing.T) {
	var none slo.Policy
	d := Decide(&none, evaluation(&none, 0.99, 0))
	if d.Status != "exhausted" || d.LowRisk != Blocked || d.Actions.Rule != "none" {
		t.Errorf("a policy without rules: %s, low %s, rule %s; want exhausted, blocked, none", d.Status, d.LowRisk, d.Actions.Rule)
	}
}

func TestWhatCannotBeMeasuredCannotTell(t *testing.T) {
	def, _ := policies(t)
	noData := engine.Evaluation{Service: "shop", SLO: "checkout", Window: "30d", Status: "no_data",
		Budget: engine.Budget{TotalMinutes: 43.2, RemainingMinutes: 43.2, RemainingRatio: 1}}
	down := evaluation(def, 0.9, 0)
	down.SLI, down.Status = nil, "no_data"
	down.SourceDown = &engine.SourceDown{Since: at.Add(-time.Hour), Error: "connection refused"}
	for _, c := range []struct {
		name string
		ev   engine.Evaluation
		why  string
	}{
		{"no valid events in the window", noData, "no valid events in its 30d window"},
		{"a source that is down", down, "source has been down since 2026-10-15T11:00:00Z (connection refused)"},
		{"an SLO not evaluated yet", engine.Evaluation{Service: "shop", SLO: "checkout"}, "not evaluated yet"},
		{"a status the policy does not know", engine.Evaluation{Service: "shop", SLO: "checkout", Status: "great"}, `status "great"`},
	} {
		t.Run(c.name+" cannot tell", func(t *testing.T) {
			d := Decide(def, c.ev)
			if d.LowRisk != Unknown || d.HighRisk != Unknown || d.Actions != nil {
				t.Fatalf("low %s, high %s, actions %v; want unknown, unknown, none", d.LowRisk, d.HighRisk, d.Actions)
			}
			if d.Budget.RemainingPercent != nil || d.Budget.RemainingMinutes != nil {
				t.Errorf("figures without data: %+v", d.Budget)
			}
			if r := d.Deploy(Low).Reason; !strings.Contains(r, c.why) || !strings.HasPrefix(r, "Cannot tell") {
				t.Errorf("reason %q does not say %q", r, c.why)
			}
		})
	}
}

func TestTheReasonGivesTheFiguresItRestsOn(t *testing.T) {
	def, _ := policies(t)
	for _, c := range []struct {
		name            string
		remaining, burn float64
		risk            Risk
		want            string
	}{
		{"an allowed deploy says what is left and what the policy allows", 0.948, 0, Low,
			"A low-risk deploy is allowed: shop/checkout is healthy, with 94.8% of its error budget left (41 of 43.2 minutes), and its policy allows feature development while healthy."},
		{"a warning blocks a high-risk deploy for risky deployments", 0.35, 0, High,
			"A high-risk deploy is blocked: shop/checkout is warning, with 35% of its error budget left (15.1 of 43.2 minutes), and its policy stops risky deployments while warning."},
		{"an exhausted budget shows as overspent", -0.25, 0, Low,
			"A low-risk deploy is blocked: shop/checkout is exhausted, with -25% of its error budget left (-10.8 of 43.2 minutes), and its policy stops feature development while exhausted."},
		{"a fast burn names the burn rate", 0.9, 12, High,
			"A high-risk deploy is blocked: shop/checkout is critical, burning its error budget at 12x over the last hour with 90% of its error budget left (38.9 of 43.2 minutes), and its policy stops feature development while critical."},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Decide(def, evaluation(def, c.remaining, c.burn)).Deploy(c.risk).Reason; got != c.want {
				t.Errorf("reason\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestRisksAreLowOrHigh(t *testing.T) {
	for in, want := range map[string]Risk{"": Low, "low": Low, "high": High} {
		if got, err := ParseRisk(in); err != nil || got != want {
			t.Errorf("ParseRisk(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseRisk("medium"); err == nil || !strings.Contains(err.Error(), `"medium"`) {
		t.Errorf("ParseRisk(medium) = %v, want an error naming it", err)
	}
}
