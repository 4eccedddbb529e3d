package report

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
)

// ExecutiveReport is the executive's report: a colour per service and the
// risk to its SLA this month, a line each.
type ExecutiveReport struct {
	Time time.Time `json:"time"`
	// Month is the month the SLA figures are for: the current one unless
	// the request named another.
	Month    string             `json:"month"`
	Partial  bool               `json:"partial"`
	Services []ExecutiveService `json:"services"`
}

// ExecutiveService is one service at a glance. Colour is the worst status
// of its SLOs: red for critical or exhausted, yellow for warning or for an
// SLO with no data, green when every SLO is healthy, grey when none has
// data.
type ExecutiveService struct {
	Service     string `json:"service"`
	Color       string `json:"color"`
	WorstSLO    string `json:"worst_slo"`
	WorstStatus string `json:"worst_status"`
	// SLA is nil for a service without one.
	SLA  *SLARisk `json:"sla"`
	Line string   `json:"line"`
}

// SLARisk is how the SLA stands this month: the SLI so far and, while the
// month runs, projected to its end, with the credit that would be owed.
type SLARisk struct {
	SLO          string   `json:"slo"`
	Target       float64  `json:"target"`
	SLI          *float64 `json:"sli"`
	ProjectedSLI *float64 `json:"projected_sli"`
	// CreditExpected is true when a credit is owed at the month's end, as
	// projected (or settled, for a month that is over); CreditPercent is
	// that credit, nil without data.
	CreditExpected bool     `json:"credit_expected"`
	CreditPercent  *float64 `json:"credit_percent"`
}

// colorOf maps the worst status of a service's SLOs to a colour.
func colorOf(statuses []string) (color string, worst int) {
	worst, rank, measured := -1, -1, false
	for i, s := range statuses {
		st, _ := slo.ParseStatus(s)
		if st != slo.NoData {
			measured = true
		}
		if r := colorRank(st); r > rank {
			worst, rank = i, r
		}
	}
	switch {
	case !measured:
		return "grey", worst
	case rank >= colorRank(slo.Critical):
		return "red", worst
	case rank >= colorRank(slo.NoData):
		return "yellow", worst
	}
	return "green", worst
}

// colorRank orders statuses for the colour: healthy, then no data and
// warning (yellow), then critical and exhausted (red).
func colorRank(s slo.Status) int {
	switch s {
	case slo.Healthy:
		return 0
	case slo.NoData:
		return 1
	}
	return int(s)
}

func buildExecutive(ctx context.Context, src Source, req Request) (Report, error) {
	ps, err := pick(src.Data, req)
	if err != nil {
		return nil, err
	}
	now := req.Now.UTC()
	m, err := monthOf(req.Month, now)
	if err != nil {
		return nil, err
	}
	r := &ExecutiveReport{Time: now, Month: m.from.Format("2006-01"), Partial: m.partial, Services: []ExecutiveService{}}
	for _, group := range byService(ps) {
		svc := group[0].svc
		var statuses []string
		for _, p := range group {
			statuses = append(statuses, evaluation(src.Data, p).Status)
		}
		color, worst := colorOf(statuses)
		s := ExecutiveService{Service: svc.Name, Color: color, WorstSLO: group[worst].obj.Name, WorstStatus: statuses[worst]}
		if o, sla := commitment(svc); sla != nil {
			overall, err := settleTotal(ctx, src.Data, o.Key(), sla, m)
			if err != nil {
				return nil, fmt.Errorf("executive report: %w", err)
			}
			s.SLA = &SLARisk{SLO: o.Name, Target: sla.Target, SLI: overall.SLI, ProjectedSLI: overall.ProjectedSLI, CreditPercent: overall.CreditPercent}
			if m.partial {
				s.SLA.CreditPercent = overall.ProjectedCreditPercent
			}
			s.SLA.CreditExpected = s.SLA.CreditPercent != nil && *s.SLA.CreditPercent > 0
		}
		s.Line = executiveLine(s, m)
		r.Services = append(r.Services, s)
	}
	return r, nil
}

func executiveLine(s ExecutiveService, m month) string {
	out := fmt.Sprintf("%s is %s", s.Service, strings.ToUpper(s.Color))
	switch s.Color {
	case "green":
		out += ": every SLO is healthy."
	case "grey":
		out += ": no SLO has data."
	default:
		out += fmt.Sprintf(": %s is %s.", s.WorstSLO, strings.ReplaceAll(s.WorstStatus, "_", " "))
	}
	a := s.SLA
	if a == nil {
		return out + " No SLA."
	}
	out += fmt.Sprintf(" SLA %s:", targetPercent(a.Target))
	if m.partial {
		out += fmt.Sprintf(" %s this month so far, projected %s at month end;", ratioPercent(a.SLI), ratioPercent(a.ProjectedSLI))
	} else {
		out += fmt.Sprintf(" %s in %s;", ratioPercent(a.SLI), m.from.Format("2006-01"))
	}
	switch {
	case a.CreditPercent == nil:
		out += " the credit cannot be told without data."
	case a.CreditExpected && m.partial:
		out += fmt.Sprintf(" a %s credit is likely.", trim(*a.CreditPercent)+"%")
	case a.CreditExpected:
		out += fmt.Sprintf(" a %s credit is owed.", trim(*a.CreditPercent)+"%")
	case m.partial:
		out += " no credit expected."
	default:
		out += " no credit owed."
	}
	return out
}

// Text writes the executive report for a terminal.
func (r *ExecutiveReport) Text(w io.Writer) error { return r.write(w, false) }

// Markdown writes the executive report as Markdown.
func (r *ExecutiveReport) Markdown(w io.Writer) error { return r.write(w, true) }

func (r *ExecutiveReport) write(w io.Writer, md bool) error {
	b := &strings.Builder{}
	heading(b, md, "Executive report", r.Time)
	for _, s := range r.Services {
		if md {
			b.WriteString("- ")
		}
		b.WriteString(s.Line + "\n")
	}
	b.WriteString("\nGreen: every SLO healthy. Yellow: an SLO in warning or without data. Red: an SLO critical or out of budget. Grey: no data at all.\n")
	return flush(w, b)
}

// CustomerReport is what customers see, and what a public status page
// shows: each service working or not now, and its availability this month
// against the commitment. It carries no internal figures.
type CustomerReport struct {
	Time     time.Time         `json:"time"`
	Month    string            `json:"month"`
	Partial  bool              `json:"partial"`
	Services []CustomerService `json:"services"`
}

// CustomerService is one service on the status page. State is
// operational, degraded, major_outage, or unknown while nothing is
// measured.
type CustomerService struct {
	Service    string      `json:"service"`
	State      string      `json:"state"`
	Components []Component `json:"components"`
	// Availability is this month's, as a ratio, nil without traffic;
	// Commitment is the SLA's target, or the SLO's where there is no SLA
	// (CommitmentKind says which).
	Availability      *float64 `json:"availability"`
	Commitment        float64  `json:"commitment"`
	CommitmentKind    string   `json:"commitment_kind"`
	MeetingCommitment *bool    `json:"meeting_commitment"`
	Message           string   `json:"message"`
}

// Component is one part of a service, an SLO, and its state now.
type Component struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

// stateRank orders component states; a service shows its worst measured one.
var stateRank = map[string]int{"unknown": 0, "operational": 1, "degraded": 2, "major_outage": 3}

// WorseState reports whether state a is worse than b, "unknown" (nothing
// measured) ranking below every measured state.
func WorseState(a, b string) bool { return stateRank[a] > stateRank[b] }

// stateOf is a component's state now, from the alert tiers' conditions:
// a page-severity (critical) tier's burn rate over its threshold in both
// windows is a major outage, another tier's a degradation.
func stateOf(ev engine.Evaluation) string {
	if ev.SLI == nil || ev.SourceDown != nil {
		return "unknown"
	}
	state := "operational"
	for _, t := range ev.Tiers {
		if !t.Fires() {
			continue
		}
		if t.Severity == "critical" {
			return "major_outage"
		}
		state = "degraded"
	}
	return state
}

func buildCustomer(ctx context.Context, src Source, req Request) (Report, error) {
	ps, err := pick(src.Data, req)
	if err != nil {
		return nil, err
	}
	now := req.Now.UTC()
	m, err := monthOf(req.Month, now)
	if err != nil {
		return nil, err
	}
	r := &CustomerReport{Time: now, Month: m.from.Format("2006-01"), Partial: m.partial, Services: []CustomerService{}}
	for _, group := range byService(ps) {
		svc := group[0].svc
		s := CustomerService{Service: svc.Name, State: "unknown", Components: []Component{}}
		for _, p := range group {
			c := Component{Name: p.obj.Name, State: stateOf(evaluation(src.Data, p))}
			if WorseState(c.State, s.State) {
				s.State = c.State
			}
			s.Components = append(s.Components, c)
		}
		o, sla := commitment(svc)
		s.Commitment, s.CommitmentKind = o.Target, "slo"
		if sla == nil { // settled against the SLO's own target, with no credits
			sla = &slo.SLA{SLO: o.Name, Target: o.Target}
		} else {
			s.Commitment, s.CommitmentKind = sla.Target, "sla"
		}
		overall, err := settleTotal(ctx, src.Data, o.Key(), sla, m)
		if err != nil {
			return nil, fmt.Errorf("customer report: %w", err)
		}
		s.Availability, s.MeetingCommitment = overall.SLI, overall.Met
		s.Message = customerMessage(s)
		r.Services = append(r.Services, s)
	}
	return r, nil
}

// commitment is the objective whose SLI customers are promised: the SLA's,
// else one named availability, else the first; and the SLA if any.
func commitment(svc *slo.Service) (*slo.Objective, *slo.SLA) {
	if svc.SLA != nil {
		if o, ok := svc.Objective(svc.SLA.SLO); ok {
			return o, svc.SLA
		}
	}
	if o, ok := svc.Objective("availability"); ok {
		return o, nil
	}
	return &svc.Objectives[0], nil
}

// customerMessage says the state in words a customer uses.
func customerMessage(s CustomerService) string {
	var now string
	switch s.State {
	case "operational":
		now = "All systems are working normally."
	case "degraded":
		now = "Some requests are failing or slow right now. We are working on it."
	case "major_outage":
		now = "Many requests are failing right now. We are working on it."
	default:
		now = "We have no recent measurements to show."
	}
	if s.Availability == nil {
		return now + " No availability has been measured this month yet."
	}
	return fmt.Sprintf("%s Availability this month: %s (our commitment: %s).", now, ratioPercent(s.Availability), targetPercent(s.Commitment))
}

var stateWords = map[string]string{"operational": "Operational", "degraded": "Degraded performance", "major_outage": "Major outage", "unknown": "Unknown"}

// Text writes the customer report for a terminal.
func (r *CustomerReport) Text(w io.Writer) error { return r.write(w, false) }

// Markdown writes the customer report as Markdown.
func (r *CustomerReport) Markdown(w io.Writer) error { return r.write(w, true) }

func (r *CustomerReport) write(w io.Writer, md bool) error {
	b := &strings.Builder{}
	heading(b, md, "Service status", r.Time)
	g := newGrid("SERVICE", "STATUS", "AVAILABILITY THIS MONTH", "COMMITMENT")
	for _, s := range r.Services {
		g.add(s.Service, stateWords[s.State], ratioPercent(s.Availability), targetPercent(s.Commitment))
	}
	table(b, md, g, "")
	for _, s := range r.Services {
		if md {
			fmt.Fprintf(b, "\n## %s: %s\n\n%s\n\n", s.Service, stateWords[s.State], s.Message)
		} else {
			fmt.Fprintf(b, "\n%s: %s\n  %s\n", s.Service, stateWords[s.State], s.Message)
		}
		parts := make([]string, len(s.Components))
		for i, c := range s.Components {
			parts[i] = c.Name + ": " + strings.ToLower(stateWords[c.State])
		}
		if md {
			fmt.Fprintf(b, "%s\n", strings.Join(parts, ", "))
		} else {
			fmt.Fprintf(b, "  %s\n", strings.Join(parts, ", "))
		}
	}
	return flush(w, b)
}
