package report

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// SLAReport settles a calendar month (UTC) of every SLA: each service's
// SLI over the month from the counts of its SLA's SLO, met or missed, the
// credit its schedule owes; and the same per customer where the SLO is
// measured per customer. A month in progress is partial, measured to now
// and projected to its end.
type SLAReport struct {
	// Month is the month settled, as 2026-10; From and End bound it, and
	// MeasuredTo is End, or the report's time while the month is running.
	Month      string       `json:"month"`
	From       time.Time    `json:"from"`
	End        time.Time    `json:"end"`
	MeasuredTo time.Time    `json:"measured_to"`
	Partial    bool         `json:"partial"`
	Time       time.Time    `json:"time"`
	Services   []SLAService `json:"services"`
}

// SLAService is one service's SLA over the month.
type SLAService struct {
	Service string `json:"service"`
	// SLO is the objective whose SLI measures the SLA.
	SLO string `json:"slo"`
	// Target is the SLA's target as a ratio: 0.995 for 99.5%.
	Target  float64      `json:"target"`
	Credits []CreditLine `json:"credits"`
	// Overall is the service as a whole: all its customers' events.
	Overall SLAFigures `json:"overall"`
	// PerCustomer is set where the SLO is measured per customer.
	PerCustomer *SLACustomers `json:"per_customer"`
}

// CreditLine is a line of a credit schedule: below this availability (a
// ratio), this percent of the month's bill is credited.
type CreditLine struct {
	Below   float64 `json:"below"`
	Percent float64 `json:"percent"`
}

// SLAFigures are the month's figures of one series. Pointers are nil
// without valid events: no data is neither met nor missed, and owes no
// credit.
type SLAFigures struct {
	Good  float64  `json:"good"`
	Valid float64  `json:"valid"`
	SLI   *float64 `json:"sli"`
	Met   *bool    `json:"met"`
	// CreditPercent is the share of the bill owed, 0 when met.
	CreditPercent *float64 `json:"credit_percent"`
	// DowntimeMinutes is the bad share of events as minutes of the range
	// measured, as the seed counts budgets; AllowedMinutes is what the SLA
	// allows over the whole month.
	DowntimeMinutes *float64 `json:"downtime_minutes"`
	AllowedMinutes  float64  `json:"allowed_minutes"`
	// Projected figures are for the month's end, were the last 24 hours
	// to repeat; nil for a month that is over.
	ProjectedSLI           *float64 `json:"projected_sli"`
	ProjectedMet           *bool    `json:"projected_met"`
	ProjectedCreditPercent *float64 `json:"projected_credit_percent"`
}

// SLACustomers are the customers' figures: how many met the SLA, missed
// it, or had no traffic, and how many are owed each credit.
type SLACustomers struct {
	Count     int               `json:"count"`
	Met       int               `json:"met"`
	Missed    int               `json:"missed"`
	NoData    int               `json:"no_data"`
	Owed      []CreditCount     `json:"owed"`
	Customers []CustomerSLAFigs `json:"customers"`
}

// CreditCount is how many customers are owed one credit percent.
type CreditCount struct {
	Percent   float64 `json:"percent"`
	Customers int     `json:"customers"`
}

// CustomerSLAFigs are one customer's figures over the month.
type CustomerSLAFigs struct {
	Customer string `json:"customer"`
	SLAFigures
}

// month is a calendar month being settled: [from, end), measured to to.
type month struct {
	from, end, to time.Time
	partial       bool
}

// monthOf returns the month starting at first (the month holding now when
// zero), measured up to now; a month that starts after now is refused. At
// a month's first instant nothing is measured yet: no data.
func monthOf(first, now time.Time) (month, error) {
	if first.IsZero() {
		first = time.Date(now.UTC().Year(), now.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	m := month{from: first.UTC(), end: first.UTC().AddDate(0, 1, 0)}
	if m.from.After(now) {
		return month{}, &ParamError{"month", m.from.Format("2006-01"), "has not started yet"}
	}
	m.to = m.end
	if now.Before(m.end) {
		m.to, m.partial = now, true
	}
	return m, nil
}

// settleMonth counts the SLO key over the month per series (the total
// first) and, while the month runs, over the last 24 hours for the
// projection, and settles each series against sla.
func settleMonth(ctx context.Context, d Data, key string, sla *slo.SLA, m month) (overall SLAFigures, customers []CustomerSLAFigs, err error) {
	totals, err := d.Counts(ctx, key, m.from, m.to)
	if err != nil {
		return SLAFigures{}, nil, err
	}
	var day map[string]store.Total
	if m.partial {
		last, err := d.Counts(ctx, key, m.to.Add(-slo.Day), m.to)
		if err != nil {
			return SLAFigures{}, nil, err
		}
		day = make(map[string]store.Total, len(last))
		for _, t := range last {
			day[t.Customer] = t
		}
	}
	settle := func(t store.Total) SLAFigures { return settleFigures(sla, m, t, day) }
	overall = settle(store.Total{})
	customers = make([]CustomerSLAFigs, 0, len(totals))
	for _, t := range totals {
		if t.Customer == "" {
			overall = settle(t)
		} else {
			customers = append(customers, CustomerSLAFigs{Customer: t.Customer, SLAFigures: settle(t)})
		}
	}
	return overall, customers, nil
}

// settleTotal is settleMonth for the objective's total alone, for reports
// that show a service's month and not its customers': it reads one series.
func settleTotal(ctx context.Context, d Data, key string, sla *slo.SLA, m month) (SLAFigures, error) {
	id := slo.Series{Objective: key}
	t, _, err := d.Count(ctx, id, m.from, m.to)
	if err != nil {
		return SLAFigures{}, err
	}
	var day map[string]store.Total
	if m.partial {
		last, _, err := d.Count(ctx, id, m.to.Add(-slo.Day), m.to)
		if err != nil {
			return SLAFigures{}, err
		}
		day = map[string]store.Total{"": last}
	}
	return settleFigures(sla, m, t, day), nil
}

// settleFigures settles one series' month: good over valid against the
// SLA, and, with the last day's counts, the projection to the month's end.
func settleFigures(sla *slo.SLA, m month, t store.Total, day map[string]store.Total) SLAFigures {
	f := SLAFigures{Good: t.Good, Valid: t.Valid, AllowedMinutes: slo.AllowedBad(sla.Target, m.end.Sub(m.from)).Minutes()}
	f.SLI, f.Met, f.CreditPercent = credit(sla, t.Good, t.Valid)
	if f.SLI != nil {
		f.DowntimeMinutes = fptr(slo.Budget{Window: m.to.Sub(m.from), Good: t.Good, Valid: t.Valid}.ConsumedMinutes())
	}
	if day != nil {
		// Counts, not ratios: the rest of the month adds the last day's
		// events once per day left.
		last := day[t.Customer]
		k := float64(m.end.Sub(m.to)) / float64(slo.Day)
		f.ProjectedSLI, f.ProjectedMet, f.ProjectedCreditPercent = credit(sla, t.Good+k*last.Good, t.Valid+k*last.Valid)
	}
	return f
}

// credit is the SLI of good over valid, whether it meets the SLA, and the
// credit owed; all nil without valid events.
func credit(sla *slo.SLA, good, valid float64) (sli *float64, met *bool, percent *float64) {
	if !(valid > 0) {
		return nil, nil, nil
	}
	x := good / valid
	ok, p := sla.Credit(x)
	return &x, &ok, &p
}

func buildSLA(ctx context.Context, src Source, req Request) (Report, error) {
	ps, err := pick(src.Data, req)
	if err != nil {
		return nil, err
	}
	now := req.Now.UTC()
	m, err := monthOf(req.Month, now)
	if err != nil {
		return nil, err
	}
	r := &SLAReport{Month: m.from.Format("2006-01"), From: m.from, End: m.end, MeasuredTo: m.to, Partial: m.partial, Time: now, Services: []SLAService{}}
	for _, group := range byService(ps) {
		svc := group[0].svc
		if svc.SLA == nil {
			continue
		}
		o, ok := svc.Objective(svc.SLA.SLO)
		if !ok || (req.SLO != "" && req.SLO != o.Name) {
			continue
		}
		s, err := slaService(ctx, src.Data, picked{svc: svc, obj: o}, m)
		if err != nil {
			return nil, fmt.Errorf("sla report: %w", err)
		}
		r.Services = append(r.Services, s)
	}
	if len(r.Services) == 0 && (req.Service != "" || req.SLO != "") {
		if req.SLO != "" {
			return nil, &ParamError{"slo", req.SLO, "measures no SLA"}
		}
		return nil, &ParamError{"service", req.Service, "has no SLA"}
	}
	return r, nil
}

// slaService settles one service's SLA over the month.
func slaService(ctx context.Context, d Data, p picked, m month) (SLAService, error) {
	sla := p.svc.SLA
	s := SLAService{Service: p.svc.Name, SLO: p.obj.Name, Target: sla.Target, Credits: []CreditLine{}}
	for _, c := range sla.Credits {
		s.Credits = append(s.Credits, CreditLine{Below: c.Below, Percent: c.Percent})
	}
	sort.Slice(s.Credits, func(i, j int) bool { return s.Credits[i].Below > s.Credits[j].Below })
	overall, measured, err := settleMonth(ctx, d, p.key(), sla, m)
	if err != nil {
		return SLAService{}, err
	}
	s.Overall = overall
	if !perCustomer(p.obj) && len(measured) == 0 {
		return s, nil
	}
	s.PerCustomer = tallyCustomers(sla, m, measured, knownCustomers(d, p))
	return s, nil
}

// knownCustomers are the customers of an objective whether or not they
// sent traffic this month: those with a series, and those the spec assigns.
func knownCustomers(d Data, p picked) []string {
	known := d.Customers(p.key())
	if c := p.svc.Customers; c != nil {
		for name := range c.Assignments {
			known = append(known, name)
		}
	}
	return known
}

// tallyCustomers merges the measured customers with the known ones (no
// data, no credit) and counts them by outcome and credit.
func tallyCustomers(sla *slo.SLA, m month, measured []CustomerSLAFigs, known []string) *SLACustomers {
	seen := make(map[string]bool, len(measured))
	for _, c := range measured {
		seen[c.Customer] = true
	}
	empty := settleFigures(sla, m, store.Total{}, nil)
	for _, name := range known {
		if !seen[name] {
			seen[name] = true
			measured = append(measured, CustomerSLAFigs{Customer: name, SLAFigures: empty})
		}
	}
	sort.Slice(measured, func(i, j int) bool { return measured[i].Customer < measured[j].Customer })
	out := &SLACustomers{Count: len(measured), Owed: []CreditCount{}, Customers: measured}
	owed := map[float64]int{}
	for _, c := range measured {
		switch {
		case c.Met == nil:
			out.NoData++
		case *c.Met:
			out.Met++
		default:
			out.Missed++
		}
		if c.CreditPercent != nil && *c.CreditPercent > 0 {
			owed[*c.CreditPercent]++
		}
	}
	for p, n := range owed {
		out.Owed = append(out.Owed, CreditCount{Percent: p, Customers: n})
	}
	sort.Slice(out.Owed, func(i, j int) bool { return out.Owed[i].Percent > out.Owed[j].Percent })
	return out
}
