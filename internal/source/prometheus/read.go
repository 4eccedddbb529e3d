package prometheus

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/slo-dev/slo/internal/promsli"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// objective is the reading state of one objective. Within a Read only the
// goroutine reading it touches it, and Reads do not overlap.
type objective struct {
	key        string
	obj        *slo.Objective
	valid, bad string // PromQL of the events over promsli.Step
	// broken is why the objective's queries could not be made; it is
	// reported down once and never read.
	broken error
	// label is the SLI's customer_label: the queries are then per
	// customer (customer.go), and series is how many the last read had.
	label  string
	series int

	started bool
	// cursor is the end of the newest minute read (whose count was taken
	// shift before it): the minutes ending at or before it are done. It
	// moves only once their counts are appended.
	cursor time.Time
	// read is where the counts stored are known to end: the cursor, but
	// not where MaxBackfill moved it past minutes never read.
	read time.Time
	// pending is a batch read but not appended: it is appended again, with
	// the same ID, before anything else is read, so that an append that
	// reached the store but failed on the way back is not counted twice.
	pending   *store.Batch
	pendingTo time.Time

	fails   int
	retryAt time.Time

	// catchup is where the backfill under way began; zero when live.
	catchup time.Time
	caught  int // observations the backfill under way appended
}

// due reports whether o has work at now, target being Source.target(now):
// Read starts no goroutine for the others, most objectives most rounds.
func (o *objective) due(now, target time.Time) bool {
	switch {
	case now.Before(o.retryAt):
		return false
	case !o.started:
		return true
	case o.broken != nil:
		return false
	}
	return o.pending != nil || !o.cursor.Add(promsli.Every).After(target)
}

// liveSpan is the longest read that is not logged as a backfill: a minute
// or two is the norm, a few after a slow query.
const liveSpan = 5 * time.Minute

// pull reads one chunk of o's unread minutes at now, and reports whether
// more is left to read.
func (s *Source) pull(ctx context.Context, o *objective, now time.Time) bool {
	if o.broken != nil {
		if !o.started {
			o.started = true
			s.report(o, now, o.broken)
		}
		return false
	}
	target := s.target(now)
	floor := target.Add(-s.opts.MaxBackfill)
	if !o.started {
		if err := s.start(ctx, o, floor); err != nil {
			if ctx.Err() == nil {
				s.backoff(o, now)
				s.opts.Logger.Error("prometheus source: cannot tell where the objective's counts end; retrying", "objective", o.key, "err", err, "retry_at", o.retryAt)
			}
			return false
		}
	}
	if o.pending != nil && !s.append(ctx, o, now, *o.pending, o.pendingTo) {
		return false
	}
	if o.cursor.Before(floor) {
		if !o.cursor.IsZero() {
			s.opts.Logger.Warn("prometheus source: minutes older than the maximum backfill are left unread",
				"objective", o.key, "from", o.cursor, "to", floor, "max_backfill", slo.FormatDuration(s.opts.MaxBackfill))
		}
		o.cursor = floor
	}
	from := o.cursor.Add(promsli.Every)
	if from.After(target) {
		return false
	}
	// A chunk ends on a multiple of its span: [from, to] holds exactly one.
	span := o.span(s.opts.Chunk)
	to := from.Add(span - promsli.Every).Truncate(span)
	if to.After(target) {
		to = target
	}
	valid, err := s.q.QueryRange(ctx, o.valid, from.Add(-shift), to.Add(-shift), promsli.Every)
	var bad Matrix
	if err == nil {
		bad, err = s.q.QueryRange(ctx, o.bad, from.Add(-shift), to.Add(-shift), promsli.Every)
	}
	if err != nil {
		if ctx.Err() == nil { // stopping is not the backend's fault
			s.backoff(o, now)
			s.report(o, now, err)
		}
		return false
	}
	obs, skipped := observe(o, from, to, valid, bad)
	if o.label != "" {
		o.series = max(len(valid), len(bad))
		obs = append(obs, observeCustomers(o, from, to, valid, bad)...)
	}
	if skipped > 0 {
		s.opts.Logger.Warn("prometheus source: minutes whose valid or bad count is not a finite number are left out",
			"objective", o.key, "minutes", skipped, "from", from.Add(-promsli.Every), "to", to)
	}
	if len(obs) == 0 {
		o.cursor, o.read = to, to
	} else if !s.append(ctx, o, now, store.Batch{ID: batchID(o.key, from, to), Received: now, Observations: obs}, to) {
		s.report(o, now, nil) // the backend answered; the sink failed
		return false
	}
	o.fails, o.retryAt = 0, time.Time{}
	s.report(o, now, nil)
	s.progress(o, from, to, target, len(obs))
	return to.Before(target)
}

// start finds where o resumes: after the newest minute stored, or at floor.
func (s *Source) start(ctx context.Context, o *objective, floor time.Time) error {
	if s.opts.Last != nil {
		last, err := s.opts.Last(ctx, o.key, floor)
		if err != nil {
			return fmt.Errorf("%s: %w", o.key, err)
		}
		if !last.IsZero() {
			// The newest stored minute is m: the cursor is its end.
			o.cursor = last.Truncate(promsli.Every).Add(promsli.Every)
			o.read = o.cursor
		}
	}
	o.started = true
	if o.cursor.After(floor) {
		s.opts.Logger.Info("prometheus source: objective resumes after its newest stored minute", "objective", o.key, "from", o.cursor)
	} else {
		s.opts.Logger.Info("prometheus source: objective has no recent counts stored; backfilling", "objective", o.key, "from", floor)
	}
	return nil
}

// append hands b, the minutes up to to, to the sink, and moves the cursor
// once it is taken. On failure b waits in pending, to be appended as is.
func (s *Source) append(ctx context.Context, o *objective, now time.Time, b store.Batch, to time.Time) bool {
	if _, _, err := s.sink.Append(ctx, b); err != nil {
		o.pending, o.pendingTo = &b, to
		if ctx.Err() == nil {
			s.backoff(o, now)
			s.opts.Logger.Error("prometheus source: appending counts failed; the same batch is retried", "objective", o.key, "batch", b.ID, "err", err, "retry_at", o.retryAt)
		}
		return false
	}
	o.pending, o.cursor, o.read = nil, to, to
	return true
}

// progress logs a read: a backfill's chunks at info level with how far
// along it is, live reads at debug.
func (s *Source) progress(o *objective, from, to, target time.Time, n int) {
	log := s.opts.Logger
	minutes := int((to.Sub(from) + promsli.Every) / promsli.Every)
	if o.catchup.IsZero() {
		if to.Sub(from) < liveSpan && !to.Before(target) {
			log.Debug("prometheus source: read", "objective", o.key, "to", to, "minutes", minutes, "observations", n)
			return
		}
		o.catchup, o.caught = from.Add(-promsli.Every), 0
	}
	o.caught += n
	done, total := to.Sub(o.catchup), target.Sub(o.catchup)
	log.Info("prometheus backfill", "objective", o.key, "from", from.Add(-promsli.Every), "to", to,
		"minutes", minutes, "observations", n, "progress", fmt.Sprintf("%.0f%%", 100*float64(done)/float64(total)),
		"left", target.Sub(to))
	if !to.Before(target) {
		log.Info("prometheus backfill done", "objective", o.key, "from", o.catchup, "to", to,
			"minutes", int(done/promsli.Every), "observations", o.caught)
		o.catchup, o.caught = time.Time{}, 0
	}
}

// batchID names the batch of o's minutes ending from..to, so that a retry
// of it is a duplicate.
func batchID(key string, from, to time.Time) string {
	return "prometheus:" + key + ":" + strconv.FormatInt(from.Unix(), 10) + ":" + strconv.FormatInt(to.Unix(), 10)
}

// observe turns the counts taken shift before from, from+1m, ... to, each
// over the promsli.Step before it, into observations of the minutes ending
// at from ... to, in time order: the count at m+30s gives minute m. Each
// event lies in Overlap counts, so a minute gets 1/Overlap of its count:
// summed over time that counts every event once, as the rules promgen
// writes do. It also returns how many minutes were
// left out for a count that is not a finite number.
func observe(o *objective, from, to time.Time, valid, bad Matrix) ([]slo.Observation, int) {
	n := int(to.Sub(from)/promsli.Every) + 1
	return minutes(o, slo.Series{Objective: o.key}, from, n, sumAt(valid, from.Add(-shift), n), sumAt(bad, from.Add(-shift), n))
}

// minutes turns n counts of valid and bad events, the first for the minute
// ending from, into observations of series id, and counts the minutes left
// out for a count that is not a finite number.
func minutes(o *objective, id slo.Series, from time.Time, n int, v, b sums) ([]slo.Observation, int) {
	out := make([]slo.Observation, 0, n)
	skipped := 0
	for i := range n {
		if !v.has[i] {
			continue // no data is not zero events
		}
		bd := 0.0 // no bad series: no errors yet
		if b.has[i] {
			bd = b.sum[i]
		}
		vd := max(v.sum[i], 0)
		valid, good := vd/promsli.Overlap, (vd-bd)/promsli.Overlap
		if !finite(valid) || math.IsNaN(good) || valid > store.MaxCount {
			skipped++
			continue
		}
		good = min(max(good, 0), valid)
		t := from.Add(time.Duration(i-1) * promsli.Every)
		if o.obj.Excluded(t) {
			continue // a maintenance window's events are not valid
		}
		out = append(out, slo.Observation{Series: id, Time: t, Good: good, Valid: valid})
	}
	return out, skipped
}

// sums is a query's values per evaluation time, its series summed.
type sums struct {
	sum []float64
	has []bool
}

// sumAt sums m's series at from, from+1m, ...: n times. NaN points are
// left out, as if absent; points off those times are ignored.
func sumAt(m Matrix, from time.Time, n int) sums {
	s := sums{sum: make([]float64, n), has: make([]bool, n)}
	for _, ser := range m {
		for _, p := range ser.Points {
			d := p.Time.Sub(from)
			if d < 0 || d%promsli.Every != 0 || d/promsli.Every >= time.Duration(n) || math.IsNaN(p.Value) {
				continue
			}
			i := int(d / promsli.Every)
			s.sum[i] += p.Value
			s.has[i] = true
		}
	}
	return s
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
