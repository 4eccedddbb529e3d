package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Where a customer's tier comes from, most binding first: an assignment
// made through the API, the spec's (inline or its mapping file), or the
// spec's default tier.
const (
	TierFromAPI     = "api"
	TierFromSpec    = "spec"
	TierFromDefault = "default"
)

// Errors of SetCustomerTier and DeleteCustomerTier, each naming the request
// field at fault. Nothing is changed when one is returned.
var (
	// ErrUnknownService: no service of that name is served.
	ErrUnknownService = errors.New("unknown service")
	// ErrNotTiered: the service's spec has no customers section.
	ErrNotTiered = errors.New("service has no customer tiers")
	// ErrUnknownTier: the tier is not one of the service's customers.tiers.
	ErrUnknownTier = errors.New("unknown tier")
	// ErrInvalidCustomer: the customer id is empty or too long.
	ErrInvalidCustomer = errors.New("invalid customer")
)

// CustomerTier is a customer's tier in a service, and where it comes from.
type CustomerTier struct {
	Customer string `json:"customer"`
	Tier     string `json:"tier"`
	// Source is TierFromAPI, TierFromSpec or TierFromDefault.
	Source string `json:"source"`
	// SpecTier is the tier the spec gives, when an API assignment
	// overrides it.
	SpecTier string `json:"spec_tier,omitempty"`
	// Set is when the API assignment was made.
	Set time.Time `json:"set,omitzero"`
	// UnusedAPITier is an API assignment not in effect because the spec no
	// longer declares its tier; it applies again if the tier comes back.
	UnusedAPITier string `json:"unused_api_tier,omitempty"`
}

// tiers are the customer tiers set through the API, as the store holds
// them, per service and customer. A service's map is made once and then
// only changed in place, so that plans built before a reload that failed
// still see every change. Guarded by Engine.mu.
type tiers struct {
	byService map[string]map[string]store.CustomerTier
	// changed are the customers whose tier changed since the last tick:
	// their series take the new target at the next one.
	changed []slo.Series // Objective holds the service
}

// of returns the service's assignments, making the map on first use.
func (t *tiers) of(service string) map[string]store.CustomerTier {
	m, ok := t.byService[service]
	if !ok {
		if t.byService == nil {
			t.byService = map[string]map[string]store.CustomerTier{}
		}
		m = map[string]store.CustomerTier{}
		t.byService[service] = m
	}
	return m
}

// tierOf is the customer's tier: an API assignment to a tier the spec
// declares, else the spec's mapping. The caller checks svc.Customers.
func (p *plan) tierOf(customer string) string {
	if a, ok := p.assigned[customer]; ok && slices.Contains(p.svc.Customers.Tiers, a.Tier) {
		return a.Tier
	}
	return p.svc.Customers.Tier(customer)
}

// loadTiers reads the store's assignments into e.tiers, keeping each
// service's map. The caller holds mu.
func (e *Engine) loadTiers(ctx context.Context) error {
	all, err := e.store.CustomerTiers(ctx)
	if err != nil {
		return fmt.Errorf("engine load: customer tiers: %w", err)
	}
	for _, m := range e.tiers.byService {
		clear(m)
	}
	for _, a := range all {
		e.tiers.of(a.Service)[a.Customer] = a
	}
	e.tiers.changed = nil // every series is made afresh with its tier
	return nil
}

// retarget gives the series of the customers whose tier changed their new
// target and tier, at the start of a tick. The caller holds mu.
func (e *Engine) retarget() {
	if len(e.tiers.changed) == 0 {
		return
	}
	for _, c := range e.tiers.changed {
		for _, k := range e.keys {
			p := e.plans[k]
			if p.obj.Service != c.Objective {
				continue
			}
			if s, ok := e.series[slo.Series{Objective: k, Customer: c.Customer}]; ok {
				s.target, s.tier = p.target(c.Customer)
			}
		}
	}
	e.tiers.changed = nil
}

// SetCustomerTier assigns the customer of service to tier, over the spec's
// mapping. The assignment is saved in the store before it is taken: when
// it returns nil, it survives a restart and a reload. The customer's series,
// existing or yet to come, have the tier's target from the next tick. An
// unknown service or tier, or an invalid customer id, fails with an error
// wrapping ErrUnknownService, ErrNotTiered, ErrUnknownTier or
// ErrInvalidCustomer, and changes nothing.
func (e *Engine) SetCustomerTier(ctx context.Context, service, customer, tier string) (store.CustomerTier, error) {
	e.tierWrite.Lock()
	defer e.tierWrite.Unlock()
	c, err := e.tieredService(service, customer)
	if err != nil {
		return store.CustomerTier{}, err
	}
	if !slices.Contains(c.Tiers, tier) {
		return store.CustomerTier{}, fmt.Errorf("%w %q: service %s declares %s", ErrUnknownTier, tier, service, strings.Join(c.Tiers, ", "))
	}
	a := store.CustomerTier{Service: service, Customer: customer, Tier: tier, Set: e.opts.Now().UTC()}
	if err := e.store.SetCustomerTier(ctx, a); err != nil {
		return store.CustomerTier{}, fmt.Errorf("set tier of %s in %s: %w", customer, service, err)
	}
	a.Set = a.Set.Truncate(time.Millisecond) // as the store reads it back
	e.mu.Lock()
	e.tiers.of(service)[customer] = a
	e.tiers.changed = append(e.tiers.changed, slo.Series{Objective: service, Customer: customer})
	e.mu.Unlock()
	e.tierChanged()
	return a, nil
}

// DeleteCustomerTier removes the customer's API assignment, so that the
// spec's mapping applies again from the next tick. It reports whether there
// was one. The errors are SetCustomerTier's, but for the tier.
func (e *Engine) DeleteCustomerTier(ctx context.Context, service, customer string) (bool, error) {
	e.tierWrite.Lock()
	defer e.tierWrite.Unlock()
	if _, err := e.tieredService(service, customer); err != nil {
		return false, err
	}
	found, err := e.store.DeleteCustomerTier(ctx, service, customer)
	if err != nil {
		return false, fmt.Errorf("delete tier of %s in %s: %w", customer, service, err)
	}
	e.mu.Lock()
	_, had := e.tiers.of(service)[customer]
	delete(e.tiers.of(service), customer)
	e.tiers.changed = append(e.tiers.changed, slo.Series{Objective: service, Customer: customer})
	e.mu.Unlock()
	if found || had {
		e.tierChanged()
	}
	return found, nil
}

// tierChanged tells Options.OnTierChange. The caller holds tierWrite, not
// mu.
func (e *Engine) tierChanged() {
	if e.opts.OnTierChange != nil {
		e.opts.OnTierChange()
	}
}

// tieredService checks a request's service and customer and returns the
// service's customers section.
func (e *Engine) tieredService(service, customer string) (*slo.Customers, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	svc := e.service(service)
	switch {
	case svc == nil:
		return nil, fmt.Errorf("%w %q", ErrUnknownService, service)
	case svc.Customers == nil:
		return nil, fmt.Errorf("%w: the spec of %s has no customers section", ErrNotTiered, service)
	case customer == "":
		return nil, fmt.Errorf("%w: the customer id is empty", ErrInvalidCustomer)
	case len(customer) > slo.MaxCustomer:
		return nil, fmt.Errorf("%w: the customer id is %d bytes long, more than %d", ErrInvalidCustomer, len(customer), slo.MaxCustomer)
	}
	return svc.Customers, nil
}

// service returns the named service, nil if none. The caller holds mu.
func (e *Engine) service(name string) *slo.Service {
	for i := range e.services {
		if e.services[i].Name == name {
			return &e.services[i]
		}
	}
	return nil
}

// CustomerTier returns the customer's tier in service; false when the
// service is not served or has no customers section.
func (e *Engine) CustomerTier(service, customer string) (CustomerTier, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	svc := e.service(service)
	if svc == nil || svc.Customers == nil {
		return CustomerTier{}, false
	}
	return e.customerTier(svc, customer), true
}

// customerTier works out the customer's tier. The caller holds mu.
func (e *Engine) customerTier(svc *slo.Service, customer string) CustomerTier {
	c := svc.Customers
	out := CustomerTier{Customer: customer, Tier: c.DefaultTier, Source: TierFromDefault}
	if t, ok := c.Assignments[customer]; ok {
		out.Tier, out.Source = t, TierFromSpec
	}
	a, ok := e.tiers.byService[svc.Name][customer]
	switch {
	case !ok:
	case slices.Contains(c.Tiers, a.Tier):
		if a.Tier != out.Tier {
			out.SpecTier = out.Tier
		}
		out.Tier, out.Source, out.Set = a.Tier, TierFromAPI, a.Set
	default:
		out.UnusedAPITier, out.Set = a.Tier, a.Set
	}
	return out
}

// CustomerTiers returns the effective mapping of service, by customer: every
// customer assigned by the spec or the API, or with a series of one of its
// objectives. False when the service is not served or has no customers
// section.
func (e *Engine) CustomerTiers(service string) ([]CustomerTier, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	svc := e.service(service)
	if svc == nil || svc.Customers == nil {
		return nil, false
	}
	names := map[string]bool{}
	for c := range svc.Customers.Assignments {
		names[c] = true
	}
	for c := range e.tiers.byService[service] {
		names[c] = true
	}
	for i := range svc.Objectives {
		for _, s := range e.byPlan[svc.Objectives[i].Key()] {
			if s.id.Customer != "" {
				names[s.id.Customer] = true
			}
		}
	}
	out := make([]CustomerTier, 0, len(names))
	for c := range names {
		out = append(out, e.customerTier(svc, c))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Customer < out[j].Customer })
	return out, true
}

// Target returns the target and tier a series has from the next tick:
// its customer's tier's target where the objective sets one. False when the
// objective is not evaluated.
func (e *Engine) Target(id slo.Series) (target float64, tier string, ok bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	p, ok := e.plans[id.Objective]
	if !ok {
		return 0, "", false
	}
	target, tier = p.target(id.Customer)
	return target, tier, true
}

// TieredServices returns the services with each customers section's
// assignments merged with the API's that are in effect: what the push
// router classifies by, where a tier changes the latency threshold. The
// services are shallow copies; the merged maps are new.
func (e *Engine) TieredServices() []slo.Service {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := slices.Clone(e.services)
	for i := range out {
		c := out[i].Customers
		api := e.tiers.byService[out[i].Name]
		if c == nil || len(api) == 0 {
			continue
		}
		merged := *c
		merged.Assignments = make(map[string]string, len(c.Assignments)+len(api))
		for k, v := range c.Assignments {
			merged.Assignments[k] = v
		}
		for k, a := range api {
			if slices.Contains(c.Tiers, a.Tier) {
				merged.Assignments[k] = a.Tier
			}
		}
		out[i].Customers = &merged
	}
	return out
}
