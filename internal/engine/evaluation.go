package engine

import (
	"math"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Evaluation is what the engine knows of one series at its last tick: the
// figures of the API, the metrics and the reports. Pointers are nil where
// there were no valid events: no data is not 0% nor 100%.
type Evaluation struct {
	Service  string    `json:"service"`
	SLO      string    `json:"slo"`
	Customer string    `json:"customer,omitempty"`
	Tier     string    `json:"tier,omitempty"`
	Time     time.Time `json:"time"`
	Target   float64   `json:"target"`
	Window   string    `json:"window"`
	// WindowStart and WindowEnd bound the SLO window: [now-length, now) for
	// a rolling window, the whole period for a calendar one.
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	Good        float64   `json:"good"`
	Valid       float64   `json:"valid"`
	SLI         *float64  `json:"sli"`
	Budget      Budget    `json:"budget"`
	// BurnRate1h, 6h and 24h are the seed's dashboard burn rates.
	BurnRate1h  *float64 `json:"burn_rate_1h"`
	BurnRate6h  *float64 `json:"burn_rate_6h"`
	BurnRate24h *float64 `json:"burn_rate_24h"`
	// Windows holds every alert and dashboard window, shortest first.
	Windows []WindowFigures `json:"windows"`
	Tiers   []TierFigures   `json:"tiers"`
	Status  string          `json:"status"`
	// StatusSince is when the status last changed, or when the engine first
	// evaluated the series, which StatusSinceStart then says: the status
	// began earlier, and the history tells when.
	StatusSince      time.Time `json:"status_since"`
	StatusSinceStart bool      `json:"status_since_start,omitempty"`
	// Trend compares the 1h, 6h and 24h burn rates, as the seed does:
	// improving when each is below the longer one, degrading when each is
	// above it, else stable; unknown without data in all three.
	Trend string `json:"trend"`
	// Exhaustion is when the budget runs out if the 24h burn rate holds;
	// nil when it does not.
	Exhaustion *time.Time `json:"exhaustion"`
	// ProjectedSLI is the SLI expected at ProjectedAt if the last 24 hours'
	// traffic and errors repeat: the end of the period for a calendar
	// window, a day ahead for a rolling one (whose end is always now).
	ProjectedSLI *float64  `json:"projected_sli"`
	ProjectedAt  time.Time `json:"projected_at"`
	// SourceDown is set while the objective's source cannot be read; the
	// evaluation then has no data.
	SourceDown *SourceDown `json:"source_down,omitempty"`
}

// Budget is the error budget over the SLO window.
type Budget struct {
	TotalMinutes     float64 `json:"total_minutes"`
	ConsumedMinutes  float64 `json:"consumed_minutes"`
	RemainingMinutes float64 `json:"remaining_minutes"`
	// RemainingRatio is the share left, negative when overspent.
	RemainingRatio float64 `json:"remaining_ratio"`
	ConsumedRatio  float64 `json:"consumed_ratio"`
	// AllowedEvents and RemainingEvents count bad events: (1-target) x valid,
	// less those spent.
	AllowedEvents   float64 `json:"allowed_events"`
	RemainingEvents float64 `json:"remaining_events"`
}

// WindowFigures are the counts, SLI and burn rate over one window ending now.
type WindowFigures struct {
	Window   string   `json:"window"`
	Good     float64  `json:"good"`
	Valid    float64  `json:"valid"`
	SLI      *float64 `json:"sli"`
	BurnRate *float64 `json:"burn_rate"`
}

// TierFigures are one alert tier's burn rates now against its threshold.
// Over is true when both windows are at or above it; LowTraffic when the
// long window holds fewer valid events than the tier's guard asks, which
// keeps it from firing. The alert's states (pending, firing) are the
// alerting's business.
type TierFigures struct {
	Name      string   `json:"name"`
	Severity  string   `json:"severity"`
	Action    string   `json:"action"`
	Threshold float64  `json:"threshold"`
	Long      string   `json:"long_window"`
	Short     string   `json:"short_window,omitempty"`
	LongBurn  *float64 `json:"long_burn_rate"`
	ShortBurn *float64 `json:"short_burn_rate"`
	Over      bool     `json:"over"`
	// LongValid is the valid events in the long window; MinValid the guard.
	LongValid  float64 `json:"long_valid_events"`
	MinValid   float64 `json:"min_valid_events"`
	LowTraffic bool    `json:"low_traffic"`
}

// Fires reports whether the tier's condition holds: both windows at or
// above the threshold, with enough traffic.
func (t TierFigures) Fires() bool { return t.Over && !t.LowTraffic }

// Evaluation returns the series' last evaluation.
func (e *Engine) Evaluation(id slo.Series) (Evaluation, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s, ok := e.series[id]
	if !ok {
		return Evaluation{}, false
	}
	return s.evaluation(), true
}

// Evaluations returns the last evaluation of every objective (not of its
// customers), in spec order.
func (e *Engine) Evaluations() []Evaluation {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Evaluation, 0, len(e.keys))
	for _, k := range e.keys {
		if s, ok := e.series[slo.Series{Objective: k}]; ok { // not before Load
			out = append(out, s.evaluation())
		}
	}
	return out
}

func (s *series) evaluation() Evaluation {
	return s.evaluationAt(s.target, s.last.status)
}

// evaluationAt builds the evaluation of the last tick's counts under target,
// with the status the caller worked out for it (statusAt): the series' own
// for Evaluation, another for a what-if. The caller holds mu.
func (s *series) evaluationAt(target float64, status slo.Status) Evaluation {
	p, r := s.plan, &s.last
	b := s.budget()
	b.Target = target
	ev := Evaluation{
		Service: p.obj.Service, SLO: p.obj.Name, Customer: s.id.Customer, Tier: s.tier,
		Time: r.at, Target: target, Window: p.obj.Window.String(),
		WindowStart: r.start, WindowEnd: r.end,
		Good: r.slo.good, Valid: r.slo.valid,
		Status: status.String(), StatusSince: r.since, StatusSinceStart: r.sinceStart, Trend: "unknown",
		Tiers: []TierFigures{},
	}
	if p.down != nil {
		d := *p.down
		ev.SourceDown = &d
	}
	if sli, ok := b.SLI(); ok {
		ev.SLI = &sli
		ev.Budget = Budget{
			TotalMinutes: b.TotalMinutes(), ConsumedMinutes: b.ConsumedMinutes(), RemainingMinutes: b.RemainingMinutes(),
			RemainingRatio: b.RemainingRatio(), ConsumedRatio: b.ConsumedRatio(),
			AllowedEvents: b.Allowed(), RemainingEvents: b.RemainingEvents(),
		}
	} else {
		// No data spends nothing: the whole budget is left, and the status
		// (no_data) says why.
		ev.Budget = Budget{TotalMinutes: b.TotalMinutes(), RemainingMinutes: b.TotalMinutes(), RemainingRatio: 1}
	}
	burn := func(i int) *float64 {
		if i < 0 {
			return nil
		}
		x, ok := slo.BurnRate(r.sums[i].good, r.sums[i].valid, target)
		return ptr(x, ok)
	}
	for i, w := range p.windows {
		c := r.sums[i]
		sli, ok := slo.Budget{Good: c.good, Valid: c.valid}.SLI()
		ev.Windows = append(ev.Windows, WindowFigures{
			Window: slo.FormatDuration(w.d), Good: c.good, Valid: c.valid, SLI: ptr(sli, ok), BurnRate: burn(i),
		})
	}
	ev.BurnRate1h, ev.BurnRate6h, ev.BurnRate24h = burn(p.w1h), burn(p.w6h), burn(p.w1d)
	for _, ref := range p.tiers {
		t := ref.tier
		tf := TierFigures{
			Name: t.Name, Severity: t.Severity, Action: t.Action, Threshold: t.BurnRate,
			Long: slo.FormatDuration(t.Long), LongBurn: burn(ref.long), MinValid: t.MinValid,
		}
		if ref.long >= 0 {
			tf.LongValid = r.sums[ref.long].valid
		}
		if t.Short > 0 {
			tf.Short, tf.ShortBurn = slo.FormatDuration(t.Short), burn(ref.short)
		}
		tf.Over = s.overAt(ref, target)
		tf.LowTraffic = tf.LongValid < t.MinValid
		ev.Tiers = append(ev.Tiers, tf)
	}
	ev.Trend = trend(ev.BurnRate1h, ev.BurnRate6h, ev.BurnRate24h)
	if ev.SLI != nil && ev.BurnRate24h != nil {
		if at, ok := slo.ProjectExhaustion(r.at, b.RemainingRatio(), p.obj.Window, *ev.BurnRate24h); ok {
			ev.Exhaustion = &at
		}
	}
	ev.ProjectedSLI, ev.ProjectedAt = s.projection()
	return ev
}

// statusAt is the budget policy's status of the last tick's counts under
// target: no data without valid events, else by the budget left, escalated
// by the 1h burn rate. The tick (evaluate) and the what-if both use it. The
// caller holds mu.
func (s *series) statusAt(target float64) slo.Status {
	p, r := s.plan, &s.last
	if r.slo.valid <= 0 {
		return slo.NoData
	}
	burn1h := 0.0 // no traffic in the hour escalates nothing
	if p.w1h >= 0 {
		if b, ok := slo.BurnRate(r.sums[p.w1h].good, r.sums[p.w1h].valid, target); ok {
			burn1h = b
		}
	}
	b := s.budget()
	b.Target = target
	return p.obj.Policy.Status(b.RemainingRatio(), burn1h)
}

// overAt is whether, under target, both of the tier's windows
// burn at or above its threshold. A 100% target burns at +Inf, which ptr
// leaves out of the figures, so this reads the counts, not the figures.
func (s *series) overAt(ref tierRef, target float64) bool {
	at := func(i int) bool {
		if i < 0 {
			return false
		}
		b, ok := slo.BurnRate(s.last.sums[i].good, s.last.sums[i].valid, target)
		return ok && b >= ref.tier.BurnRate
	}
	return at(ref.long) && (ref.tier.Short <= 0 || at(ref.short))
}

// projection is the SLI at the window's end, or a day ahead for a rolling
// window, if the last 24 hours repeat. Counts, not ratios: the projected
// window's good and valid events are summed, then divided.
func (s *series) projection() (*float64, time.Time) {
	p, r := s.plan, &s.last
	if p.w1d < 0 {
		return nil, time.Time{}
	}
	day := r.sums[p.w1d]
	var good, valid float64
	var at time.Time
	switch {
	case p.obj.Window.IsCalendar():
		at = r.end
		f := float64(r.end.Sub(r.at)) / float64(slo.Day)
		good, valid = r.slo.good+f*day.good, r.slo.valid+f*day.valid
	case p.sloLessDay >= 0:
		at = r.at.Add(slo.Day)
		good, valid = r.lessDay.good+day.good, r.lessDay.valid+day.valid
	default: // a window of a day or less: the next one repeats the last day
		at = r.at.Add(p.obj.Window.Rolling)
		good, valid = r.slo.good, r.slo.valid
	}
	sli, ok := slo.Budget{Good: good, Valid: valid}.SLI()
	return ptr(sli, ok), at
}

func trend(b1, b6, b24 *float64) string {
	switch {
	case b1 == nil || b6 == nil || b24 == nil:
		return "unknown"
	case *b1 < *b6 && *b6 < *b24:
		return "improving"
	case *b1 > *b6 && *b6 > *b24:
		return "degrading"
	}
	return "stable"
}

// ptr returns &x when ok and x is finite, else nil, so that no NaN or Inf
// reaches JSON (which cannot carry them).
func ptr(x float64, ok bool) *float64 {
	if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
