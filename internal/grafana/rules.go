package grafana

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slo-dev/slo/internal/promgen"
	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/slo"
)

// rules reads the series slo rules records. Those exist only for the
// windows each SLO's rules record (promgen.Windows: its tiers' windows and
// its SLO window), so rules knows the SLOs the dashboard shows.
type rules struct {
	objs []*slo.Objective
}

func (rules) varMetric() string      { return promgen.Objective }
func (rules) sli() parser.Expr       { return selector(promgen.SLI) }
func (rules) objective() parser.Expr { return selector(promgen.Objective) }

func (rules) budgetRemaining() parser.Expr { return selector(promgen.BudgetRemaining) }

// budgetMinutes is the share left times the whole budget in minutes:
// (1 - target) x the SLO window, as slo serve counts it.
func (rules) budgetMinutes() parser.Expr {
	e := perSLOFigure(parser.MUL, selector(promgen.BudgetRemaining), selector(promgen.ErrorBudget))
	e = perSLOFigure(parser.MUL, e, selector(promgen.WindowSeconds))
	return promsli.Binary(parser.DIV, e, &parser.NumberLiteral{Val: 60})
}

// burnRate is the error ratio over w in units of the error budget.
func (rules) burnRate(w time.Duration) parser.Expr {
	return perSLOFigure(parser.DIV, selector(promgen.ErrorRatio(w)), selector(promgen.ErrorBudget))
}

func (r rules) valid() parser.Expr { return r.overSLOWindow(promgen.Valid) }
func (r rules) bad() parser.Expr   { return r.overSLOWindow(promgen.Bad) }

// overSLOWindow selects each SLO's series of its own SLO window. SLOs of
// different windows read different series (increase30d, increase7d); one
// SLO's SLO window may be another's tier window, so each series is kept
// only for the SLOs whose window it is.
func (r rules) overSLOWindow(name func(time.Duration) string) parser.Expr {
	ws := r.sloWindows()
	if len(ws) == 1 {
		return selector(name(ws[0]))
	}
	var out parser.Expr
	for _, w := range ws {
		own := promsli.Binary(parser.EQLC, selector(promgen.WindowSeconds), &parser.NumberLiteral{Val: w.Seconds()})
		e := paren(set(parser.LAND, selector(name(w)), paren(own)))
		if out == nil {
			out = e
		} else {
			out = set(parser.LOR, out, e)
		}
	}
	return out
}

// sloWindows lists the SLO windows of the objectives, shortest first.
func (r rules) sloWindows() []time.Duration {
	var ws []time.Duration
	for _, o := range r.objs {
		ws = append(ws, o.Window.Nominal())
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}

// burnWindows are the seed's 1h, 6h and 24h where some SLO's rules record
// them. Where one is missing, the tiers' long windows take its place: they
// are the windows the alerts judge burn rates over.
func (r rules) burnWindows() ([]time.Duration, string) {
	recorded := map[time.Duration]int{}
	for _, o := range r.objs {
		for _, w := range promgen.Windows(o) {
			recorded[w]++
		}
	}
	var shown, missing []time.Duration
	for _, w := range seedWindows {
		if recorded[w] > 0 {
			shown = append(shown, w)
		} else {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		for _, o := range r.objs {
			if o.Alerting.Disabled {
				continue
			}
			for _, t := range o.Alerting.Tiers {
				shown = append(shown, t.Long)
			}
		}
		if len(shown) == 0 { // no tier at all: the SLO window is all there is
			shown = r.sloWindows()
		}
		slices.Sort(shown)
		shown = slices.Compact(shown)
	}
	var notes []string
	if len(missing) > 0 {
		notes = append(notes, fmt.Sprintf("The rules of these SLOs record no %s window (they record their alert tiers' windows and the SLO window), so the panel shows %s.",
			windowList(missing, " or "), windowList(shown, ", ")))
	}
	for _, w := range shown {
		if recorded[w] < len(r.objs) {
			notes = append(notes, "A window shows only for the SLOs whose rules record it.")
			break
		}
	}
	return shown, strings.Join(notes, " ")
}

// windowName writes a window as the legends do: hours up to a day (24h, as
// the seed has it), else as Prometheus writes ranges (3d, 30d).
func windowName(w time.Duration) string {
	if w <= slo.Day && w%time.Hour == 0 {
		return fmt.Sprintf("%dh", w/time.Hour)
	}
	return promsli.Range(w)
}

func windowList(ws []time.Duration, sep string) string {
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = windowName(w)
	}
	return strings.Join(names, sep)
}
