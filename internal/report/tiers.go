package report

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// TierReport is the seed's compliance report by customer tier: per tier,
// how many customers meet every SLO measured per customer, how many
// violate any, how many have no data; and per SLO how many meet it. Each
// customer is held to its tier's target, as the engine evaluates it now.
type TierReport struct {
	Time     time.Time     `json:"time"`
	Services []TierService `json:"services"`
}

// TierService is one service's customers by tier.
type TierService struct {
	Service string `json:"service"`
	// SLOs are the objectives measured per customer that the report covers.
	SLOs      []string         `json:"slos"`
	Customers int              `json:"customers"`
	Tiers     []TierCompliance `json:"tiers"`
}

// TierCompliance is one tier's customers. A customer meets all SLOs when
// its SLI reaches its tier's target in every SLO where it has traffic (at
// least one); it violates when it falls short in any; it has no data when
// it has traffic in none.
type TierCompliance struct {
	Tier       string    `json:"tier"`
	Customers  int       `json:"customers"`
	MeetingAll int       `json:"meeting_all"`
	Violating  int       `json:"violating"`
	NoData     int       `json:"no_data"`
	SLOs       []TierSLO `json:"slos"`
	// Violators are the customers violating any SLO, sorted.
	Violators []string `json:"violators"`
}

// TierSLO is one SLO's compliance in a tier.
type TierSLO struct {
	SLO string `json:"slo"`
	// Target is the tier's target (a ratio) as the engine applies it.
	Target    float64 `json:"target"`
	Meeting   int     `json:"meeting"`
	Violating int     `json:"violating"`
	NoData    int     `json:"no_data"`
}

// noTier names the tier of customers of a service without a customers
// block: they are all held to the objective's own target.
const noTier = "none"

func buildTiers(_ context.Context, src Source, req Request) (Report, error) {
	ps, err := pick(src.Data, req)
	if err != nil {
		return nil, err
	}
	r := &TierReport{Time: req.Now.UTC(), Services: []TierService{}}
	for _, group := range byService(ps) {
		var objs []picked
		for _, p := range group {
			if perCustomer(p.obj) || len(src.Data.Customers(p.key())) > 0 {
				objs = append(objs, p)
			}
		}
		if len(objs) > 0 {
			r.Services = append(r.Services, tierService(src.Data, objs))
		}
	}
	if len(r.Services) == 0 && (req.Service != "" || req.SLO != "") {
		if req.SLO != "" {
			return nil, &ParamError{"slo", req.SLO, "is not measured per customer"}
		}
		return nil, &ParamError{"service", req.Service, "has no SLO measured per customer"}
	}
	return r, nil
}

// tierService evaluates every customer of a service against its tier in
// each objective.
func tierService(d Data, objs []picked) TierService {
	svc := objs[0].svc
	s := TierService{Service: svc.Name}
	names := map[string]bool{}
	for _, p := range objs {
		s.SLOs = append(s.SLOs, p.obj.Name)
		for _, c := range d.Customers(p.key()) {
			names[c] = true
		}
	}
	if svc.Customers != nil {
		for c := range svc.Customers.Assignments {
			names[c] = true
		}
	}
	s.Customers = len(names)
	tiers := map[string]*TierCompliance{}
	tierOf := func(name string) *TierCompliance {
		t, ok := tiers[name]
		if !ok {
			t = &TierCompliance{Tier: name, Violators: []string{}}
			for _, p := range objs {
				t.SLOs = append(t.SLOs, TierSLO{SLO: p.obj.Name, Target: specTarget(p.obj, name)})
			}
			tiers[name] = t
		}
		return t
	}
	results := make([]int, len(objs)) // per objective: 1 meets, -1 violates, 0 no data
	for c := range names {
		tier := ""
		for i, p := range objs {
			results[i] = 0
			ev, ok := d.Evaluation(slo.Series{Objective: p.key(), Customer: c})
			if !ok {
				continue
			}
			if tier == "" {
				tier = ev.Tier
			}
			if ev.SLI != nil {
				results[i] = 1
				if *ev.SLI < ev.Target {
					results[i] = -1
				}
			}
			tierOf(orNoTier(ev.Tier)).SLOs[i].Target = ev.Target
		}
		if tier == "" && svc.Customers != nil {
			tier = svc.Customers.Tier(c) // no series yet: the spec's word
		}
		t := tierOf(orNoTier(tier))
		t.Customers++
		measured, violated := false, false
		for i, res := range results {
			switch res {
			case 1:
				t.SLOs[i].Meeting++
				measured = true
			case -1:
				t.SLOs[i].Violating++
				measured, violated = true, true
			default:
				t.SLOs[i].NoData++
			}
		}
		switch {
		case violated:
			t.Violating++
			t.Violators = append(t.Violators, c)
		case measured:
			t.MeetingAll++
		default:
			t.NoData++
		}
	}
	for _, name := range tierNames(svc.Customers, tiers) {
		t := tierOf(name)
		sort.Strings(t.Violators)
		s.Tiers = append(s.Tiers, *t)
	}
	return s
}

// specTarget is the target the spec sets for a tier, shown for a tier
// whose customers have no evaluation to read it from.
func specTarget(o *slo.Objective, tier string) float64 {
	if t, ok := o.TierTargets[tier]; ok {
		return t.Target
	}
	return o.Target
}

func orNoTier(t string) string {
	if t == "" {
		return noTier
	}
	return t
}

// tierNames are the spec's tiers in its order, then any other tier seen.
func tierNames(c *slo.Customers, seen map[string]*TierCompliance) []string {
	var out []string
	listed := map[string]bool{}
	if c != nil {
		for _, t := range c.Tiers {
			out = append(out, t)
			listed[t] = true
		}
	}
	var rest []string
	for t := range seen {
		if !listed[t] {
			rest = append(rest, t)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// tierListViolators is how many violators text and Markdown name per tier.
const tierListViolators = 10

// Text writes the tier report for a terminal.
func (r *TierReport) Text(w io.Writer) error { return r.write(w, false) }

// Markdown writes the tier report as Markdown.
func (r *TierReport) Markdown(w io.Writer) error { return r.write(w, true) }

func (r *TierReport) write(w io.Writer, md bool) error {
	b := &strings.Builder{}
	heading(b, md, "Compliance by customer tier", r.Time)
	if len(r.Services) == 0 {
		b.WriteString("No SLO is measured per customer.\n")
	}
	for _, s := range r.Services {
		head := fmt.Sprintf("%s: %s over %s", s.Service, plural(s.Customers, "customer"), strings.Join(s.SLOs, ", "))
		if md {
			fmt.Fprintf(b, "## %s\n\n", head)
		} else {
			fmt.Fprintf(b, "%s\n\n", head)
		}
		cols := []string{"TIER", "CUSTOMERS", "MEETING ALL", "VIOLATING ANY", "NO DATA"}
		for _, o := range s.SLOs {
			cols = append(cols, strings.ToUpper(o))
		}
		g := newGrid(cols...)
		for _, t := range s.Tiers {
			row := []string{t.Tier, fmt.Sprint(t.Customers), fmt.Sprint(t.MeetingAll), fmt.Sprint(t.Violating), fmt.Sprint(t.NoData)}
			for _, o := range t.SLOs {
				row = append(row, fmt.Sprintf("%d/%d meet %s", o.Meeting, o.Meeting+o.Violating, targetPercent(o.Target)))
			}
			g.add(row...)
		}
		table(b, md, g, "  ")
		b.WriteString("\n")
		bullet := "  "
		if md {
			bullet = "- "
		}
		for _, t := range s.Tiers {
			if len(t.Violators) == 0 {
				continue
			}
			names := t.Violators
			more := ""
			if len(names) > tierListViolators {
				names, more = names[:tierListViolators], fmt.Sprintf(" and %d more", len(t.Violators)-tierListViolators)
			}
			fmt.Fprintf(b, "%sViolating in %s: %s%s.\n", bullet, t.Tier, strings.Join(names, ", "), more)
		}
		b.WriteString("\n")
	}
	return flush(w, b)
}
