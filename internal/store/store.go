// Package store declares what the platform keeps durably: counts of good and
// valid events per series and time bucket, the log of ingested batches,
// engine checkpoints, evaluation snapshots, annotations, alerts and the
// customer tiers set through the API. The sqlite package implements it;
// storetest holds the conformance tests every implementation passes.
package store

import (
	"context"
	"errors"
	"iter"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Resolution is the length of the time buckets counts are kept in.
type Resolution time.Duration

// The two resolutions. Fine buckets serve the alert windows (5m to 3d) and
// are kept days; coarse buckets serve the SLO window, reviews and SLA reports
// and are kept months.
const (
	Fine   = Resolution(time.Minute)
	Coarse = Resolution(time.Hour)
)

// Truncate returns the start of the bucket holding t, in UTC.
func (r Resolution) Truncate(t time.Time) time.Time {
	return t.UTC().Truncate(time.Duration(r))
}

// ErrClosed is returned by every method once the store is closed.
var ErrClosed = errors.New("store closed")

// Store keeps counts and what the engine and the API need beside them. Every
// method is safe for concurrent use.
type Store interface {
	// Append writes a batch of observations durably, adding each to the fine
	// and the coarse bucket holding its time (to the coarse one only when
	// the fine bucket is already past its retention by the store's clock,
	// so that a backfill of months does not write minutes to prune), and
	// records the batch in the
	// batch log under the next sequence number. When it returns nil the
	// batch is on disk. A non-empty ID already in the log makes Append a
	// no-op that returns that batch's sequence and duplicate true. A batch
	// is written whole or not at all; one that fails Batch.Validate is not
	// written, with an error wrapping ErrInvalid.
	Append(ctx context.Context, b Batch) (seq int64, duplicate bool, err error)

	// Scan calls fn for every stored count of resolution r with from <= time
	// < to, in order of series then time. Observations of one bucket and
	// series come summed, stamped with the bucket's start.
	Scan(ctx context.Context, r Resolution, from, to time.Time, fn func(slo.Observation) error) error

	// ScanSeries is Scan for one series.
	ScanSeries(ctx context.Context, r Resolution, s slo.Series, from, to time.Time, fn func(slo.Observation) error) error

	// Totals sums the counts of resolution r in [from, to) per series of
	// one objective: its total series (customer "") and each customer's,
	// sorted by customer. Series without counts in the range are left out.
	// It serves reports over months and quarters for thousands of
	// customers at once, where Scan would hand over every bucket.
	Totals(ctx context.Context, r Resolution, objective string, from, to time.Time) ([]Total, error)

	// Replay calls fn for every batch in the log with a sequence above
	// after, in sequence order, with what the batch added to the counts:
	// its observations summed per series and fine bucket, stamped with the
	// bucket's start.
	Replay(ctx context.Context, after int64, fn func(seq int64, obs []slo.Observation) error) error

	// LastSeq is the sequence number of the newest batch, 0 when none.
	LastSeq(ctx context.Context) (int64, error)

	// SaveCheckpoint replaces the engine checkpoint: opaque state per series,
	// taken after the batch with sequence seq was applied. The store keeps
	// none of the yielded slices, so the iterator may reuse its buffer.
	SaveCheckpoint(ctx context.Context, seq int64, states iter.Seq2[slo.Series, []byte]) error
	// LoadCheckpoint calls fn for each series of the checkpoint and returns
	// its sequence; 0 and no calls when there is none.
	LoadCheckpoint(ctx context.Context, fn func(slo.Series, []byte) error) (seq int64, err error)

	// SaveSnapshots records what the engine said at one time, one snapshot
	// per series. A snapshot of a series at a time already saved replaces
	// it.
	SaveSnapshots(ctx context.Context, snaps []Snapshot) error
	// Snapshots returns the snapshots of one series with from <= time < to,
	// oldest first.
	Snapshots(ctx context.Context, s slo.Series, from, to time.Time) ([]Snapshot, error)

	// AddAnnotation records an annotation and returns it with its ID set.
	AddAnnotation(ctx context.Context, a Annotation) (Annotation, error)
	// Annotations returns the annotations that overlap [from, to), of one
	// service when service is not empty, oldest first.
	Annotations(ctx context.Context, service string, from, to time.Time) ([]Annotation, error)

	// SaveAlerts writes alerts in one transaction: an alert with ID 0 is
	// inserted and comes back with its ID set, one with an ID replaces the
	// stored row. The returned slice is alerts, in order, with IDs set.
	SaveAlerts(ctx context.Context, alerts []Alert) ([]Alert, error)
	// DeleteAlert removes an alert, such as a pending one whose condition
	// ended before it fired. Deleting an unknown ID is not an error.
	DeleteAlert(ctx context.Context, id int64) error
	// ActiveAlerts returns the alerts not resolved (pending or firing),
	// oldest ActiveAt first: what a restart resumes.
	ActiveAlerts(ctx context.Context) ([]Alert, error)
	// Alerts returns the alerts that fired and overlap [q.From, q.To) (a
	// firing one overlaps every range after its FiredAt), filtered by
	// service and SLO when set, newest FiredAt first, at most q.Limit
	// (all when 0).
	Alerts(ctx context.Context, q AlertQuery) ([]Alert, error)
	// SetCustomerTier saves a customer's tier assignment made through the
	// API, replacing the customer's previous one in the service. When it
	// returns nil the assignment is on disk. One without a service, a
	// customer, a tier or a time is refused with an error wrapping
	// ErrInvalid.
	SetCustomerTier(ctx context.Context, a CustomerTier) error
	// DeleteCustomerTier removes the customer's assignment in service and
	// reports whether there was one.
	DeleteCustomerTier(ctx context.Context, service, customer string) (bool, error)
	// CustomerTiers returns every assignment, sorted by service, then
	// customer.
	CustomerTiers(ctx context.Context) ([]CustomerTier, error)

	// Prune deletes what is past retention at now: fine and coarse counts,
	// batch log entries older than both the dedup horizon and the
	// checkpoint, snapshots, and resolved alerts past the coarse
	// retention.
	Prune(ctx context.Context, now time.Time) error

	// Size is the store's size on disk in bytes.
	Size() (int64, error)

	// Close flushes and closes the store.
	Close() error
}

// Total is the good and valid events of one series over a range.
type Total struct {
	Customer    string
	Good, Valid float64
}

// Batch is what one ingest request adds, all or nothing.
type Batch struct {
	// ID is the client's batch id; a batch with an ID already logged is not
	// applied again. Empty for no deduplication.
	ID string
	// Received is when the server accepted the batch.
	Received     time.Time
	Observations []slo.Observation
}

// Snapshot is an evaluation as the engine made it at Time, kept for the
// record of what was known then (the counts may since have been backfilled).
type Snapshot struct {
	Series slo.Series
	Time   time.Time
	// SLI is nil when the window had no valid events.
	SLI              *float64
	BudgetRemaining  float64
	RemainingMinutes float64
	BurnRate1h       *float64
	Status           string
}

// Annotation marks a deploy, an incident or a note on a service's timeline.
type Annotation struct {
	ID      int64  `json:"id"`
	Service string `json:"service"`
	// Objective is the SLO name, empty for the whole service.
	Objective string `json:"slo,omitempty"`
	// Kind is deploy, incident or note.
	Kind  string    `json:"kind"`
	Start time.Time `json:"start"`
	// End is zero for a point in time.
	End    time.Time         `json:"end,omitzero"`
	Text   string            `json:"text,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
}

// CustomerTier is a customer's tier set through the API. It takes
// precedence over the spec's mapping until it is deleted, and is never
// pruned.
type CustomerTier struct {
	Service  string `json:"service"`
	Customer string `json:"customer"`
	Tier     string `json:"tier"`
	// Set is when the assignment was made.
	Set time.Time `json:"set"`
}

// Alert is one episode of one alert rule of a series: from when its
// condition first held (ActiveAt) to when it was resolved. The alert
// package owns the states; the store keeps them so that a restart resumes a
// firing alert rather than paging anew, and keeps the history.
type Alert struct {
	ID       int64  `json:"id"`
	Service  string `json:"service"`
	SLO      string `json:"slo"`
	Customer string `json:"customer,omitempty"`
	// Rule is the tier's name for a burn-rate alert, or budget_critical,
	// budget_exhausted for a budget-status alert.
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	// State is pending, firing or resolved.
	State    string    `json:"state"`
	ActiveAt time.Time `json:"active_at"`
	// FiredAt is zero until the alert fires; ResolvedAt until it resolves.
	FiredAt    time.Time `json:"fired_at,omitzero"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// LastTrueAt is the last time the condition held, for keep_firing_for.
	LastTrueAt time.Time `json:"last_true_at,omitzero"`
	// PeakBurnRate is the highest long-window burn rate seen while active.
	PeakBurnRate float64 `json:"peak_burn_rate"`
	// BudgetSpent is the share of the error budget spent by the bad events
	// in [FiredAt, ResolvedAt), set when the alert resolves.
	BudgetSpent float64 `json:"budget_spent"`
	// Labels and Annotations are what the notifiers were sent.
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// AlertQuery selects alert history.
type AlertQuery struct {
	Service, SLO string
	From, To     time.Time
	Limit        int
}

// Retention says how long each kind of record is kept.
type Retention struct {
	Fine      time.Duration
	Coarse    time.Duration
	Snapshots time.Duration
	// Batches is how long batch ids are remembered for deduplication.
	Batches time.Duration
}

// DefaultRetention keeps fine counts 8 days (the 3-day alert windows and a
// week of detail), coarse counts 400 days (13 months, for year-on-year
// reviews and SLA disputes), snapshots 400 days and batch ids 24 hours.
var DefaultRetention = Retention{
	Fine:      8 * slo.Day,
	Coarse:    400 * slo.Day,
	Snapshots: 400 * slo.Day,
	Batches:   24 * time.Hour,
}
