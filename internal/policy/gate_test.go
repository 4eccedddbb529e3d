package policy

import (
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/engine"
)

func TestTheGateOverAService(t *testing.T) {
	def, _ := policies(t)
	named := func(name string, ev engine.Evaluation) Decision {
		ev.SLO = name
		return Decide(def, ev)
	}
	healthy := named("checkout", evaluation(def, 0.9, 0))
	lower := named("search", evaluation(def, 0.6, 0))
	warning := named("payment", evaluation(def, 0.3, 0))
	exhausted := named("login", evaluation(def, -0.1, 0))
	noData := named("export", engine.Evaluation{Service: "shop", Window: "30d", Status: "no_data"})
	for _, c := range []struct {
		name   string
		risk   Risk
		ds     []Decision
		want   Outcome
		reason string
	}{
		{"every SLO allowing allows, naming the least budget left", Low, []Decision{healthy, lower, warning}, Allowed,
			"A low-risk deploy of shop is allowed: all 3 SLOs allow feature development, and the least budget left is payment's, 30%."},
		{"one SLO blocking blocks, with its own reason", High, []Decision{healthy, warning, lower}, Blocked,
			"A high-risk deploy is blocked: shop/payment is warning"},
		{"a block wins over an SLO that cannot tell", Low, []Decision{noData, healthy, exhausted}, Blocked,
			"A low-risk deploy is blocked: shop/login is exhausted"},
		{"several blocking SLOs are all named", High, []Decision{warning, healthy, exhausted}, Blocked,
			"A high-risk deploy of shop is blocked by 2 SLOs: payment (warning, 30% of the budget left), login (exhausted, -10% of the budget left)."},
		{"an SLO that cannot tell, with none blocking, cannot tell", Low, []Decision{healthy, noData}, Unknown,
			"Cannot tell whether a low-risk deploy may go ahead for shop/export: it has no valid events in its 30d window."},
		{"a service without SLOs cannot tell", Low, nil, Unknown,
			"Cannot tell whether a low-risk deploy of shop may go ahead: it has no SLOs."},
		{"one SLO asked for answers with its own reason", Low, []Decision{lower}, Allowed,
			"A low-risk deploy is allowed: shop/search is healthy, with 60%"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Gate("shop", c.risk, c.ds)
			if r.Outcome != c.want || !strings.HasPrefix(r.Reason, c.reason) {
				t.Errorf("%s: %s\nwant %s: %s...", r.Outcome, r.Reason, c.want, c.reason)
			}
			if len(r.SLOs) != len(c.ds) || r.Risk != c.risk {
				t.Errorf("%d verdicts at risk %s, want %d at %s", len(r.SLOs), r.Risk, len(c.ds), c.risk)
			}
			for i, v := range r.SLOs {
				if v.SLO != c.ds[i].SLO || v.Outcome != c.ds[i].Deploy(c.risk).Outcome {
					t.Errorf("verdict %d: %s %s, out of order or not the decision's", i, v.SLO, v.Outcome)
				}
			}
		})
	}
}
