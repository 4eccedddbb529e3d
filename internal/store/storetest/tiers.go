package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/store"
)

// testCustomerTiers covers SetCustomerTier, DeleteCustomerTier and
// CustomerTiers.
func testCustomerTiers(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	tier := func(service, customer, tier string, set time.Time) store.CustomerTier {
		return store.CustomerTier{Service: service, Customer: customer, Tier: tier, Set: set}
	}
	set := func(t *testing.T, s store.Store, as ...store.CustomerTier) {
		t.Helper()
		for _, a := range as {
			if err := s.SetCustomerTier(ctx, a); err != nil {
				t.Fatalf("set %+v: %v", a, err)
			}
		}
	}
	list := func(t *testing.T, s store.Store) string {
		t.Helper()
		got, err := s.CustomerTiers(ctx)
		if err != nil {
			t.Fatalf("customer tiers: %v", err)
		}
		out := ""
		for _, a := range got {
			utc := ""
			if a.Set.Location() != time.UTC {
				utc = " (not UTC)"
			}
			out += fmt.Sprintf("%s/%s=%s@%s%s ", a.Service, a.Customer, a.Tier, a.Set.Format(time.RFC3339Nano), utc)
		}
		return out
	}

	t.Run("an empty store has no assignments", func(t *testing.T) {
		if got := list(t, open(t)); got != "" {
			t.Errorf("got %q, want none", got)
		}
	})

	t.Run("assignments read back sorted by service then customer, to the millisecond in UTC", func(t *testing.T) {
		s := open(t)
		local := time.FixedZone("X", 5*3600)
		set(t, s, tier("shop", "zeta", "free", at(time.Second).In(local)),
			tier("api", "b", "enterprise", at(1500*time.Microsecond)),
			tier("api", "a", "standard", t0))
		want := "api/a=standard@2025-03-10T12:00:00Z api/b=enterprise@2025-03-10T12:00:00.001Z shop/zeta=free@2025-03-10T12:00:01Z "
		if got := list(t, s); got != want {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	})

	t.Run("setting a customer again replaces its tier, in its service only", func(t *testing.T) {
		s := open(t)
		set(t, s, tier("api", "acme", "free", t0), tier("shop", "acme", "free", t0))
		set(t, s, tier("api", "acme", "enterprise", at(time.Minute)))
		want := "api/acme=enterprise@2025-03-10T12:01:00Z shop/acme=free@2025-03-10T12:00:00Z "
		if got := list(t, s); got != want {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	})

	t.Run("deleting removes one assignment and says whether there was one", func(t *testing.T) {
		s := open(t)
		set(t, s, tier("api", "acme", "free", t0), tier("api", "initech", "free", t0))
		for _, c := range []struct {
			service, customer string
			want              bool
		}{{"api", "acme", true}, {"api", "acme", false}, {"shop", "initech", false}} {
			got, err := s.DeleteCustomerTier(ctx, c.service, c.customer)
			if err != nil || got != c.want {
				t.Errorf("delete %s/%s: %v, %v; want %v", c.service, c.customer, got, err, c.want)
			}
		}
		if got, want := list(t, s), "api/initech=free@2025-03-10T12:00:00Z "; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})

	t.Run("an assignment missing a field is refused and changes nothing", func(t *testing.T) {
		s := open(t)
		set(t, s, tier("api", "acme", "free", t0))
		for _, a := range []store.CustomerTier{
			tier("", "acme", "enterprise", t0), tier("api", "", "enterprise", t0),
			tier("api", "acme", "", t0), tier("api", "acme", "enterprise", time.Time{}),
		} {
			if err := s.SetCustomerTier(ctx, a); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("set %+v: %v, want ErrInvalid", a, err)
			}
		}
		if got, want := list(t, s), "api/acme=free@2025-03-10T12:00:00Z "; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})

	t.Run("assignments are not pruned, however old", func(t *testing.T) {
		s := open(t)
		set(t, s, tier("api", "acme", "enterprise", at(-1000*24*time.Hour)))
		if err := s.Prune(ctx, t0); err != nil {
			t.Fatal(err)
		}
		if got := list(t, s); got == "" {
			t.Error("pruning removed an assignment")
		}
	})
}
