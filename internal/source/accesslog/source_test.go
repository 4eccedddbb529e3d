package accesslog

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

const jsonSpec = `apiVersion: slo/v1
service: api
customers:
  tiers: [free, enterprise]
  default_tier: free
  assignments: {acme: enterprise}
slos:
  - name: availability
    objective: 99
    window: 30d
    sli:
      accesslog:
        path: LOG
        format: json
        customer_field: customer
        valid: {path_prefix: /api/}
        exclude: [{path_prefix: /api/health}]
        good: {status: ["2xx", "4xx"]}
`

const clfSpec = `apiVersion: slo/v1
service: web
slos:
  - name: availability
    objective: 99
    window: 30d
    sli:
      accesslog:
        path: LOG
        good: {status: ["2xx"]}
`

const avail = "api/availability"

func TestLinesAreCountedPerMinuteAndPerCustomer(t *testing.T) {
	r := newRig(t, jsonSpec)
	r.write(r.log, jsonRecord(0, "/api/v1/a", 200, "acme")+
		jsonRecord(5*time.Second, "/api/v1/a", 503, "acme")+
		jsonRecord(10*time.Second, "/api/v1/a", 404, "initech")+
		jsonRecord(20*time.Second, "/api/health", 500, "acme")+ // excluded
		jsonRecord(25*time.Second, "/metrics", 500, "acme")+ // not valid
		"{not json\n"+
		jsonRecord(40*time.Second, "/api/v1/b", 500, "")+ // next minute, no customer
		jsonRecord(45*time.Second, "/api/v1/b", 200, "initech")[:40]) // a line still being written
	s := r.source()
	r.poll(s)
	if got, want := r.minutes(avail), map[string][2]float64{"10:00": {2, 3}, "10:01": {0, 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("minutes: got %v, want %v", got, want)
	}
	if got, want := r.totals(avail), map[string][2]float64{"": {2, 4}, "acme": {1, 2}, "initech": {1, 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("per customer: got %v, want %v", got, want)
	}
	st := s.Stats()[0]
	if st.Lines != 7 || st.Counted != 4 || st.Ignored != 2 || st.Malformed != 1 || !st.Health.Up {
		t.Errorf("stats: %+v", st)
	}
	if !strings.Contains(r.logText(), r.log+":6: JSON at byte 2") {
		t.Errorf("the malformed line is not logged with file:line:\n%s", r.logText())
	}

	// The partial line is counted once its newline is written, and only
	// then.
	r.write(r.log, jsonRecord(45*time.Second, "/api/v1/b", 200, "initech")[40:])
	r.poll(s)
	if got, want := r.totals(avail), map[string][2]float64{"": {3, 5}, "acme": {1, 2}, "initech": {2, 2}}; !reflect.DeepEqual(got, want) {
		t.Errorf("after the line's end: got %v, want %v", got, want)
	}
	if n := s.Stats()[0].Batches; n != 2 {
		t.Errorf("%d batches, want 2", n)
	}
}

func TestLinesOutsideMaxAgeOrTooFarAheadAreSkippedAndCounted(t *testing.T) {
	r := newRig(t, clfSpec)
	r.write(r.log, clfLine(-401*24*time.Hour, "/", 200)+clfLine(10*time.Minute, "/", 200)+clfLine(0, "/", 200))
	s := r.source()
	r.poll(s)
	if got := r.totals("web/availability")[""]; got != [2]float64{1, 1} {
		t.Errorf("got %v, want only the line dated now", got)
	}
	if st := s.Stats()[0]; st.OutOfRange != 2 {
		t.Errorf("out of range: %d, want 2", st.OutOfRange)
	}
}

func TestRotationByRenameFinishesTheOldFileFirst(t *testing.T) {
	r := newRig(t, clfSpec)
	r.write(r.log, clfLine(0, "/", 200)+clfLine(time.Second, "/", 500))
	s := r.source()
	r.poll(s)
	// The server writes two more lines, the log is renamed and a new one
	// created, which the server writes once it has reopened its log.
	r.write(r.log, clfLine(2*time.Second, "/", 200)+clfLine(3*time.Second, "/", 200))
	if err := os.Rename(r.log, r.log+".1"); err != nil {
		t.Fatal(err)
	}
	r.write(r.log, clfLine(4*time.Second, "/", 500))
	r.poll(s) // the rest of the old file; it may still be written to
	r.write(r.log+".1", clfLine(5*time.Second, "/", 200)[:20])
	r.poll(s) // it grew: still read
	r.write(r.log+".1", clfLine(5*time.Second, "/", 200)[20:])
	r.poll(s)
	r.poll(s) // unchanged since: left for the new file
	if got := r.totals("web/availability")[""]; got != [2]float64{4, 6} {
		t.Errorf("got %v, want 4 good of 6", got)
	}
	if !strings.Contains(r.logText(), "access log rotated") {
		t.Errorf("no rotation logged:\n%s", r.logText())
	}
	// A copytruncate: the file is emptied in place and written again.
	if err := os.Truncate(r.log, 0); err != nil {
		t.Fatal(err)
	}
	r.write(r.log, clfLine(6*time.Second, "/", 200)+clfLine(7*time.Second, "/", 200))
	r.poll(s)
	if got := r.totals("web/availability")[""]; got != [2]float64{6, 8} {
		t.Errorf("after copytruncate: got %v, want 6 good of 8", got)
	}
	// Truncated and grown past the old position between two polls: told
	// by its first line.
	r.poll(s)
	if err := os.Truncate(r.log, 0); err != nil {
		t.Fatal(err)
	}
	r.write(r.log, clfLine(8*time.Second, "/", 200)+clfLine(9*time.Second, "/", 200)+clfLine(10*time.Second, "/", 200))
	r.poll(s)
	if got := r.totals("web/availability")[""]; got != [2]float64{9, 11} {
		t.Errorf("after a truncation that grew back: got %v, want 9 good of 11", got)
	}
}

func TestARestartResumesWithoutCountingTwice(t *testing.T) {
	r := newRig(t, jsonSpec)
	r.write(r.log, jsonRecord(0, "/api/a", 200, "acme")+jsonRecord(time.Second, "/api/a", 500, "acme"))
	s := r.source()
	r.poll(s)
	s.Close()

	// Restarted: only what was written since is read.
	r.write(r.log, jsonRecord(2*time.Second, "/api/a", 200, "acme"))
	s = r.source()
	r.poll(s)
	if got := r.totals(avail); got[""] != [2]float64{2, 3} || got["acme"] != [2]float64{2, 3} {
		t.Errorf("after a clean restart: got %v, want 2 good of 3", got)
	}
	s.Close()

	// The store takes a batch but slo stops before it hears so: the batch
	// is sent again on restart, under the same ID, and counted once, even
	// though more lines have come since.
	fs := &failingSink{next: r.st, fail: "after"}
	r.sink = fs
	r.write(r.log, jsonRecord(3*time.Second, "/api/a", 500, "acme"))
	s = r.source()
	if _, err := s.Poll(context.Background()); err == nil {
		t.Fatal("the failed append was not reported")
	}
	s.Close()
	r.write(r.log, jsonRecord(4*time.Second, "/api/a", 200, "acme"))
	fs.fail = ""
	s = r.source()
	r.poll(s)
	if got := r.totals(avail)[""]; got != [2]float64{3, 5} {
		t.Errorf("after a restart with a batch appended but not acknowledged: got %v, want 3 good of 5", got)
	}
	s.Close()

	// The store fails before taking it: the batch is sent again, and
	// counted then.
	fs.fail = "before"
	r.write(r.log, jsonRecord(5*time.Second, "/api/a", 200, "acme"))
	s = r.source()
	if _, err := s.Poll(context.Background()); err == nil {
		t.Fatal("the failed append was not reported")
	}
	// Retried within the same run as well as after a restart.
	if _, err := s.Poll(context.Background()); err == nil {
		t.Fatal("the failed append was not reported")
	}
	s.Close()
	fs.fail = ""
	s = r.source()
	r.poll(s)
	r.poll(s)
	if got := r.totals(avail)[""]; got != [2]float64{4, 6} {
		t.Errorf("after a restart with a batch not appended: got %v, want 4 good of 6", got)
	}
}

func TestARotationWhileStoppedIsFinishedOnRestart(t *testing.T) {
	r := newRig(t, clfSpec)
	r.write(r.log, clfLine(0, "/", 200))
	s := r.source()
	r.poll(s)
	s.Close()
	r.write(r.log, clfLine(time.Second, "/", 500))
	if err := os.Rename(r.log, r.log+".1"); err != nil {
		t.Fatal(err)
	}
	r.write(r.log, clfLine(2*time.Second, "/", 200)+clfLine(3*time.Second, "/", 200))
	s = r.source()
	r.poll(s)
	r.poll(s)
	if got := r.totals("web/availability")[""]; got != [2]float64{3, 4} {
		t.Errorf("got %v, want 3 good of 4: the rest of the old file and all of the new", got)
	}
	if !strings.Contains(r.logText(), "finishing the old file first") {
		t.Errorf("the resumption is not logged:\n%s", r.logText())
	}
}

func TestAMissingFileIsReportedDownAndReadOnceItAppears(t *testing.T) {
	r := newRig(t, clfSpec)
	s := r.source()
	r.poll(s)
	h, ok := r.health["web/availability"]
	if !ok || h.Up || !strings.Contains(h.Err, "no such file") || !h.Since.Equal(start) {
		t.Fatalf("health with no file: %+v", h)
	}
	if n := strings.Count(r.logText(), "cannot be read"); n != 1 {
		t.Errorf("warned %d times, want once", n)
	}
	r.poll(s)
	if n := strings.Count(r.logText(), "cannot be read"); n != 1 {
		t.Errorf("warned %d times after two polls, want once", n)
	}
	r.clock.add(time.Minute)
	r.write(r.log, clfLine(0, "/", 200))
	r.poll(s)
	if h := r.health["web/availability"]; !h.Up || !h.Since.Equal(start.Add(time.Minute)) {
		t.Errorf("health once the file is there: %+v", h)
	}
	if got := r.totals("web/availability")[""]; got != [2]float64{1, 1} {
		t.Errorf("got %v", got)
	}
	// Renamed away with no new file: up while within the grace, since
	// the server may not have made its new file yet; down after.
	if err := os.Rename(r.log, r.log+".1"); err != nil {
		t.Fatal(err)
	}
	r.poll(s)
	if h := r.health["web/availability"]; !h.Up {
		t.Errorf("down within the grace: %+v", h)
	}
	r.clock.add(2 * time.Minute)
	r.poll(s)
	if h := r.health["web/availability"]; h.Up {
		t.Errorf("up with the path gone for two minutes: %+v", h)
	}
}

func TestALineLongerThanMaxLineIsMalformedAndTheRestIsRead(t *testing.T) {
	r := newRig(t, clfSpec)
	r.opts.MaxLine = 200
	long := strings.Repeat("x", 500)
	r.write(r.log, clfLine(0, "/", 200)+long+"\n"+clfLine(time.Second, "/", 200))
	s := r.source()
	r.poll(s)
	// Written in pieces, and without its end at first.
	r.write(r.log, long)
	r.poll(s)
	r.write(r.log, long+"\n"+clfLine(2*time.Second, "/", 500))
	r.poll(s)
	if got := r.totals("web/availability")[""]; got != [2]float64{2, 3} {
		t.Errorf("got %v, want the three short lines", got)
	}
	st := s.Stats()[0]
	if st.Malformed != 2 || st.Lines != 5 {
		t.Errorf("stats: %+v", st)
	}
	for _, want := range []string{r.log + ":2: longer than 200 bytes", r.log + ":4: longer than 200 bytes"} {
		if !strings.Contains(r.logText(), want) {
			t.Errorf("no %q in the log:\n%s", want, r.logText())
		}
	}
	// A restart goes on from the same line numbers.
	s.Close()
	r.write(r.log, "bad\n")
	s = r.source()
	r.poll(s)
	if !strings.Contains(r.logText(), r.log+":6: ") {
		t.Errorf("line numbers do not go on after a restart:\n%s", r.logText())
	}
}

func TestAPollReadsAtMostPollBytesAndSaysThereIsMore(t *testing.T) {
	r := newRig(t, clfSpec)
	r.opts.MaxLine, r.opts.BatchBytes, r.opts.PollBytes = 100, 200, 500
	var b strings.Builder
	for i := range 20 {
		b.WriteString(clfLine(time.Duration(i)*time.Second, "/", 200))
	}
	r.write(r.log, b.String())
	s := r.source()
	polls := 0
	for more := true; more; polls++ {
		var err error
		if more, err = s.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		if st := s.Stats()[0]; more && st.Offset > int64(polls+1)*(500+200) {
			t.Fatalf("poll %d read to %d, more than 500 bytes a poll and one batch past", polls+1, st.Offset)
		}
	}
	if got := r.totals("web/availability")[""]; got != [2]float64{20, 20} || polls < 3 {
		t.Errorf("got %v in %d polls, want 20 lines in at least 3", got, polls)
	}
}

func TestCheckRefusesACombinedSLIReadingAFieldItHasNot(t *testing.T) {
	r := newRig(t, strings.Replace(clfSpec, "path: LOG", "path: LOG\n        customer_field: customer", 1))
	err := Check(r.services)
	if err == nil || !strings.Contains(err.Error(), "web/availability") || !strings.Contains(err.Error(), `customer_field "customer"`) {
		t.Errorf("Check = %v", err)
	}
}
