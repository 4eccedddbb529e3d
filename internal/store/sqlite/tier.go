package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/store"
)

// SetCustomerTier upserts the customer's row: one statement, committed
// (and fsynced, synchronous=FULL) before it returns.
func (db *DB) SetCustomerTier(ctx context.Context, a store.CustomerTier) error {
	if !db.gate.enter() {
		return store.ErrClosed
	}
	defer db.gate.exit()
	var why string
	switch {
	case a.Service == "":
		why = "no service"
	case a.Customer == "":
		why = "no customer"
	case a.Tier == "":
		why = "no tier"
	case a.Set.IsZero():
		why = "no time"
	}
	if why != "" {
		return fmt.Errorf("sqlite set customer tier: %w: %s", store.ErrInvalid, why)
	}
	_, err := db.write.ExecContext(ctx, `INSERT INTO customer_tiers (service, customer, tier, set_ms) VALUES (?, ?, ?, ?)
		ON CONFLICT (service, customer) DO UPDATE SET tier = excluded.tier, set_ms = excluded.set_ms`,
		a.Service, a.Customer, a.Tier, a.Set.UnixMilli())
	if err != nil {
		return db.fail("set customer tier", err)
	}
	return nil
}

// DeleteCustomerTier deletes the customer's row, if there is one.
func (db *DB) DeleteCustomerTier(ctx context.Context, service, customer string) (bool, error) {
	if !db.gate.enter() {
		return false, store.ErrClosed
	}
	defer db.gate.exit()
	res, err := db.write.ExecContext(ctx, `DELETE FROM customer_tiers WHERE service = ? AND customer = ?`, service, customer)
	if err != nil {
		return false, db.fail("delete customer tier", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, db.fail("delete customer tier", err)
	}
	return n > 0, nil
}

// CustomerTiers reads every row in primary key order, which is the order
// promised. Times come back to the millisecond, in UTC.
func (db *DB) CustomerTiers(ctx context.Context) ([]store.CustomerTier, error) {
	if !db.gate.enter() {
		return nil, store.ErrClosed
	}
	defer db.gate.exit()
	rows, err := db.read.QueryContext(ctx, `SELECT service, customer, tier, set_ms FROM customer_tiers ORDER BY service, customer`)
	if err != nil {
		return nil, db.fail("customer tiers", err)
	}
	defer rows.Close()
	var out []store.CustomerTier
	for rows.Next() {
		var a store.CustomerTier
		var ms int64
		if err := rows.Scan(&a.Service, &a.Customer, &a.Tier, &ms); err != nil {
			return nil, db.fail("customer tiers", err)
		}
		a.Set = time.UnixMilli(ms).UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("customer tiers", err)
	}
	return out, nil
}
