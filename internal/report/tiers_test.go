package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/engine"
)

// customerEval is a customer's evaluation as the engine makes it: its
// tier and the tier's target, and its SLI (nil for no data).
func customerEval(key, customer, tier string, target float64, sli *float64) engine.Evaluation {
	svc, name, _ := strings.Cut(key, "/")
	return engine.Evaluation{Service: svc, SLO: name, Customer: customer, Tier: tier, Target: target, SLI: sli, Time: reportNow}
}

func TestTheTierReportHoldsEachCustomerToItsTiersTarget(t *testing.T) {
	svc := shop()
	// latency measured per customer too, with the objective's target for
	// every tier.
	svc.Objectives[1].SLI.Events.CustomerField = "customer"
	f := newFakeLive(svc)
	// The engine's tiers, not the spec's: globex was moved to free by the
	// mapping the engine reads, though the spec says gold.
	for _, c := range []struct {
		name, tier  string
		target      float64
		avail, late *float64
	}{
		{"acme", "gold", 0.9999, fptr(0.99995), fptr(0.995)},    // meets both
		{"globex", "free", 0.99, fptr(0.995), fptr(0.995)},      // meets 99% as free, though not gold's 99.99%
		{"hooli", "free", 0.99, fptr(0.985), fptr(0.999)},       // violates availability
		{"pied", "silver", 0.999, fptr(0.9995), nil},            // a tier the spec does not list; latency no data
		{"sleepy", "free", 0.99, nil, nil},                      // no data anywhere
		{"umbrella", "gold", 0.9999, fptr(0.9999), fptr(0.985)}, // exactly at target; violates latency
	} {
		f.eval(customerEval("shop/availability", c.name, c.tier, c.target, c.avail))
		f.eval(customerEval("shop/latency", c.name, c.tier, 0.99, c.late))
	}
	// initech is only in the spec (free): no series, so no data.
	r := build(t, f, "tiers", Request{}).(*TierReport)
	if len(r.Services) != 1 {
		t.Fatalf("services = %+v", r.Services)
	}
	s := r.Services[0]
	if s.Customers != 7 || strings.Join(s.SLOs, ",") != "availability,latency" {
		t.Errorf("%d customers over %v, want 7 over availability and latency", s.Customers, s.SLOs)
	}
	got := map[string]string{}
	var order []string
	for _, x := range s.Tiers {
		order = append(order, x.Tier)
		got[x.Tier] = fmt.Sprintf("%d customers: %d meet all, %d violate %v, %d no data; availability %d/%d/%d at %v, latency %d/%d/%d",
			x.Customers, x.MeetingAll, x.Violating, x.Violators, x.NoData,
			x.SLOs[0].Meeting, x.SLOs[0].Violating, x.SLOs[0].NoData, x.SLOs[0].Target,
			x.SLOs[1].Meeting, x.SLOs[1].Violating, x.SLOs[1].NoData)
	}
	if strings.Join(order, ",") != "gold,free,silver" {
		t.Errorf("tiers in order %v, want the spec's then the others", order)
	}
	want := map[string]string{
		"gold":   "2 customers: 1 meet all, 1 violate [umbrella], 0 no data; availability 2/0/0 at 0.9999, latency 1/1/0",
		"free":   "4 customers: 1 meet all, 1 violate [hooli], 2 no data; availability 1/1/2 at 0.99, latency 2/0/2",
		"silver": "1 customers: 1 meet all, 0 violate [], 0 no data; availability 1/0/0 at 0.999, latency 0/0/1",
	}
	for tier, w := range want {
		if got[tier] != w {
			t.Errorf("%s:\n got %s\nwant %s", tier, got[tier], w)
		}
	}
	text := render(t, r, "text")
	for _, w := range []string{"shop: 7 customers over availability, latency", "MEETING ALL", "Violating in free: hooli.", "1/2 meet 99%"} {
		if !strings.Contains(text, w) {
			t.Errorf("text has no %q:\n%s", w, text)
		}
	}
}

func TestATierReportOfAServiceWithoutCustomersIsRefused(t *testing.T) {
	svc := shop()
	svc.Objectives[0].SLI.Events.CustomerField = ""
	f := newFakeLive(svc)
	if _, err := Build(t.Context(), f.source(), "tiers", Request{Service: "shop", Now: reportNow}); !IsParamError(err) {
		t.Errorf("err = %v, want a ParamError", err)
	}
}

func BenchmarkTierReport10kCustomers3SLOs(b *testing.B) {
	svc := shop()
	svc.Objectives = append(svc.Objectives, svc.Objectives[0])
	svc.Objectives[2].Name = "delivery"
	svc.Objectives[1].SLI.Events.CustomerField = "customer"
	f := newFakeLive(svc)
	for i := range 10000 {
		c := fmt.Sprintf("customer-%05d", i)
		for _, o := range svc.Objectives {
			f.eval(customerEval(o.Key(), c, []string{"gold", "free"}[i%2], 0.999, fptr(0.998+float64(i%3)/1000)))
		}
	}
	src := f.source()
	b.ResetTimer()
	for b.Loop() {
		r, err := Build(b.Context(), src, "tiers", Request{Now: reportNow})
		if err != nil || r.(*TierReport).Services[0].Customers != 10003 { // and the spec's three
			b.Fatal(err)
		}
	}
}
