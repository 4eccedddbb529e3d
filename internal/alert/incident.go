package alert

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
)

// groupKey identifies an incident: the firing alerts of one objective,
// alertname and severity, notified as one. A fast burn trips several tiers;
// those of one severity page once.
type groupKey struct{ objective, alertname, severity string }

func (g groupKey) String() string { return g.objective + "/" + g.alertname + "/" + g.severity }

// incident is one notification: its labels are those of the alert that
// began it (the highest-ranked of those that fired first), kept until the
// last of its alerts resolves, since Alertmanager knows an alert by its
// labels.
type incident struct {
	key groupKey
	// id orders incidents that start together: key.String(), made once so
	// that sorting builds no string per comparison (docs/performance.md).
	id       string
	labels   map[string]string
	startsAt time.Time
	members  map[alertKey]bool
}

// join adds a newly firing alert to its incident, making the incident if
// there is none; it returns the incident when it is new.
func (m *Manager) join(k alertKey, e *entry, r *rule, now time.Time) *incident {
	gk := groupKey{k.objective, r.alertname, r.severity}
	inc, found := m.incidents[gk]
	if !found {
		inc = &incident{key: gk, id: gk.String(), labels: m.labels(k.objective, r), startsAt: now, members: map[alertKey]bool{}}
		m.incidents[gk] = inc
	}
	inc.members[k] = true
	e.inc, e.rec.Labels = inc, inc.labels
	e.rec.Annotations = m.notification(inc, e).Annotations // as first sent
	if found {
		return nil
	}
	return inc
}

// rejoin puts a firing alert read from the store back in its incident.
func (m *Manager) rejoin(k alertKey, e *entry) {
	gk := groupKey{k.objective, e.rec.Labels["alertname"], e.rec.Severity}
	inc := m.incidents[gk]
	if inc == nil {
		inc = &incident{key: gk, id: gk.String(), labels: e.rec.Labels, startsAt: e.rec.FiredAt, members: map[alertKey]bool{}}
		m.incidents[gk] = inc
	}
	if e.rec.FiredAt.Before(inc.startsAt) {
		inc.startsAt = e.rec.FiredAt
	}
	inc.members[k] = true
	e.inc = inc
}

// leave takes a resolved alert out of its incident. When that was its last
// alert, the incident ends: its resolution joins m.resolved.
func (m *Manager) leave(k alertKey, e *entry, now time.Time) {
	inc := e.inc
	if inc == nil {
		return
	}
	e.inc = nil
	delete(inc.members, k)
	if len(inc.members) > 0 {
		return
	}
	delete(m.incidents, inc.key)
	n := m.notification(inc, e)
	n.EndsAt = now
	m.resolved = append(m.resolved, resolution{n, inc.key})
}

// lead is the incident's highest-ranked firing alert, whose figures its
// annotations give.
func (m *Manager) lead(inc *incident) *entry {
	var best *entry
	var rank float64
	for k := range inc.members {
		e := m.alerts[k]
		if e == nil {
			continue
		}
		x := e.rank
		if best == nil || x > rank || (x == rank && e.rec.FiredAt.Before(best.rec.FiredAt)) {
			best, rank = e, x
		}
	}
	return best
}

// notify tells every notifier of the firing incidents, those resolved
// within ResolvedKeep, and which of them began (began) or ended at this
// tick.
func (m *Manager) notify(now time.Time, began []*incident) {
	keep := m.resolved[:0]
	for _, r := range m.resolved {
		if now.Sub(r.EndsAt) < ResolvedKeep {
			keep = append(keep, r)
		}
	}
	m.resolved = keep
	incs := make([]*incident, 0, len(m.incidents))
	for _, inc := range m.incidents {
		incs = append(incs, inc)
	}
	slices.SortFunc(incs, func(a, b *incident) int {
		if c := a.startsAt.Compare(b.startsAt); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	var active, news []Notification
	built := make(map[*incident]int, len(incs)) // index in active
	for _, inc := range incs {
		if e := m.lead(inc); e != nil {
			built[inc] = len(active)
			active = append(active, m.notification(inc, e))
		}
	}
	for _, inc := range began {
		if i, ok := built[inc]; ok {
			news = append(news, active[i])
		}
	}
	for _, r := range m.resolved {
		if r.EndsAt.Equal(now) {
			news = append(news, r.Notification)
		}
		// A resolution whose alert fires again is not sent beside it: a
		// receiver that knows an alert by its labels would take the
		// older, resolved copy for the newer state.
		if _, again := m.incidents[r.key]; !again {
			active = append(active, r.Notification)
		}
	}
	for _, nt := range m.opts.Notifiers {
		nt.Notify(now, cloneAll(active), cloneAll(news))
	}
}

// resolution is the notification of an incident that ended, kept for
// ResolvedKeep.
type resolution struct {
	Notification
	key groupKey
}

// notification is an incident as notifiers send it, with e's figures.
func (m *Manager) notification(inc *incident, e *entry) Notification {
	n := Notification{Labels: inc.labels, StartsAt: inc.startsAt, Annotations: map[string]string{}}
	service, name := inc.labels["service"], inc.labels["slo"]
	if o := m.objectives[service+"/"+name]; o != nil {
		a := o.obj.Alerting
		maps.Copy(n.Annotations, a.Annotations)
		if r := m.rule(alertKey{service + "/" + name, e.rec.Rule}); r != nil && r.tier >= 0 {
			maps.Copy(n.Annotations, a.Tiers[r.tier].Annotations)
		}
		if a.RunbookURL != "" {
			n.Annotations["runbook_url"] = a.RunbookURL
		}
	}
	n.Annotations["summary"], n.Annotations["description"] = describe(service, name, e)
	if m.opts.ExternalURL != "" {
		link := strings.TrimSuffix(m.opts.ExternalURL, "/") + "/slo/" + url.PathEscape(service) + "/" + url.PathEscape(name)
		n.Annotations["dashboard"], n.GeneratorURL = link, link
	}
	return n
}

// labels are the labels of an incident begun by rule r: the spec's, then
// the ones that identify it, which the spec cannot override.
func (m *Manager) labels(key string, r *rule) map[string]string {
	l := map[string]string{}
	o := m.objectives[key]
	if o != nil {
		maps.Copy(l, o.obj.Alerting.Labels)
	}
	if r.tier >= 0 {
		if o != nil {
			t := o.obj.Alerting.Tiers[r.tier]
			maps.Copy(l, t.Labels)
			l["long_window"] = slo.FormatDuration(t.Long)
			if t.Short > 0 {
				l["short_window"] = slo.FormatDuration(t.Short)
			}
		}
		l["tier"] = r.name
	} else if !r.source {
		l["budget_status"] = r.status.String()
	}
	service, name, _ := strings.Cut(key, "/")
	l["alertname"], l["service"], l["slo"], l["severity"] = r.alertname, service, name, r.severity
	return l
}

// figures are what an alert's annotations say, from its last evaluation.
type figures struct {
	tier                  bool
	longBurn, shortBurn   *float64
	threshold             float64
	longWindow, short     string
	remaining             float64
	remainingMin, totalMn float64
	allowed               float64
	exhaustion            *time.Time
	status                string
	at                    time.Time
	// down is the source's failure, for the source-down rule.
	down *engine.SourceDown
}

func figuresOf(ev *engine.Evaluation, r *rule) figures {
	f := figures{
		remaining: ev.Budget.RemainingRatio, remainingMin: ev.Budget.RemainingMinutes, totalMn: ev.Budget.TotalMinutes,
		allowed: ev.Budget.AllowedEvents, exhaustion: ev.Exhaustion, status: ev.Status, at: ev.Time,
	}
	if r.source {
		f.down = ev.SourceDown
	} else if r.tier < 0 {
		if st, ok := r.budgetStatus(ev); ok {
			f.status = st.String()
		}
	}
	if t, ok := r.figures(ev); ok && r.tier >= 0 {
		f.tier, f.longBurn, f.shortBurn, f.threshold, f.longWindow, f.short = true, t.LongBurn, t.ShortBurn, t.Threshold, t.Long, t.Short
	}
	return f
}

// describe writes an alert's summary and description.
func describe(service, name string, e *entry) (summary, description string) {
	f := e.figs
	budget := fmt.Sprintf("%.1f%% of the error budget left (%.1f of %.1f minutes)", 100*f.remaining, f.remainingMin, f.totalMn)
	runsOut := "at the last 24 hours' rate it does not run out"
	if f.exhaustion != nil {
		if d := f.exhaustion.Sub(f.at); d > 0 {
			runsOut = "at the last 24 hours' rate it runs out in " + slo.FormatDuration(d.Round(time.Minute))
		} else {
			runsOut = "it has run out"
		}
	}
	if f.at.IsZero() {
		budget, runsOut = "figures unknown since the restart", "no evaluation yet"
	}
	if e.rec.Rule == sourceDownRule {
		summary = fmt.Sprintf("%s/%s cannot be measured: its source is down", service, name)
		if f.down == nil {
			return summary, "The source is down; the SLO has no data and its burn-rate alerts cannot fire meanwhile."
		}
		return summary, fmt.Sprintf("Reading the SLI has failed since %s: %s. The SLO has no data and its burn-rate alerts cannot fire meanwhile.",
			f.down.Since.UTC().Format(time.RFC3339), f.down.Error)
	}
	if f.tier {
		summary = fmt.Sprintf("%s/%s is burning its error budget at %sx (%s)", service, name, times(deref(f.longBurn)), e.rec.Rule)
		description = fmt.Sprintf("Burn rate %sx over %s", times(deref(f.longBurn)), f.longWindow)
		if f.short != "" {
			description += fmt.Sprintf(" and %sx over %s", times(deref(f.shortBurn)), f.short)
		}
		description += fmt.Sprintf(", threshold %sx. %s; %s.", times(f.threshold), budget, runsOut)
		return summary, description
	}
	summary = fmt.Sprintf("%s/%s error budget is %s", service, name, f.status)
	return summary, fmt.Sprintf("%s; %s.", capitalize(budget), runsOut)
}

// times writes a burn rate to three significant digits, and whole from
// 100 up: 1000x, not 1e+03x.
func times(x float64) string {
	if x >= 100 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func cloneAll(ns []Notification) []Notification {
	out := make([]Notification, len(ns))
	for i, n := range ns {
		n.Labels, n.Annotations = maps.Clone(n.Labels), maps.Clone(n.Annotations)
		out[i] = n
	}
	return out
}
