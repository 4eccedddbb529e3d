package sqlite

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/store"
)

func TestAlertReadsWalkTheirIndexesAndSortNothing(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "slo.db"))
	defer db.Close()
	for _, tt := range []struct {
		name, query, index string
		args               []any
	}{
		{"active alerts", activeAlertsSQL, "alerts_active", nil},
		{"all history", alertsSQL, "alerts_fired", []any{int64(math.MaxInt64), int64(math.MinInt64), "", "", "", "", -1}},
		{"filtered history", alertsSQL, "alerts_fired", []any{2, 1, "checkout", "checkout", "latency", "latency", 10}},
	} {
		rows, err := db.read.Query("EXPLAIN QUERY PLAN "+tt.query, tt.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		// One step: no temporary b-tree to sort in.
		if len(plan) != 1 || !strings.Contains(plan[0], "USING INDEX "+tt.index) {
			t.Errorf("%s: plan %q, want one step, using index %s", tt.name, plan, tt.index)
		}
	}
}

func TestSavedAlertsComeBackAsTheyReadBack(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "slo.db"))
	defer db.Close()
	local := time.FixedZone("X", 5*3600)
	saved, err := db.SaveAlerts(ctx, []store.Alert{{Service: "checkout", SLO: "availability", Rule: "page",
		State: "pending", ActiveAt: t0.Add(1234567 * time.Nanosecond).In(local), FiredAt: time.Time{}.In(local)}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.ActiveAlerts(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("got %v, %v; want one alert", got, err)
	}
	a, b := saved[0], got[0]
	if a.ActiveAt != b.ActiveAt || a.FiredAt != b.FiredAt || b.ActiveAt != t0.Add(time.Millisecond) {
		t.Errorf("saved active %v fired %v, read %v and %v; want both %v and zero", a.ActiveAt, a.FiredAt,
			b.ActiveAt, b.FiredAt, t0.Add(time.Millisecond))
	}
}

func TestADatabaseOfVersion1GainsAlertsAndKeepsItsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "slo.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateTo(ctx, raw, migrations[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO annotations (service, objective, kind, start_ms, text)
		VALUES ('checkout', '', 'deploy', ?, 'v1')`, t0.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db := open(t, path)
	defer db.Close()
	if v, err := schemaVersion(ctx, db.read); err != nil || v != len(migrations) {
		t.Errorf("version %d, %v; want %d", v, err, len(migrations))
	}
	if got, err := db.Annotations(ctx, "", t0, t0.Add(time.Hour)); err != nil || len(got) != 1 {
		t.Errorf("annotations %v, %v; want the one saved before the migration", got, err)
	}
	if _, err := db.SaveAlerts(ctx, []store.Alert{{Service: "checkout", Rule: "page", ActiveAt: t0}}); err != nil {
		t.Errorf("save alerts after migrating: %v", err)
	}
}
