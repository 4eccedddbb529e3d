package push

import (
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func TestRouterClassify(t *testing.T) {
	r := NewRouter(loadServices(t, platformSpec))
	at := time.Date(2026, 3, 2, 10, 0, 5, 0, time.UTC)
	sunday := time.Date(2026, 3, 1, 2, 10, 0, 0, time.UTC)
	send := func(e slo.Event) slo.Event {
		if e.Time.IsZero() {
			e.Time = at
		}
		if e.Stream == "" {
			e.Stream = "api"
		}
		return e
	}
	tests := []struct {
		name   string
		events []slo.Event
		want   map[string][2]float64
		stats  Stats
	}{
		{
			name: "a send counts for availability and latency, with the customer's tier threshold",
			events: []slo.Event{send(slo.Event{Path: "/api/v1/notifications", Method: "post", Status: 202,
				Latency: 150 * time.Millisecond, Customer: "initech"})},
			want: map[string][2]float64{
				avail + " 10:00": {1, 1}, avail + "@initech 10:00": {1, 1},
				latency + " 10:00": {1, 1}, latency + "@initech 10:00": {1, 1}, // professional: 200ms
			},
			stats: Stats{Received: 1, Counted: 1},
		},
		{
			name:   "a 4xx is good for availability",
			events: []slo.Event{send(slo.Event{Path: "/api/v1/templates", Status: 404})},
			want:   map[string][2]float64{avail + " 10:00": {1, 1}},
			stats:  Stats{Received: 1, Counted: 1},
		},
		{
			name:   "a path outside /api/ is not valid for either API objective",
			events: []slo.Event{send(slo.Event{Path: "/metrics", Status: 200})},
			want:   map[string][2]float64{},
			stats:  Stats{Received: 1, Ignored: 1},
		},
		{
			name: "a slow delivery is bad, and a wrong recipient bad for correctness",
			events: []slo.Event{send(slo.Event{Stream: "delivery", Status: 200, Latency: 31 * time.Second,
				Labels: map[string]string{"recipient_ok": "false"}})},
			want:  map[string][2]float64{deliv + " 10:00": {0, 1}, correct + " 10:00": {0, 1}},
			stats: Stats{Received: 1, Counted: 1},
		},
		{
			name: "maintenance excludes availability events inside the window, not at its end",
			events: []slo.Event{
				send(slo.Event{Path: "/api/v1/templates", Status: 500, Time: sunday}),
				send(slo.Event{Path: "/api/v1/templates", Status: 500, Time: sunday.Add(20 * time.Minute)}),
				send(slo.Event{Path: "/api/v1/templates", Status: 500, Time: sunday.Add(-11 * time.Minute)}),
			},
			want:  map[string][2]float64{avail + " 02:30": {0, 1}, avail + " 01:59": {0, 1}},
			stats: Stats{Received: 3, Counted: 2, Excluded: 1},
		},
		{
			name:   "an unknown stream is unmatched",
			events: []slo.Event{send(slo.Event{Stream: "billing", Status: 200})},
			want:   map[string][2]float64{},
			stats:  Stats{Received: 1, Unmatched: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs, stats := r.Classify(tt.events)
			if stats != tt.stats {
				t.Errorf("stats %+v, want %+v", stats, tt.stats)
			}
			got := map[string][2]float64{}
			for _, o := range obs {
				if !o.Time.Equal(o.Time.Truncate(time.Minute)) || o.Time.Location() != time.UTC {
					t.Errorf("observation time %v is not a UTC minute", o.Time)
				}
				got[o.Series.String()+" "+o.Time.Format("15:04")] = [2]float64{o.Good, o.Valid}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestRouterObjective(t *testing.T) {
	r := NewRouter(loadServices(t, platformSpec))
	if o, ok := r.Objective(deliv); !ok || o.Name != "delivery" || o.Target != 0.95 {
		t.Errorf("Objective(%q) = %+v, %v", deliv, o, ok)
	}
	if _, ok := r.Objective("notification-platform/nope"); ok {
		t.Errorf("an unknown key was found")
	}
}

// TestClassifierMatchesItsDomainFields fails when slo.Match or slo.Event
// gain a field, which the compiled classifier would then ignore.
func TestClassifierMatchesItsDomainFields(t *testing.T) {
	fields := func(v any) []string {
		var out []string
		t := reflect.TypeOf(v)
		for i := range t.NumField() {
			out = append(out, t.Field(i).Name)
		}
		return out
	}
	if got, want := fields(slo.Match{}), []string{"PathPrefixes", "PathRegex", "Methods", "Statuses", "LatencyBelow", "Labels"}; !slices.Equal(got, want) {
		t.Errorf("slo.Match has fields %v; filter knows %v: teach classify.go the new ones", got, want)
	}
	if got, want := fields(slo.Event{}), []string{"Stream", "Time", "Path", "Method", "Status", "Latency", "Customer", "Labels"}; !slices.Equal(got, want) {
		t.Errorf("slo.Event has fields %v; request knows %v: teach classify.go the new ones", got, want)
	}
}

// TestClassifierAgreesWithEventSLI checks the compiled classifier against
// the domain's own on random events and random filters.
func TestClassifierAgreesWithEventSLI(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	paths := []string{"/api/v1/notifications", "/api/health", "/api/v1/templates", "/metrics", ""}
	randomMatch := func() slo.Match {
		var m slo.Match
		if rng.IntN(3) == 0 {
			m.PathPrefixes = []string{pick(paths...), pick(paths...)}
		}
		if rng.IntN(5) == 0 {
			m.PathRegex = regexp.MustCompile(pick(`^/api/v\d+/`, `health$`))
		}
		if rng.IntN(3) == 0 {
			m.Methods = []string{pick("GET", "POST", "post")}
		}
		if rng.IntN(3) == 0 {
			low := 200 + 100*rng.IntN(4)
			m.Statuses = []slo.StatusRange{{Low: low, High: low + 99}, {Low: 404, High: 404}}
		}
		if rng.IntN(3) == 0 {
			m.LatencyBelow = time.Duration(rng.IntN(1000)) * time.Millisecond
		}
		if rng.IntN(3) == 0 {
			m.Labels = map[string]string{pick("caller", "region"): pick("internal", "", "eu")}
		}
		return m
	}
	var slis []slo.EventSLI
	for _, svc := range loadServices(t, platformSpec) {
		for _, o := range svc.Objectives {
			slis = append(slis, *o.SLI.Events)
		}
	}
	for range 200 {
		s := slo.EventSLI{Valid: randomMatch(), Good: randomMatch()}
		for range rng.IntN(3) {
			s.Exclude = append(s.Exclude, randomMatch())
		}
		slis = append(slis, s)
	}
	var q request
	for i := range 20000 {
		e := slo.Event{Path: pick(paths...), Method: pick("GET", "POST", "Post", ""), Status: 100 + rng.IntN(500),
			Latency: time.Duration(rng.IntN(2000)) * time.Millisecond}
		if rng.IntN(2) == 0 {
			e.Labels = map[string]string{pick("caller", "region", "recipient_ok"): pick("internal", "eu", "true", "")}
		}
		s := &slis[i%len(slis)]
		lat := time.Duration(0)
		if rng.IntN(2) == 0 {
			lat = time.Duration(rng.IntN(1500)) * time.Millisecond
		}
		q.fromEvent(&e)
		if got, want := compile(s).classify(&q, lat), s.ClassifyWithin(&e, lat); got != want {
			t.Fatalf("event %+v, latency %v: compiled says %v, EventSLI %v\nSLI %+v", e, lat, got, want, s)
		}
	}
}

// TestExclusionSpansAgreeWithExcluded checks the tally's cache of
// maintenance windows against Objective.Excluded, for times in order and
// shuffled.
func TestExclusionSpansAgreeWithExcluded(t *testing.T) {
	svcs := loadServices(t, platformSpec)
	avail, _ := svcs[0].Objective("availability")
	oneOff := slo.Objective{Service: "s", Name: "o", Exclusions: []slo.Maintenance{
		{Name: "a", Start: time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC), Duration: time.Hour},
		{Name: "b", Start: time.Date(2026, 3, 3, 12, 30, 0, 0, time.UTC), Duration: 2 * time.Hour},
	}}
	both := *avail
	both.Exclusions = append(slices.Clone(avail.Exclusions), oneOff.Exclusions...)
	start := time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)
	var times []time.Time
	for d := time.Duration(0); d < 5*slo.Day; d += 7 * time.Minute / 3 {
		times = append(times, start.Add(d))
	}
	// The window edges themselves, and a nanosecond either side.
	for _, edge := range []time.Time{time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC),
		time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 14, 30, 0, 0, time.UTC)} {
		times = append(times, edge.Add(-1), edge, edge.Add(1))
	}
	shuffled := slices.Clone(times)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, o := range []*slo.Objective{avail, &oneOff, &both} {
		r := NewRouter([]slo.Service{{Name: o.Service, Objectives: []slo.Objective{*o}}})
		for name, ts := range map[string][]time.Time{"in order": times, "shuffled": shuffled} {
			tl := r.newTally()
			excluded := 0
			for _, at := range ts {
				got, want := tl.excluded(0, at.UnixNano(), at), o.Excluded(at)
				if got != want {
					t.Fatalf("%s, %s: excluded(%v) = %v, Objective.Excluded says %v", o.Key(), name, at, got, want)
				}
				if got {
					excluded++
				}
			}
			if excluded == 0 {
				t.Errorf("%s, %s: no time was excluded: the test covers nothing", o.Key(), name)
			}
		}
	}
}
