package report

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/policy"
)

// The seed's four audiences read the same evaluations: engineers the
// figures, product owners the headroom, executives a colour per service,
// customers whether it works. This file holds the engineer's and the
// product owner's; audience_status.go the executive's and the customer's.

// EngineerReport is the engineer's report: per SLO the figures of the
// dashboard, the engine's own, as GET /api/v1/slos gives them.
type EngineerReport struct {
	Time time.Time     `json:"time"`
	SLOs []EngineerSLO `json:"slos"`
}

// EngineerSLO is one objective's figures now. Ratios are as in the API:
// 0.999 for 99.9%. Pointers are nil without data.
type EngineerSLO struct {
	Service     string    `json:"service"`
	SLO         string    `json:"slo"`
	Target      float64   `json:"target"`
	Window      string    `json:"window"`
	Good        float64   `json:"good"`
	Valid       float64   `json:"valid"`
	SLI         *float64  `json:"sli"`
	Status      string    `json:"status"`
	StatusSince time.Time `json:"status_since"`
	// SourceDown says why the objective has no data while its source
	// cannot be read.
	SourceDown  string     `json:"source_down,omitempty"`
	Budget      BudgetLeft `json:"budget"`
	BurnRate1h  *float64   `json:"burn_rate_1h"`
	BurnRate6h  *float64   `json:"burn_rate_6h"`
	BurnRate24h *float64   `json:"burn_rate_24h"`
	Trend       string     `json:"trend"`
	// Exhaustion is when the budget runs out at the 24h burn rate; nil
	// when it does not.
	Exhaustion *time.Time `json:"exhaustion"`
	// Firing are the alerts firing now.
	Firing []FiringAlert `json:"firing"`
	// Actions are what the budget policy allows at the status; nil
	// without data.
	Actions *policy.Actions `json:"actions"`
	// Summary says it in the seed's words.
	Summary string `json:"summary"`
}

// BudgetLeft is the error budget left over the SLO window, nil without data.
type BudgetLeft struct {
	RemainingRatio   *float64 `json:"remaining_ratio"`
	RemainingMinutes *float64 `json:"remaining_minutes"`
	TotalMinutes     float64  `json:"total_minutes"`
	RemainingEvents  *float64 `json:"remaining_events"`
	AllowedEvents    *float64 `json:"allowed_events"`
}

func buildEngineer(ctx context.Context, src Source, req Request) (Report, error) {
	ps, err := pick(src.Data, req)
	if err != nil {
		return nil, err
	}
	r := &EngineerReport{Time: req.Now.UTC(), SLOs: []EngineerSLO{}}
	for _, p := range ps {
		ev := evaluation(src.Data, p)
		firing, err := firingAlerts(ctx, src.Records, p, req.Now)
		if err != nil {
			return nil, fmt.Errorf("engineer report: %w", err)
		}
		s := EngineerSLO{
			Service: ev.Service, SLO: ev.SLO, Target: ev.Target, Window: ev.Window, Good: ev.Good, Valid: ev.Valid,
			SLI: ev.SLI, Status: ev.Status, StatusSince: ev.StatusSince,
			Budget:     budgetLeft(ev),
			BurnRate1h: ev.BurnRate1h, BurnRate6h: ev.BurnRate6h, BurnRate24h: ev.BurnRate24h,
			Trend: ev.Trend, Exhaustion: ev.Exhaustion, Firing: firing,
			Actions: policy.Decide(&p.obj.Policy, ev).Actions,
		}
		if ev.SourceDown != nil {
			s.SourceDown = fmt.Sprintf("since %s: %s", stamp(ev.SourceDown.Since), ev.SourceDown.Error)
		}
		s.Summary = engineerSentence(s)
		r.SLOs = append(r.SLOs, s)
	}
	return r, nil
}

func budgetLeft(ev engine.Evaluation) BudgetLeft {
	b := BudgetLeft{TotalMinutes: ev.Budget.TotalMinutes}
	if ev.SLI != nil {
		b.RemainingRatio, b.RemainingMinutes = fptr(ev.Budget.RemainingRatio), fptr(ev.Budget.RemainingMinutes)
		b.RemainingEvents, b.AllowedEvents = fptr(ev.Budget.RemainingEvents), fptr(ev.Budget.AllowedEvents)
	}
	return b
}

// engineerSentence is the seed's "Our p99 latency SLI is currently 185ms
// against a 200ms target. Error budget is at 62%. Burn rate is 0.8x."
func engineerSentence(s EngineerSLO) string {
	if s.SLI == nil {
		why := "no valid events in its " + s.Window + " window"
		if s.SourceDown != "" {
			why = "its source is down " + s.SourceDown
		}
		return fmt.Sprintf("Our %s SLI has no data: %s.", s.SLO, why)
	}
	out := fmt.Sprintf("Our %s SLI is currently %s against a %s target. Error budget is at %s.",
		s.SLO, ratioPercent(s.SLI), targetPercent(s.Target), sharePercent(s.Budget.RemainingRatio))
	if s.BurnRate1h != nil {
		out += fmt.Sprintf(" Burn rate is %s.", burnText(s.BurnRate1h))
	} else {
		out += " Burn rate has no data: no valid events in the last hour."
	}
	return out
}

// Text writes the engineer's report for a terminal.
func (r *EngineerReport) Text(w io.Writer) error { return r.write(w, false) }

// Markdown writes the engineer's report as Markdown.
func (r *EngineerReport) Markdown(w io.Writer) error { return r.write(w, true) }

func (r *EngineerReport) write(w io.Writer, md bool) error {
	b := &strings.Builder{}
	heading(b, md, "Engineering report", r.Time)
	g := newGrid("SLO", "SLI", "TARGET", "BUDGET LEFT", "MINUTES LEFT", "BURN 1H", "BURN 6H", "BURN 24H", "STATUS", "TREND", "EXHAUSTION", "FIRING")
	for _, s := range r.SLOs {
		firing := make([]string, len(s.Firing))
		for i, f := range s.Firing {
			firing[i] = f.Rule + " (" + f.Severity + ")"
		}
		exhaustion := "none"
		switch {
		case s.SLI == nil:
			exhaustion = noData
		case *s.Budget.RemainingRatio <= 0:
			exhaustion = "spent"
		case s.Exhaustion != nil:
			exhaustion = stamp(*s.Exhaustion)
		}
		minutes := noData
		if s.Budget.RemainingMinutes != nil {
			minutes = minutesText(s.Budget.RemainingMinutes) + " of " + trim(s.Budget.TotalMinutes)
		}
		g.add(s.Service+"/"+s.SLO, ratioPercent(s.SLI), targetPercent(s.Target), sharePercent(s.Budget.RemainingRatio), minutes,
			burnText(s.BurnRate1h), burnText(s.BurnRate6h), burnText(s.BurnRate24h), s.Status, s.Trend, exhaustion, orDash(strings.Join(firing, ", ")))
	}
	table(b, md, g, "")
	for _, s := range r.SLOs {
		if md {
			fmt.Fprintf(b, "\n**%s/%s** (%s): %s", s.Service, s.SLO, s.Status, s.Summary)
		} else {
			fmt.Fprintf(b, "\n%s/%s (%s)\n  %s", s.Service, s.SLO, s.Status, s.Summary)
		}
		if s.Budget.RemainingEvents != nil {
			fmt.Fprintf(b, " %s of %s bad events the budget allows are left.", trim(*s.Budget.RemainingEvents), trim(*s.Budget.AllowedEvents))
		}
		if s.Actions != nil && s.Actions.Message != "" {
			fmt.Fprintf(b, " Policy (%s): %s", s.Actions.Rule, s.Actions.Message)
		}
		b.WriteString("\n")
	}
	return flush(w, b)
}

// heading writes a report's title and time.
func heading(b *strings.Builder, md bool, title string, at time.Time) {
	if md {
		fmt.Fprintf(b, "# %s\n\nAt %s.\n\n", title, stamp(at))
		return
	}
	fmt.Fprintf(b, "%s at %s\n\n", title, stamp(at))
}

// ProductReport is the product owner's report: per service and SLO, how
// many days of budget are left at the current pace, and how risky the next
// launch is.
type ProductReport struct {
	Time     time.Time        `json:"time"`
	Services []ProductService `json:"services"`
}

// ProductService is a service's launch risk, the worst of its SLOs'.
type ProductService struct {
	Service    string       `json:"service"`
	LaunchRisk string       `json:"launch_risk"`
	Reason     string       `json:"reason"`
	SLOs       []ProductSLO `json:"slos"`
}

// ProductSLO is one objective's headroom and launch risk.
type ProductSLO struct {
	SLO                  string   `json:"slo"`
	Status               string   `json:"status"`
	BudgetRemainingRatio *float64 `json:"budget_remaining_ratio"`
	BurnRate24h          *float64 `json:"burn_rate_24h"`
	// HeadroomDays is the budget left over the daily spend at the 24h burn
	// rate; nil when nothing is being spent (unlimited) or without data.
	HeadroomDays *float64 `json:"headroom_days"`
	// Headroom says it in words: "about 2 days", "unlimited".
	Headroom string `json:"headroom"`
	// LaunchRisk is low, medium, high, or unknown without data.
	LaunchRisk string `json:"launch_risk"`
	Reason     string `json:"reason"`
	// Sentence is the whole in plain words.
	Sentence string `json:"sentence"`
}

// The headroom under which the next launch is a high or a medium risk:
// a launch that goes wrong can spend days of budget in hours.
const (
	highRiskDays   = 3
	mediumRiskDays = 14
)

// riskRank orders launch risks from least to most worrying: not knowing is
// worse than low, since nobody can vouch for an SLO nobody measures.
var riskRank = map[string]int{"low": 0, "unknown": 1, "medium": 2, "high": 3}

func buildProduct(_ context.Context, src Source, req Request) (Report, error) {
	ps, err := pick(src.Data, req)
	if err != nil {
		return nil, err
	}
	r := &ProductReport{Time: req.Now.UTC(), Services: []ProductService{}}
	for _, group := range byService(ps) {
		s := ProductService{Service: group[0].svc.Name, LaunchRisk: "low"}
		for _, p := range group {
			x := productSLO(evaluation(src.Data, p))
			if len(s.SLOs) == 0 || riskRank[x.LaunchRisk] > riskRank[s.LaunchRisk] {
				s.LaunchRisk, s.Reason = x.LaunchRisk, x.SLO+": "+x.Reason
			}
			s.SLOs = append(s.SLOs, x)
		}
		r.Services = append(r.Services, s)
	}
	return r, nil
}

// productSLO works out the headroom and the launch risk from the engine's
// evaluation: budget left / (24h burn rate x the budget a day of the
// window holds).
func productSLO(ev engine.Evaluation) ProductSLO {
	x := ProductSLO{SLO: ev.SLO, Status: ev.Status, BurnRate24h: ev.BurnRate24h}
	if ev.SLI == nil {
		x.Headroom, x.LaunchRisk = noData, "unknown"
		x.Reason = "we can't tell: no traffic has been measured in the " + ev.Window + " window"
		x.Sentence = fmt.Sprintf("We can't tell how much buffer %s has: no traffic has been measured.", ev.SLO)
		return x
	}
	left := ev.Budget.RemainingRatio
	x.BudgetRemainingRatio = &left
	windowDays := float64(ev.WindowEnd.Sub(ev.WindowStart)) / float64(24*time.Hour)
	var days float64
	switch {
	case left <= 0:
		x.HeadroomDays, x.Headroom = fptr(0), "none: the budget is spent"
	case ev.BurnRate24h == nil || *ev.BurnRate24h <= 0 || windowDays <= 0:
		x.Headroom = "unlimited: nothing is being spent"
	default:
		days = left * windowDays / *ev.BurnRate24h
		x.HeadroomDays, x.Headroom = &days, aboutDays(days)
	}
	switch {
	case ev.Status == "exhausted" || left <= 0:
		x.LaunchRisk, x.Reason = "high", "the error budget is spent, so the policy holds risky changes until it recovers"
	case ev.Status == "critical":
		x.LaunchRisk, x.Reason = "high", "the error budget is nearly spent"
	case x.HeadroomDays != nil && days < highRiskDays:
		x.LaunchRisk, x.Reason = "high", "at the current pace the budget runs out in "+x.Headroom
	case ev.Status == "warning":
		x.LaunchRisk, x.Reason = "medium", "the error budget is getting low"
	case x.HeadroomDays != nil && days < mediumRiskDays:
		x.LaunchRisk, x.Reason = "medium", "at the current pace the budget runs out in "+x.Headroom
	case ev.Status == "healthy" && x.HeadroomDays == nil:
		x.LaunchRisk, x.Reason = "low", "the service is healthy and not spending its budget"
	case ev.Status == "healthy":
		x.LaunchRisk, x.Reason = "low", "the service is healthy with "+x.Headroom+" of buffer"
	default:
		x.LaunchRisk, x.Reason = "unknown", "its status is "+ev.Status
	}
	buffer := "we have " + x.Headroom + " of buffer"
	switch {
	case left <= 0:
		buffer = "we have no buffer left: the budget is spent"
	case x.HeadroomDays == nil:
		buffer = "we are not spending budget at the moment, so the buffer is not shrinking"
	}
	x.Sentence = fmt.Sprintf("For %s, %s. Launch risk is %s: %s.", ev.SLO, buffer, x.LaunchRisk, x.Reason)
	return x
}

// aboutDays writes a headroom in days as people say it.
func aboutDays(days float64) string {
	switch {
	case days < 1.0/24:
		return "less than an hour"
	case days < 1:
		return "about " + plural(int(days*24+0.5), "hour")
	case days > 365:
		return "more than a year"
	}
	return "about " + plural(int(days+0.5), "day")
}

// Text writes the product report for a terminal.
func (r *ProductReport) Text(w io.Writer) error { return r.write(w, false) }

// Markdown writes the product report as Markdown.
func (r *ProductReport) Markdown(w io.Writer) error { return r.write(w, true) }

func (r *ProductReport) write(w io.Writer, md bool) error {
	b := &strings.Builder{}
	heading(b, md, "Product report", r.Time)
	for i, s := range r.Services {
		if i > 0 {
			b.WriteString("\n")
		}
		line := fmt.Sprintf("%s: launch risk %s (%s)", s.Service, s.LaunchRisk, s.Reason)
		if md {
			fmt.Fprintf(b, "## %s\n\n", line)
		} else {
			fmt.Fprintf(b, "%s\n\n", line)
		}
		g := newGrid("SLO", "STATUS", "BUDGET LEFT", "BURN 24H", "HEADROOM", "LAUNCH RISK")
		for _, x := range s.SLOs {
			g.add(x.SLO, x.Status, sharePercent(x.BudgetRemainingRatio), burnText(x.BurnRate24h), x.Headroom, x.LaunchRisk)
		}
		table(b, md, g, "  ")
		b.WriteString("\n")
		for _, x := range s.SLOs {
			if md {
				fmt.Fprintf(b, "- %s\n", x.Sentence)
			} else {
				fmt.Fprintf(b, "  %s\n", x.Sentence)
			}
		}
	}
	return flush(w, b)
}
