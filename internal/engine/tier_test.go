package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

const tieredSpec = `apiVersion: slo/v1
service: api
customers:
  tiers: [free, standard, enterprise]
  default_tier: free
  assignments: {initech: standard}
slos:
  - name: availability
    objective: 99
    window: 30d
    sli:
      events:
        stream: api
        customer_field: customer
        good: {status: ["2xx"]}
    tiers:
      standard: {objective: 99.5}
      enterprise: {objective: 99.9}
---
apiVersion: slo/v1
service: shop
slos:
  - name: availability
    objective: 99
    sli:
      events:
        stream: shop
        good: {status: ["2xx"]}
`

func customerOf(c string) slo.Series { return slo.Series{Objective: "api/availability", Customer: c} }

// tiered returns an engine over the tiered spec in dir, loaded, with two
// hours of 99.7% good traffic of acme when fill is set: within free's 99%
// (70% of the budget left), far beyond enterprise's 99.9%.
func tiered(t *testing.T, st store.Store, c *clock, text string, fill bool) *Engine {
	t.Helper()
	e := New(st, services(t, text), Options{Now: c.now})
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fill {
		minutes(t, e, c.t.Add(-2*time.Hour), c.t, 997, 1000, customerOf("acme"))
		e.Evaluate()
	}
	return e
}

func evalOf(t *testing.T, e *Engine, id slo.Series) Evaluation {
	t.Helper()
	ev, ok := e.Evaluation(id)
	if !ok {
		t.Fatalf("no evaluation of %s", id)
	}
	return ev
}

func wantTarget(t *testing.T, ev Evaluation, target float64, tier, status string) {
	t.Helper()
	if ev.Target != target || ev.Tier != tier || ev.Status != status {
		t.Errorf("%s@%s: target %v, tier %q, status %s; want %v, %q, %s", ev.SLO, ev.Customer, ev.Target, ev.Tier, ev.Status, target, tier, status)
	}
}

func TestATierSetAtRunTimeTakesEffectAtTheNextTick(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	e := tiered(t, openStore(t, t.TempDir(), c.now), c, tieredSpec, true)
	ctx := context.Background()
	wantTarget(t, evalOf(t, e, customerOf("acme")), 0.99, "free", "healthy")

	a, err := e.SetCustomerTier(ctx, "api", "acme", "enterprise")
	if err != nil {
		t.Fatal(err)
	}
	if a.Tier != "enterprise" || !a.Set.Equal(c.t) {
		t.Errorf("assignment %+v, want enterprise set now", a)
	}
	// The last tick's evaluation stands until the next.
	wantTarget(t, evalOf(t, e, customerOf("acme")), 0.99, "free", "healthy")
	if tgt, tier, _ := e.Target(customerOf("acme")); tgt != 0.999 || tier != "enterprise" {
		t.Errorf("next target %v on %q, want 0.999 on enterprise", tgt, tier)
	}
	c.step(10 * time.Second)
	e.Evaluate()
	wantTarget(t, evalOf(t, e, customerOf("acme")), 0.999, "enterprise", "exhausted")

	// A customer with no series yet gets its tier when its first events come.
	if _, err := e.SetCustomerTier(ctx, "api", "newco", "standard"); err != nil {
		t.Fatal(err)
	}
	minutes(t, e, c.t.Add(-time.Minute), c.t, 1000, 1000, customerOf("newco"))
	e.Evaluate()
	wantTarget(t, evalOf(t, e, customerOf("newco")), 0.995, "standard", "healthy")
	// The objective's total keeps the objective's target (it has no events
	// here: the test appends the customers' series alone).
	wantTarget(t, evalOf(t, e, slo.Series{Objective: "api/availability"}), 0.99, "", "no_data")
}

func TestAnAPITierSurvivesARestartAndAReload(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	st := openStore(t, dir, c.now)
	e := tiered(t, st, c, tieredSpec, true)
	ctx := context.Background()
	if _, err := e.SetCustomerTier(ctx, "api", "acme", "enterprise"); err != nil {
		t.Fatal(err)
	}
	if err := e.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}

	// A new engine over the same store: a restarted server.
	again := tiered(t, st, c, tieredSpec, false)
	wantTarget(t, evalOf(t, again, customerOf("acme")), 0.999, "enterprise", "exhausted")

	if err := again.Reload(ctx, services(t, tieredSpec)); err != nil {
		t.Fatal(err)
	}
	wantTarget(t, evalOf(t, again, customerOf("acme")), 0.999, "enterprise", "exhausted")

	// A spec that no longer declares the tier leaves the assignment unused,
	// not lost: it applies again when the tier comes back.
	noEnterprise := strings.NewReplacer("free, standard, enterprise", "free, standard",
		"      enterprise: {objective: 99.9}\n", "").Replace(tieredSpec)
	if err := again.Reload(ctx, services(t, noEnterprise)); err != nil {
		t.Fatal(err)
	}
	wantTarget(t, evalOf(t, again, customerOf("acme")), 0.99, "free", "healthy")
	if ct, _ := again.CustomerTier("api", "acme"); ct.Tier != "free" || ct.Source != TierFromDefault || ct.UnusedAPITier != "enterprise" {
		t.Errorf("tier %+v, want free by default with enterprise unused", ct)
	}
	if err := again.Reload(ctx, services(t, tieredSpec)); err != nil {
		t.Fatal(err)
	}
	wantTarget(t, evalOf(t, again, customerOf("acme")), 0.999, "enterprise", "exhausted")
}

func TestTheAPIWinsOverTheSpecUntilDeleted(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	st := openStore(t, t.TempDir(), c.now)
	changes := 0
	e := New(st, services(t, tieredSpec), Options{Now: c.now, OnTierChange: func() { changes++ }})
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	minutes(t, e, c.t.Add(-time.Hour), c.t, 1000, 1000, customerOf("initech"), customerOf("umbrella"))
	if _, err := e.SetCustomerTier(ctx, "api", "initech", "enterprise"); err != nil {
		t.Fatal(err)
	}
	e.Evaluate()
	wantTarget(t, evalOf(t, e, customerOf("initech")), 0.999, "enterprise", "healthy")

	list, ok := e.CustomerTiers("api")
	if !ok {
		t.Fatal("no mapping for api")
	}
	got := ""
	for _, ct := range list {
		got += ct.Customer + "=" + ct.Tier + "(" + ct.Source + "," + ct.SpecTier + ") "
	}
	if want := "initech=enterprise(api,standard) umbrella=free(default,) "; got != want {
		t.Errorf("mapping %q, want %q", got, want)
	}

	found, err := e.DeleteCustomerTier(ctx, "api", "initech")
	if err != nil || !found {
		t.Fatalf("delete: %v, %v; want found", found, err)
	}
	e.Evaluate()
	wantTarget(t, evalOf(t, e, customerOf("initech")), 0.995, "standard", "healthy")
	if found, err := e.DeleteCustomerTier(ctx, "api", "initech"); err != nil || found {
		t.Errorf("second delete: %v, %v; want nothing found", found, err)
	}
	if stored, _ := st.CustomerTiers(ctx); len(stored) != 0 {
		t.Errorf("the store still holds %+v", stored)
	}
	if changes != 2 {
		t.Errorf("OnTierChange called %d times, want 2 (a set, a delete that found one)", changes)
	}
}

// failingTiers is a store whose tier writes fail.
type failingTiers struct{ store.Store }

func (failingTiers) SetCustomerTier(context.Context, store.CustomerTier) error {
	return errors.New("disk full")
}

func TestABadRequestOrAFailedSaveChangesNothing(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	st := openStore(t, t.TempDir(), c.now)
	e := tiered(t, st, c, tieredSpec, true)
	ctx := context.Background()
	for _, r := range []struct {
		name                    string
		service, customer, tier string
		want                    error
	}{
		{"an unknown service", "nope", "acme", "enterprise", ErrUnknownService},
		{"a service without tiers", "shop", "acme", "enterprise", ErrNotTiered},
		{"an unknown tier", "api", "acme", "gold", ErrUnknownTier},
		{"an empty customer", "api", "", "enterprise", ErrInvalidCustomer},
		{"a customer id too long", "api", strings.Repeat("x", slo.MaxCustomer+1), "enterprise", ErrInvalidCustomer},
	} {
		t.Run(r.name, func(t *testing.T) {
			if _, err := e.SetCustomerTier(ctx, r.service, r.customer, r.tier); !errors.Is(err, r.want) {
				t.Errorf("got %v, want %v", err, r.want)
			}
		})
	}
	if _, err := e.DeleteCustomerTier(ctx, "nope", "acme"); !errors.Is(err, ErrUnknownService) {
		t.Errorf("delete in an unknown service: %v, want ErrUnknownService", err)
	}
	if _, err := e.SetCustomerTier(ctx, "api", "acme", "gold"); err == nil || !strings.Contains(err.Error(), "free, standard, enterprise") {
		t.Errorf("unknown tier error %v, want it to list the tiers", err)
	}

	broken := New(failingTiers{st}, services(t, tieredSpec), Options{Now: c.now})
	if err := broken.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := broken.SetCustomerTier(ctx, "api", "acme", "enterprise"); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("got %v, want the store's error", err)
	}
	for _, eng := range []*Engine{e, broken} {
		c.step(10 * time.Second)
		eng.Evaluate()
		wantTarget(t, evalOf(t, eng, customerOf("acme")), 0.99, "free", "healthy")
	}
	if stored, _ := st.CustomerTiers(ctx); len(stored) != 0 {
		t.Errorf("the store holds %+v after failed requests", stored)
	}
}

func TestTieredServicesMergeTheAPIsAssignmentsInEffect(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	e := tiered(t, openStore(t, t.TempDir(), c.now), c, tieredSpec, false)
	if _, err := e.SetCustomerTier(context.Background(), "api", "acme", "enterprise"); err != nil {
		t.Fatal(err)
	}
	svcs := e.TieredServices()
	if got := svcs[0].Customers.Tier("acme"); got != "enterprise" {
		t.Errorf("acme is %q in the tiered services, want enterprise", got)
	}
	if got := svcs[0].Customers.Tier("initech"); got != "standard" {
		t.Errorf("initech is %q, want the spec's standard", got)
	}
	if got := e.Services()[0].Customers.Tier("acme"); got != "free" {
		t.Errorf("the spec's services changed: acme is %q, want free", got)
	}
}
