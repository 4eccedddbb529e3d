package demo

import (
	"cmp"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

var monday = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// byTime orders events so that sets cut differently compare equal.
func byTime(events []slo.Event) []slo.Event {
	slices.SortFunc(events, func(a, b slo.Event) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Stream, b.Stream),
			cmp.Compare(a.Latency, b.Latency), cmp.Compare(a.Customer, b.Customer))
	})
	return events
}

func TestTheSameSeedMakesTheSameTraffic(t *testing.T) {
	from, to := monday.Add(13*time.Hour), monday.Add(19*time.Hour)
	a := New(Config{Seed: 7}).Events(from, to)
	b := New(Config{Seed: 7}).Events(from, to)
	if len(a) == 0 || !reflect.DeepEqual(a, b) {
		t.Fatalf("two generators of seed 7 differ (%d and %d events)", len(a), len(b))
	}
	c := New(Config{Seed: 8}).Events(from, to)
	if reflect.DeepEqual(a, c) {
		t.Fatal("seeds 7 and 8 make the same traffic")
	}
}

func TestTrafficDoesNotDependOnHowTheRangeIsCut(t *testing.T) {
	g := New(Config{Seed: 3})
	from, to := monday.Add(10*time.Hour), monday.Add(11*time.Hour)
	whole := byTime(g.Events(from, to))
	// Cuts inside blocks and inside minutes, at odd nanoseconds.
	cuts := []time.Time{from, from.Add(61*time.Second + 7), from.Add(17 * time.Minute), from.Add(17*time.Minute + 1), to}
	var pieces []slo.Event
	for i := 1; i < len(cuts); i++ {
		pieces = append(pieces, g.Events(cuts[i-1], cuts[i])...)
	}
	if !reflect.DeepEqual(whole, byTime(pieces)) {
		t.Fatalf("an hour made whole (%d events) differs from the same hour in pieces (%d)", len(whole), len(pieces))
	}
}

// customerRequests counts the customer API requests of events, by minute.
func customerRequests(events []slo.Event) map[int64]float64 {
	n := map[int64]float64{}
	for _, e := range events {
		if e.Stream == "api" && e.Labels == nil && e.Path != "/api/health" {
			n[e.Time.Unix()/60]++
		}
	}
	return n
}

func TestLoadPeaksInTheAfternoonAndIsLowestAtNight(t *testing.T) {
	g := New(Config{})
	rate := g.Config().Rate
	hour := func(h int) float64 {
		from := monday.Add(time.Duration(h)*time.Hour - 30*time.Minute)
		sum := 0.0
		for _, n := range customerRequests(g.Events(from, from.Add(time.Hour))) {
			sum += n
		}
		return sum
	}
	peak, trough := hour(15), hour(3)
	// The average of 1 + 0.6 sin over the hour about its top is
	// 1 + 0.6 x sinc(π/24): 1.5989.
	wantPeak := 60 * rate * (1 + swing*math.Sin(math.Pi/24)/(math.Pi/24))
	wantTrough := 60 * rate * (1 - swing*math.Sin(math.Pi/24)/(math.Pi/24))
	if math.Abs(peak-wantPeak) > 2 || math.Abs(trough-wantTrough) > 2 {
		t.Errorf("15:00 hour: %v requests, want %.0f; 03:00 hour: %v, want %.0f", peak, wantPeak, trough, wantTrough)
	}
	if r := peak / trough; r < 3.9 || r > 4.1 {
		t.Errorf("peak/trough = %.2f, want about 4", r)
	}
	if mean := hour(9); math.Abs(mean-60*rate) > 0.01*60*rate {
		t.Errorf("09:00 hour: %v requests, want the average %v", mean, 60*rate)
	}
}

func TestMinuteCountsVaryLikeAPoissonProcess(t *testing.T) {
	g := New(Config{})
	rate := g.Config().Rate
	// Around 09:00 the curve is near its average and almost straight, so
	// the minutes' spread is the noise's.
	from := monday.Add(8*time.Hour + 30*time.Minute)
	counts := customerRequests(g.Events(from, from.Add(time.Hour)))
	sum, sq := 0.0, 0.0
	for m, n := range counts {
		mid := float64(m*60+30) - (9 * time.Hour).Seconds() - float64(monday.Unix())
		d := n - rate*(1+swing*math.Sin(omega*mid))
		sum += d
		sq += d * d
	}
	sd := math.Sqrt(sq/float64(len(counts)) - (sum/float64(len(counts)))*(sum/float64(len(counts))))
	// A Poisson count of mean λ has a standard deviation of √λ; minutes
	// drawn from a 150 s block of fixed count spread a little less.
	t.Logf("minute counts: standard deviation %.2f about the curve (Poisson: %.2f)", sd, math.Sqrt(rate))
	if sd < 0.5*math.Sqrt(rate) || sd > 1.5*math.Sqrt(rate) {
		t.Errorf("standard deviation of minute counts = %.2f, want about √%v = %.2f", sd, rate, math.Sqrt(rate))
	}
}

func TestIncidentsAreCentredOnTheMorningMeanCrossing(t *testing.T) {
	want := map[string][2]string{
		"outage":             {"2026-03-06T08:55:00Z", "2026-03-06T09:05:00Z"},
		"failed deploy":      {"2026-03-13T08:52:30Z", "2026-03-13T09:07:30Z"},
		"third-party outage": {"2026-03-21T08:50:00Z", "2026-03-21T09:10:00Z"},
	}
	for _, in := range SeedIncidents() {
		from, to := in.Span(monday)
		got := [2]string{from.Format(time.RFC3339), to.Format(time.RFC3339)}
		if got != want[in.Name] {
			t.Errorf("%s: %v, want %v", in.Name, got, want[in.Name])
		}
	}
	// A backfill starting after 09:00 has its day's incident the next
	// morning, still within its day's 24 hours.
	from, _ := Incident{Day: 1, Duration: 10 * time.Minute}.Span(monday.Add(10 * time.Hour))
	if want := monday.Add(slo.Day + 9*time.Hour - 5*time.Minute); !from.Equal(want) {
		t.Errorf("day 1 of a backfill from 10:00: %v, want %v", from, want)
	}
}

func TestIncidentsFailEveryRequestOfTheirMinutesAndNoOther(t *testing.T) {
	sink, start := backfilledMonth(t)
	rate := New(Config{}).Config().Rate
	avail := sink.perMinute(series("availability"))
	deliv := sink.perMinute(series("delivery"))
	seen := map[time.Time]bool{}
	for _, in := range SeedIncidents() {
		from, to := in.Span(start)
		bad := 0.0
		for m := from.Truncate(time.Minute); m.Before(to); m = m.Add(time.Minute) {
			seen[m] = true
			o := avail[m]
			bad += o.Valid - o.Good
			whole := !m.Before(from) && !m.Add(time.Minute).After(to)
			if whole && (o.Good != 0 || o.Valid == 0) {
				t.Errorf("%s: minute %v has %v good of %v valid, want all bad", in.Name, m, o.Good, o.Valid)
			}
			if d := deliv[m]; whole && in.Delivery && d.Good != 0 {
				t.Errorf("%s: minute %v delivered %v of %v, want none", in.Name, m, d.Good, d.Valid)
			}
		}
		if want := rate * in.Duration.Minutes(); math.Abs(bad-want) > 1 {
			t.Errorf("%s: %v bad requests, want %v ± 1", in.Name, bad, want)
		}
	}
	for m, o := range avail {
		if o.Good < o.Valid && !seen[m] {
			t.Errorf("minute %v has %v bad requests outside every incident", m, o.Valid-o.Good)
		}
	}
}
