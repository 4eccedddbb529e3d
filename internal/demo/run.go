package demo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Service is the service of the example spec the demo's traffic is for.
const Service = "notification-platform"

// Incident is a period of the backfill in which every API request fails.
type Incident struct {
	// Name says what happened, for annotations.
	Name string
	// Day is the day of the backfill it happens on, counted from 1: day 1
	// is the first 24 hours after the backfill's start.
	Day int
	// Duration is how long every API request fails.
	Duration time.Duration
	// Status is the status of every API response meanwhile (503 when 0).
	Status int
	// Delivery makes deliveries fail too, as when a provider is down.
	Delivery bool
}

// SeedIncidents returns the incidents of the seed's walkthrough: a 10-minute
// outage on day 5, a failed deploy of 15 minutes on day 12 and a 20-minute
// third-party outage on day 20. Against a 99.9% SLO over 30 days they spend
// 45 of the 43.2 minutes of budget, leaving -1.8.
func SeedIncidents() []Incident {
	return []Incident{
		{Name: "outage", Day: 5, Duration: 10 * time.Minute, Status: 503},
		{Name: "failed deploy", Day: 12, Duration: 15 * time.Minute, Status: 500},
		{Name: "third-party outage", Day: 20, Duration: 20 * time.Minute, Status: 502, Delivery: true},
	}
}

// Span returns when the incident happens in a backfill from start: centred
// on the first 09:00 UTC of its day. At 09:00 the daily load crosses its
// average on the way up, and a sinusoid is antisymmetric about such a
// crossing, so the requests failed are exactly the average rate times the
// duration: an incident of 10 minutes costs 10 minutes of budget, as in the
// seed. 09:00 is also far from the Sunday 02:00 maintenance window, which
// would otherwise hide part of it.
func (i Incident) Span(start time.Time) (from, to time.Time) {
	day := start.Add(time.Duration(max(i.Day, 1)-1) * slo.Day)
	centre := day.Truncate(slo.Day).Add(rising)
	if centre.Before(day) {
		centre = centre.Add(slo.Day)
	}
	from = centre.Add(-i.Duration / 2).UTC()
	return from, from.Add(i.Duration)
}

// Backfill makes the traffic of [start, end), incidents included, and
// appends it chunk by chunk. Each batch's ID is "demo-backfill-" and the
// unix time of its chunk's aligned start, so a backfill run again over the
// same hours, within the store's deduplication horizon, adds nothing twice.
// A partial first or last chunk shares its ID with the whole chunk: a rerun
// that reaches further into it is taken as a duplicate, which may leave a
// gap there but never counts an event twice.
func (g *Generator) Backfill(ctx context.Context, sink Sink, classify Classify, start, end time.Time) error {
	spans := g.spans(start)
	var buf []slo.Event
	for from := start; from.Before(end); {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := from.Truncate(g.cfg.Chunk)
		to := chunk.Add(g.cfg.Chunk)
		if to.After(end) {
			to = end
		}
		buf = g.appendEvents(buf[:0], from, to, spans)
		id := "demo-backfill-" + strconv.FormatInt(chunk.Unix(), 10)
		// The batches are received now, at the end of the range, not at the
		// generated times: the store measures its deduplication horizon
		// from when a batch arrived.
		if err := g.append(ctx, sink, classify, buf, id, end); err != nil {
			return fmt.Errorf("demo: backfill %s: %w", from.UTC().Format(time.RFC3339), err)
		}
		from = to
	}
	return nil
}

// Live appends, every interval of every, the quiet traffic (no incidents)
// of the time passed since the last batch, starting from now() at the call.
// The intervals follow each other without gap or overlap whatever the
// ticks' timing, because each starts where the last ended by the clock, not
// by the ticker. To follow a Backfill without a gap, give it a clock whose
// first reading is the backfill's end. It returns nil when ctx is done, and
// the first error of the sink otherwise.
func (g *Generator) Live(ctx context.Context, sink Sink, classify Classify, now func() time.Time, every time.Duration) error {
	if every <= 0 {
		return errors.New("demo: live: the interval must be positive")
	}
	tick := g.cfg.Tick(every)
	from := now()
	var buf []slo.Event
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
		}
		to := now()
		if !to.After(from) {
			continue // the clock did not move: nothing new to make
		}
		buf = g.appendEvents(buf[:0], from, to, nil)
		id := "demo-live-" + strconv.FormatInt(from.UnixNano(), 10)
		if err := g.append(ctx, sink, classify, buf, id, to); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("demo: live %s: %w", from.UTC().Format(time.RFC3339), err)
		}
		from = to
	}
}

// append classifies events and appends them as one batch; nothing when no
// event counted for anything.
func (g *Generator) append(ctx context.Context, sink Sink, classify Classify, events []slo.Event, id string, received time.Time) error {
	obs := classify(events)
	if len(obs) == 0 {
		return nil
	}
	_, _, err := sink.Append(ctx, store.Batch{ID: id, Received: received, Observations: obs})
	return err
}

// Annotations are the incidents of a backfill from start as the timeline
// shows them: an incident each, and a deploy where the incident was one.
func Annotations(incidents []Incident, start time.Time) []store.Annotation {
	var out []store.Annotation
	for _, in := range incidents {
		from, to := in.Span(start)
		if strings.Contains(in.Name, "deploy") {
			out = append(out, store.Annotation{Service: Service, Kind: "deploy", Start: from, Text: in.Name})
		}
		out = append(out, store.Annotation{Service: Service, Kind: "incident", Start: from, End: to, Text: in.Name})
	}
	return out
}
