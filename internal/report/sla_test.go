package report

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

var (
	october  = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	november = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

func TestTheSLAReportSettlesTheCalendarMonthPerCustomer(t *testing.T) {
	f := newFakeLive(shop())
	f.customers["shop/availability"] = []string{"acme", "globex", "hooli", "initech", "quiet"}
	// The hours either side of October must not count: the last of
	// September and the first of November fail everything.
	for _, c := range []string{"", "acme"} {
		f.add("shop/availability", c, october.Add(-time.Hour), 0, 1000)
		f.add("shop/availability", c, november, 0, 1000)
	}
	monthOfTraffic(f, "", october, november, 1000, 3)      // 99.7%: met
	monthOfTraffic(f, "acme", october, november, 100, 0)   // 100%: met
	monthOfTraffic(f, "globex", october, november, 100, 1) // 99%: missed, 10% (not below 99%)
	monthOfTraffic(f, "hooli", october, november, 100, 2)  // 98%: missed, 25%
	monthOfTraffic(f, "initech", october, november, 0, 0)  // counted hours with no valid events: no data
	// quiet has a series but no counts in October; umbrella nothing at all
	// but is in the spec's assignments (via shop(): acme, globex, initech).
	r := build(t, f, "sla", Request{Month: october, Now: november.Add(3 * time.Hour)}).(*SLAReport)
	if r.Partial || r.Month != "2026-10" || !r.From.Equal(october) || !r.End.Equal(november) || !r.MeasuredTo.Equal(november) {
		t.Fatalf("period: %+v", r)
	}
	if len(r.Services) != 1 {
		t.Fatalf("services = %+v", r.Services)
	}
	s := r.Services[0]
	o := s.Overall
	if o.Valid != 31*24*1000 || math.Abs(*o.SLI-0.997) > 1e-12 || !*o.Met || *o.CreditPercent != 0 {
		t.Errorf("overall = %+v, want 31 days at 99.7%%, met, no credit", o)
	}
	// The bad share as minutes of the month: 0.3% of 44640.
	if math.Abs(*o.DowntimeMinutes-133.92) > 1e-9 || math.Abs(o.AllowedMinutes-223.2) > 1e-9 {
		t.Errorf("downtime %v of %v minutes, want 133.92 of 223.2", *o.DowntimeMinutes, o.AllowedMinutes)
	}
	if o.ProjectedSLI != nil {
		t.Errorf("a month that is over has a projection: %v", *o.ProjectedSLI)
	}
	if s.Credits[0].Below != 0.995 || s.Credits[1].Below != 0.99 {
		t.Errorf("credits not sorted highest first: %+v", s.Credits)
	}
	c := s.PerCustomer
	if c == nil {
		t.Fatal("no per-customer figures for an SLO measured per customer")
	}
	got := map[string]string{}
	for _, x := range c.Customers {
		got[x.Customer] = fmt.Sprintf("%s %s", outcome(x.Met), creditText(x.CreditPercent))
	}
	want := map[string]string{"acme": "met none", "globex": "missed 10%", "hooli": "missed 25%",
		"initech": "no data no data", "quiet": "no data no data"}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q", name, got[name], w)
		}
	}
	if c.Count != 5 || c.Met != 1 || c.Missed != 2 || c.NoData != 2 {
		t.Errorf("tally %d: %d met %d missed %d no data", c.Count, c.Met, c.Missed, c.NoData)
	}
	if len(c.Owed) != 2 || c.Owed[0] != (CreditCount{25, 1}) || c.Owed[1] != (CreditCount{10, 1}) {
		t.Errorf("owed = %+v, want 25%% to 1 and 10%% to 1", c.Owed)
	}
	text := render(t, r, "text")
	for _, w := range []string{"SLA report for 2026-10", "Overall: 99.7%, met, credit none", "Credits owed: 25% to 1 customer, 10% to 1 customer",
		"hooli", "98%", "missed"} {
		if !strings.Contains(text, w) {
			t.Errorf("text has no %q:\n%s", w, text)
		}
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(render(t, r, "json")), &back); err != nil || back["month"] != "2026-10" {
		t.Errorf("json: %v %v", err, back["month"])
	}
}

func TestAMonthInProgressIsPartialAndProjectedFromTheLastDay(t *testing.T) {
	f := newFakeLive(shop())
	now := october.Add(10*slo.Day + 12*time.Hour)
	monthOfTraffic(f, "", october, now.Add(-slo.Day), 1000, 1)
	monthOfTraffic(f, "", now.Add(-slo.Day), now, 1000, 10)
	monthOfTraffic(f, "acme", october, now, 10, 0)
	r := build(t, f, "sla", Request{Now: now}).(*SLAReport)
	if !r.Partial || r.Month != "2026-10" || !r.MeasuredTo.Equal(now) {
		t.Fatalf("period: %+v", r)
	}
	o := r.Services[0].Overall
	// 20.5 days left at the last day's 1%: counts, not ratios.
	wantSoFar := 1 - (9.5*24*1+24*10)/(10.5*24*1000)
	wantProj := 1 - (9.5*24*1+24*10+20.5*24*10)/(31*24*1000)
	if math.Abs(*o.SLI-wantSoFar) > 1e-12 || math.Abs(*o.ProjectedSLI-wantProj) > 1e-12 {
		t.Errorf("so far %v projected %v, want %v and %v", *o.SLI, *o.ProjectedSLI, wantSoFar, wantProj)
	}
	if *o.ProjectedMet || *o.ProjectedCreditPercent != 10 {
		t.Errorf("projected %v: want missed with 10%%, got %v %v", wantProj, *o.ProjectedMet, *o.ProjectedCreditPercent)
	}
	if text := render(t, r, "text"); !strings.Contains(text, "The month is not over") || !strings.Contains(text, "PROJECTED") {
		t.Errorf("text does not say the month is partial:\n%s", text)
	}
}

func TestTheSLAReportRefusesWhatItCannotAnswer(t *testing.T) {
	noSLA := shop()
	noSLA.Name, noSLA.SLA = "blog", nil
	for i := range noSLA.Objectives {
		noSLA.Objectives[i].Service = "blog"
	}
	f := newFakeLive(shop(), noSLA)
	cases := []struct {
		req   Request
		param string
	}{
		{Request{Month: november, Now: october.Add(time.Hour)}, "month"},
		{Request{Service: "nope"}, "service"},
		{Request{Service: "blog"}, "service"},
		{Request{Service: "shop", SLO: "nope"}, "slo"},
		{Request{SLO: "latency"}, "slo"},
	}
	for _, c := range cases {
		if c.req.Now.IsZero() {
			c.req.Now = reportNow
		}
		_, err := Build(context.Background(), f.source(), "sla", c.req)
		pe, ok := err.(*ParamError)
		if !ok || pe.Param != c.param {
			t.Errorf("%+v: %v, want a ParamError on %s", c.req, err, c.param)
		}
	}
	// Every service: the one without an SLA is left out, not an error.
	r := build(t, f, "sla", Request{})
	if n := len(r.(*SLAReport).Services); n != 1 {
		t.Errorf("%d services, want shop only", n)
	}
}

func BenchmarkSLAReport10kCustomers(b *testing.B) {
	f := newFakeLive(shop())
	for i := range 10000 {
		c := fmt.Sprintf("customer-%05d", i)
		f.customers["shop/availability"] = append(f.customers["shop/availability"], c)
		f.add("shop/availability", c, october, 1000-float64(i%20), 1000)
	}
	f.add("shop/availability", "", october, 1e7-1000, 1e7)
	src := f.source()
	b.ResetTimer()
	for b.Loop() {
		r, err := Build(context.Background(), src, "sla", Request{Month: october, Now: november})
		if err != nil || r.(*SLAReport).Services[0].PerCustomer.Count != 10003 { // and the spec's three
			b.Fatal(err)
		}
	}
}
