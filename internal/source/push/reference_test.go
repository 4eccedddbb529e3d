package push

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// refItem is an item as encoding/json reads it. The reference decoder
// below is the plain way to write the handler's decoding: the benchmarks
// measure the hand-written scanner against it, and the tests check that
// both count valid batches the same.
type refItem struct {
	SLO       *string           `json:"slo"`
	Stream    *string           `json:"stream"`
	Customer  string            `json:"customer"`
	Time      json.RawMessage   `json:"time"`
	Good      *float64          `json:"good"`
	Valid     *float64          `json:"valid"`
	Path      string            `json:"path"`
	Method    string            `json:"method"`
	Status    *float64          `json:"status"`
	LatencyMS *float64          `json:"latency_ms"`
	Labels    map[string]string `json:"labels"`
}

// refDecode reads an NDJSON body with encoding/json and counts it with
// the router; it reports the first problem only, without the handler's
// exact messages.
func refDecode(r *Router, body []byte, now time.Time) ([]slo.Observation, Stats, error) {
	t := r.newTally()
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, len(body)+1)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var it refItem
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&it); err != nil {
			return nil, Stats{}, fmt.Errorf("line %d: %w", line, err)
		}
		at := now
		if len(it.Time) > 0 && string(it.Time) != "null" {
			var s string
			var f float64
			switch {
			case json.Unmarshal(it.Time, &s) == nil:
				p, err := time.Parse(time.RFC3339Nano, s)
				if err != nil {
					return nil, Stats{}, fmt.Errorf("line %d: %w", line, err)
				}
				at = p.UTC()
			case json.Unmarshal(it.Time, &f) == nil:
				// The handler reads decimals exactly; so does the reference.
				var ok bool
				if at, ok = unixTime(f, string(it.Time)); !ok {
					return nil, Stats{}, fmt.Errorf("line %d: bad time", line)
				}
			default:
				return nil, Stats{}, fmt.Errorf("line %d: bad time", line)
			}
		}
		switch {
		case it.SLO != nil && it.Stream == nil:
			i, ok := r.byKey[*it.SLO]
			if !ok || it.Good == nil || it.Valid == nil || *it.Good < 0 || *it.Good > *it.Valid {
				return nil, Stats{}, fmt.Errorf("line %d: bad count", line)
			}
			t.count(i, it.Customer, at, *it.Good, *it.Valid)
		case it.Stream != nil && it.SLO == nil:
			e := slo.Event{Stream: *it.Stream, Time: at, Path: it.Path, Method: it.Method,
				Customer: it.Customer, Labels: it.Labels}
			if it.Status != nil {
				e.Status = int(*it.Status)
			}
			if it.LatencyMS != nil {
				e.Latency = time.Duration(math.Round(*it.LatencyMS * float64(time.Millisecond)))
			}
			var q request
			q.fromEvent(&e)
			t.event(&q)
		default:
			return nil, Stats{}, fmt.Errorf("line %d: neither or both of slo and stream", line)
		}
	}
	return t.observations(), t.stats, sc.Err()
}
