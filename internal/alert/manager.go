package alert

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Store is where the manager keeps alerts: their live states, so that a
// restart resumes them, and their history. store.Store is one.
type Store interface {
	SaveAlerts(ctx context.Context, alerts []store.Alert) ([]store.Alert, error)
	DeleteAlert(ctx context.Context, id int64) error
	ActiveAlerts(ctx context.Context) ([]store.Alert, error)
	Alerts(ctx context.Context, q store.AlertQuery) ([]store.Alert, error)
	ScanSeries(ctx context.Context, r store.Resolution, s slo.Series, from, to time.Time, fn func(slo.Observation) error) error
}

// Options configure a Manager.
type Options struct {
	// ExternalURL is the address slo serve is reached at, for the links in
	// notifications; empty for none.
	ExternalURL string
	Notifiers   []Notifier
	Logger      *slog.Logger
	// FineRetention is how long the store keeps minute counts
	// (store.DefaultRetention.Fine by default): the budget an alert spent
	// is counted from minutes while they are kept, from hours after.
	FineRetention time.Duration
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.FineRetention <= 0 {
		o.FineRetention = store.DefaultRetention.Fine
	}
}

// Manager keeps the state of every alert of every objective. The engine
// calls Tick after each evaluation; the API reads Active and History.
type Manager struct {
	store Store
	opts  Options

	mu         sync.Mutex
	objectives map[string]*objective
	alerts     map[alertKey]*entry
	incidents  map[groupKey]*incident
	// resolved are the notifications of incidents that ended within
	// ResolvedKeep, still sent so a receiver that was down hears of them.
	resolved []resolution
	// unsaved are resolved alerts whose last save failed, and gone the
	// pending alerts to delete; both are retried at the next tick.
	unsaved []*entry
	gone    []int64
}

// alertKey identifies an alert: an objective's key and a rule's name.
type alertKey struct{ objective, rule string }

// entry is an alert that is pending or firing.
type entry struct {
	rec   store.Alert
	dirty bool
	seen  bool
	// rank is the rule's (rule.rank); inc the incident the alert is in
	// while it fires.
	rank float64
	inc  *incident
	// figs are the figures of the last evaluation that had them.
	figs figures
}

// New returns a manager over st; SetServices gives it the objectives and
// Load resumes the stored alerts.
func New(st Store, o Options) *Manager {
	o.defaults()
	return &Manager{
		store: st, opts: o,
		objectives: map[string]*objective{},
		alerts:     map[alertKey]*entry{},
		incidents:  map[groupKey]*incident{},
	}
}

// SetServices sets the objectives whose alerts the manager evaluates. An
// alert whose rule is gone resolves at the next tick.
func (m *Manager) SetServices(services []slo.Service) {
	objs := map[string]*objective{}
	for i := range services {
		svc := &services[i]
		for j := range svc.Objectives {
			o := &svc.Objectives[j]
			objs[o.Key()] = &objective{svc: svc, obj: o, rules: rulesOf(o)}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objectives = objs
}

// Load resumes the alerts the store holds as pending or firing, and the
// notifications of the firing ones, with the times they had: a restart
// neither forgets a firing alert nor pages for it anew.
func (m *Manager) Load(ctx context.Context) error {
	recs, err := m.store.ActiveAlerts(ctx)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range recs {
		k := alertKey{a.Service + "/" + a.SLO, a.Rule}
		e := &entry{rec: a}
		if r := m.rule(k); r != nil {
			e.rank = r.rank
		}
		m.alerts[k] = e
		if parseState(a.State) == Firing {
			m.rejoin(k, e)
		}
	}
	return nil
}

// Tick moves every alert on by one evaluation at now. evals are the
// objectives whose conditions may hold (engine.Engine.Alerting); every
// other objective's conditions are false. Changes are saved, then the
// notifiers are told.
func (m *Manager) Tick(ctx context.Context, now time.Time, evals []engine.Evaluation) {
	// The store keeps milliseconds: times in memory match what a restart
	// reads back, so a resumed alert keeps the start it was sent with.
	now = now.UTC().Truncate(time.Millisecond)
	m.mu.Lock()
	defer m.mu.Unlock()
	var began []*incident
	for i := range evals {
		ev := &evals[i]
		key := ev.Service + "/" + ev.SLO
		o := m.objectives[key]
		if o == nil || ev.Customer != "" {
			continue
		}
		// Rules that hold step first: when one tier takes over from
		// another of its severity in one tick, the incident goes on.
		for _, pass := range []bool{true, false} {
			for j := range o.rules {
				r := &o.rules[j]
				holds, burn := r.holds(ev)
				if holds != pass {
					continue
				}
				k := alertKey{key, r.name}
				e := m.alerts[k]
				if e == nil {
					if !holds {
						continue
					}
					e = m.start(o, r, now)
					m.alerts[k] = e
				}
				e.seen = true
				e.figs = figuresOf(ev, r)
				began = m.step(ctx, k, e, r, holds, burn, now, began)
			}
		}
	}
	keys := m.sortedKeys()
	for _, k := range keys {
		e := m.alerts[k]
		if e == nil {
			continue
		}
		if !e.seen {
			began = m.step(ctx, k, e, m.rule(k), false, 0, now, began)
		}
		e.seen = false
	}
	m.save(ctx, keys)
	m.notify(now, began)
}

// sortedKeys lists the alerts by the time they became active, so that
// steps (and saves) happen in a stable order.
func (m *Manager) sortedKeys() []alertKey {
	keys := make([]alertKey, 0, len(m.alerts))
	for k := range m.alerts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b alertKey) int {
		if c := m.alerts[a].rec.ActiveAt.Compare(m.alerts[b].rec.ActiveAt); c != 0 {
			return c
		}
		if c := strings.Compare(a.objective, b.objective); c != 0 {
			return c
		}
		return strings.Compare(a.rule, b.rule)
	})
	return keys
}

// rule returns the rule an alert is of, nil when the spec no longer has it.
func (m *Manager) rule(k alertKey) *rule {
	o := m.objectives[k.objective]
	if o == nil {
		return nil
	}
	for i := range o.rules {
		if o.rules[i].name == k.rule {
			return &o.rules[i]
		}
	}
	return nil
}

// start makes a new pending alert of rule r.
func (m *Manager) start(o *objective, r *rule, now time.Time) *entry {
	return &entry{dirty: true, rank: r.rank, rec: store.Alert{
		Service: o.obj.Service, SLO: o.obj.Name, Rule: r.name, Severity: r.severity,
		State: Pending.String(), ActiveAt: now, LastTrueAt: now,
	}}
}

// step moves one alert on: pending to firing once its condition has held
// for `for`; firing to resolved once it has not held for keep_firing_for;
// pending back to nothing when it stops holding. r is nil for an alert
// whose rule is gone. It returns began with the incidents that began.
func (m *Manager) step(ctx context.Context, k alertKey, e *entry, r *rule, holds bool, burn float64, now time.Time, began []*incident) []*incident {
	a := &e.rec
	state := parseState(a.State)
	if holds && r != nil {
		a.LastTrueAt = now
		if r.keepFor > 0 && state == Firing {
			e.dirty = true // a restart must know when it last held
		}
		if burn > a.PeakBurnRate {
			a.PeakBurnRate, e.dirty = burn, true
		}
		if state == Pending && now.Sub(a.ActiveAt) >= r.forDur {
			a.State, a.FiredAt, e.dirty = Firing.String(), now, true
			if inc := m.join(k, e, r, now); inc != nil {
				began = append(began, inc)
			}
		}
		return began
	}
	switch state {
	case Pending:
		delete(m.alerts, k)
		if a.ID != 0 {
			m.gone = append(m.gone, a.ID)
		}
	case Firing:
		if r != nil && now.Sub(a.LastTrueAt) < r.keepFor {
			return began
		}
		a.State, a.ResolvedAt = Resolved.String(), now
		a.BudgetSpent = m.spent(ctx, a, e.figs.allowed, now)
		delete(m.alerts, k)
		m.unsaved = append(m.unsaved, e)
		m.leave(k, e, now)
	}
	return began
}

// save writes the alerts of keys that changed in one transaction, and deletes
// the pending ones that ended. What fails is retried at the next tick.
func (m *Manager) save(ctx context.Context, keys []alertKey) {
	var batch []*entry
	for _, k := range keys {
		if e := m.alerts[k]; e != nil && e.dirty {
			batch = append(batch, e)
		}
	}
	batch = append(batch, m.unsaved...)
	if len(batch) > 0 {
		recs := make([]store.Alert, len(batch))
		for i, e := range batch {
			recs[i] = e.rec
		}
		saved, err := m.store.SaveAlerts(ctx, recs)
		if err != nil {
			m.opts.Logger.Error("saving alerts", "alerts", len(recs), "err", err)
		} else {
			for i, e := range batch {
				e.rec.ID, e.dirty = saved[i].ID, false
			}
			m.unsaved = nil
		}
	}
	gone := m.gone[:0]
	for _, id := range m.gone {
		if err := m.store.DeleteAlert(ctx, id); err != nil {
			m.opts.Logger.Error("deleting an ended pending alert", "id", id, "err", err)
			gone = append(gone, id)
		}
	}
	m.gone = gone
}

// spent is the share of the error budget the bad events in [FiredAt, to)
// took, to the minute: bad events over the events the SLO window allows
// (allowed). 0 when that is unknown.
func (m *Manager) spent(ctx context.Context, a *store.Alert, allowed float64, to time.Time) float64 {
	if allowed <= 0 || a.FiredAt.IsZero() {
		return 0
	}
	res := store.Fine
	if to.Sub(a.FiredAt) > m.opts.FineRetention-time.Hour { // minutes gone
		res = store.Coarse
	}
	var bad float64
	id := slo.Series{Objective: a.Service + "/" + a.SLO, Customer: a.Customer}
	err := m.store.ScanSeries(ctx, res, id, res.Truncate(a.FiredAt), to, func(o slo.Observation) error {
		bad += o.Valid - o.Good
		return nil
	})
	if err != nil {
		m.opts.Logger.Error("reading the budget an alert spent", "alert", id.Objective+"/"+a.Rule, "err", err)
		return 0
	}
	return bad / allowed
}
