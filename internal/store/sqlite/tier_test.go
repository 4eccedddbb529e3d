package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/slo-dev/slo/internal/store"
)

func TestACustomerTierSurvivesReopening(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "slo.db")
	db := open(t, path)
	if err := db.SetCustomerTier(ctx, store.CustomerTier{Service: "api", Customer: "acme", Tier: "enterprise", Set: t0}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open(t, path)
	defer db.Close()
	got, err := db.CustomerTiers(ctx)
	if err != nil || len(got) != 1 || got[0].Tier != "enterprise" || !got[0].Set.Equal(t0) {
		t.Errorf("after reopening: %+v, %v; want acme on enterprise set at %s", got, err, t0)
	}
}

func TestADatabaseOfVersion2GainsCustomerTiersAndKeepsItsAlerts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "slo.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateTo(ctx, raw, migrations[:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO alerts (service, objective, customer, rule, severity, state, active_ms)
		VALUES ('api', 'availability', '', 'page', 'critical', 'pending', ?)`, t0.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db := open(t, path)
	defer db.Close()
	if v, err := schemaVersion(ctx, db.read); err != nil || v != 3 {
		t.Errorf("version %d, %v; want 3", v, err)
	}
	if got, err := db.ActiveAlerts(ctx); err != nil || len(got) != 1 {
		t.Errorf("active alerts %+v, %v; want the one saved before the migration", got, err)
	}
	if err := db.SetCustomerTier(ctx, store.CustomerTier{Service: "api", Customer: "acme", Tier: "free", Set: t0}); err != nil {
		t.Errorf("set a customer tier after migrating: %v", err)
	}
}
