package accesslog

import (
	"bytes"
	"context"
	"fmt"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// chunk is how many events are classified at once: enough to spread the
// router's per-call cost, few enough to keep the events in cache.
const chunk = 4096

// maxReported bounds the malformed lines logged one by one per batch; the
// rest are counted in one message.
const maxReported = 5

// batch turns the lines of a stretch of a log into observations. It is
// reused from batch to batch.
type batch struct {
	src    *Source
	t      *tailer
	events []slo.Event
	obs    []slo.Observation
	index  map[cellKey]int
	res    result
}

// cellKey is an observation's series and minute.
type cellKey struct {
	series slo.Series
	minute int64
}

// result is what a batch's lines came to, applied to the position and the
// stats once the batch is appended.
type result struct {
	lines, counted, ignored, excluded, malformed, outOfRange int64
	// line is the number of the last line read; skipping is set when the
	// batch ends inside a line too long to read.
	line     int64
	skipping bool
	// reports are the first malformed lines, as file:line: problem.
	reports []string
}

func (b *batch) init(s *Source, t *tailer) {
	b.src, b.t = s, t
	b.events = make([]slo.Event, 0, chunk)
	b.index = map[cellKey]int{}
}

// build reads data, whole lines from the position on (a last line without
// its newline too when final), into b.obs and b.res.
func (b *batch) build(data []byte, final bool) {
	opts := &b.src.opts
	// A new slice: the sink may keep what it is handed.
	b.obs, b.events, b.res = nil, b.events[:0], result{skipping: b.t.pos.Skipping}
	clear(b.index)
	now := opts.Now()
	oldest, latest := now.Add(-opts.MaxAge), now.Add(opts.MaxFuture)
	line := b.t.pos.Line
	r := &b.res
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var l []byte
		switch {
		case i >= 0:
			l, data = data[:i], data[i+1:]
		case final:
			l, data = data, nil
		default:
			// A piece of a line too long to read, without its end.
			if !r.skipping {
				line++
				r.lines++
				b.malformed(line, fmt.Errorf("longer than %d bytes", opts.MaxLine))
				r.skipping = true
			}
			data = nil
			continue
		}
		if r.skipping {
			r.skipping = false // the end of the long line
			continue
		}
		line++
		l = bytes.TrimSuffix(l, []byte{'\r'})
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		r.lines++
		if len(l) > opts.MaxLine {
			b.malformed(line, fmt.Errorf("longer than %d bytes", opts.MaxLine))
			continue
		}
		b.events = b.events[:len(b.events)+1]
		e := &b.events[len(b.events)-1]
		if err := b.t.parser.Parse(l, e); err != nil {
			b.events = b.events[:len(b.events)-1]
			b.malformed(line, err)
			continue
		}
		if e.Time.Before(oldest) || e.Time.After(latest) {
			b.events = b.events[:len(b.events)-1]
			r.outOfRange++
			continue
		}
		e.Stream = b.t.key
		if len(b.events) == chunk {
			b.classify()
		}
	}
	b.classify()
	r.line = line
}

func (b *batch) malformed(line int64, err error) {
	b.res.malformed++
	if len(b.res.reports) < maxReported {
		b.res.reports = append(b.res.reports, fmt.Sprintf("%s:%d: %v", b.t.name, line, err))
	}
}

// classify counts the events held into b.obs, summed per series and
// minute, and empties the list: the events point into the bytes read,
// which the next read replaces.
func (b *batch) classify() {
	if len(b.events) == 0 {
		return
	}
	obs, st := b.src.router.Classify(b.events)
	b.res.counted += int64(st.Counted)
	b.res.ignored += int64(st.Ignored + st.Unmatched)
	b.res.excluded += int64(st.Excluded)
	for _, o := range obs {
		k := cellKey{o.Series, o.Time.Unix() / 60}
		if i, ok := b.index[k]; ok {
			b.obs[i].Good += o.Good
			b.obs[i].Valid += o.Valid
			continue
		}
		b.index[k] = len(b.obs)
		b.obs = append(b.obs, o)
	}
	clear(b.events)
	b.events = b.events[:0]
}

// append counts the bytes from the position to end and moves the position
// there, durably: the batch's ID goes to the state file before the batch
// goes to the sink, so that a restart between the two sends the same
// batch again, under the same ID, which the sink takes at most once.
func (t *tailer) append(ctx context.Context, end int64, final bool) error {
	from := t.pos.Offset
	data, err := t.read(from, end-from)
	if err != nil {
		return err
	}
	if int64(len(data)) < end-from {
		return fmt.Errorf("read %s: %d bytes at %d, found %d", t.name, end-from, from, len(data))
	}
	if t.pos.First == "" {
		fp, ok, err := fingerprint(t.f, final)
		if err != nil {
			return fmt.Errorf("read %s: %w", t.name, err)
		}
		if !ok {
			return fmt.Errorf("read %s: no first line to know the file by", t.name)
		}
		t.pos.First = fp
	}
	b := &t.bat
	b.build(data, final)
	if len(b.obs) > 0 {
		if t.pos.Pending == nil {
			t.pos.Pending = &pending{End: end, Final: final,
				ID: fmt.Sprintf("accesslog:%s:%x.%x.%s:%d-%d", t.key, t.id.Dev, t.id.Ino, t.pos.First, from, end)}
			if err := t.save(); err != nil {
				t.pos.Pending = nil
				return err
			}
		}
		_, _, err := t.src.sink.Append(ctx, store.Batch{ID: t.pos.Pending.ID, Received: t.src.opts.Now(), Observations: b.obs})
		if err != nil {
			return fmt.Errorf("append lines %d-%d of %s: %w", t.pos.Line+1, b.res.line, t.name, err)
		}
	}
	r := b.res
	t.pos.Offset, t.pos.Line, t.pos.Skipping, t.pos.Pending = end, r.line, r.skipping, nil
	if err := t.save(); err != nil {
		return err
	}
	t.report(r, len(b.obs) > 0)
	return nil
}

// report adds a batch's result to the stats and logs its malformed lines.
func (t *tailer) report(r result, appended bool) {
	log := t.src.opts.Logger
	for _, m := range r.reports {
		log.Warn("access log: malformed line skipped", "line", m, "slo", t.key)
	}
	if more := r.malformed - int64(len(r.reports)); more > 0 {
		log.Warn("access log: more malformed lines skipped", "slo", t.key, "path", t.name, "count", more)
	}
	if r.outOfRange > 0 {
		log.Warn("access log: lines dated out of range skipped", "slo", t.key, "path", t.name, "count", r.outOfRange,
			"max_age", t.src.opts.MaxAge.String(), "max_future", t.src.opts.MaxFuture.String())
	}
	t.src.update(t.key, func(st *Stat) {
		st.Lines += r.lines
		st.Counted += r.counted
		st.Ignored += r.ignored
		st.Excluded += r.excluded
		st.Malformed += r.malformed
		st.OutOfRange += r.outOfRange
		if appended {
			st.Batches++
		}
	})
}
