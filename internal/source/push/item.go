package push

import (
	"fmt"
	"math"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// field is one known field of an item, as a bit of a set.
type field uint16

const (
	fSLO field = 1 << iota
	fStream
	fCustomer
	fTime
	fGood
	fValid
	fPath
	fMethod
	fStatus
	fLatency
	fLabels
)

// eventOnly holds the fields only events have.
const eventOnly = fStream | fPath | fMethod | fStatus | fLatency | fLabels

var fieldNames = [...]string{"slo", "stream", "customer", "time", "good", "valid", "path", "method", "status", "latency_ms", "labels"}

func (f field) String() string {
	for i, n := range fieldNames {
		if f == 1<<i {
			return n
		}
	}
	return fmt.Sprintf("field(%d)", uint16(f))
}

func fieldOf(key string) field {
	switch key {
	case "slo":
		return fSLO
	case "stream":
		return fStream
	case "customer":
		return fCustomer
	case "time":
		return fTime
	case "good":
		return fGood
	case "valid":
		return fValid
	case "path":
		return fPath
	case "method":
		return fMethod
	case "status":
		return fStatus
	case "latency_ms":
		return fLatency
	case "labels":
		return fLabels
	}
	return 0
}

// item is one item as read, before it is checked. Its strings may point
// into the request body.
type item struct {
	// seen holds the fields given (null counts as not given); bad those
	// whose value had the wrong type, already reported.
	seen, bad                  field
	slo, stream, customer      string
	path, method               string
	timeText                   string
	timeNum                    float64
	timeIsNum                  bool
	good, valid, status, lat   float64
	goodT, validT, statT, latT string
	labels                     []label
}

func (it *item) reset() {
	*it = item{labels: it.labels[:0]}
}

// has reports whether f was given with a value of the right type.
func (it *item) has(f field) bool { return it.seen&^it.bad&f != 0 }

// check validates the item just read and, while the batch has no problem
// yet, counts it.
func (d *batchDecoder) check() {
	it := &d.it
	isCount, isEvent := it.seen&fSLO != 0, it.seen&fStream != 0
	switch {
	case isCount && isEvent:
		d.problem(0, `both "slo" and "stream" given: an item is either a count (slo) or an event (stream)`)
		return
	case !isCount && !isEvent:
		d.problem(0, `neither "slo" nor "stream" given: a count names its SLO, an event its stream`)
		return
	}
	if len(it.customer) > slo.MaxCustomer {
		d.problem(fCustomer, fmt.Sprintf("%d bytes long, more than %d", len(it.customer), slo.MaxCustomer))
	}
	at, timeOK := d.time()
	if isCount {
		d.checkCount(at, timeOK)
	} else {
		d.checkEvent(at, timeOK)
	}
}

func (d *batchDecoder) checkCount(at time.Time, ok bool) {
	it := &d.it
	for f := fPath; f <= fLabels; f <<= 1 {
		if it.seen&f&eventOnly != 0 {
			d.problem(f, "not a field of a count, which has slo, customer, time, good and valid")
			ok = false
		}
	}
	route := -1
	if it.has(fSLO) {
		if i, known := d.r.byKey[it.slo]; known {
			route = i
		} else {
			d.problem(fSLO, fmt.Sprintf("unknown SLO %q: give service/slo as the spec names them", it.slo))
		}
	}
	if it.has(fCustomer) && it.customer != "" && route >= 0 && !d.r.objs[route].customersOK {
		d.problem(fCustomer, fmt.Sprintf("SLO %q is not measured per customer", it.slo))
	}
	goodOK := d.amount(fGood, it.good, it.goodT)
	validOK := d.amount(fValid, it.valid, it.validT)
	ok = ok && goodOK && validOK
	if goodOK && validOK && it.good > it.valid {
		d.problem(fGood, fmt.Sprintf("%s is more than valid (%s)", it.goodT, it.validT))
		ok = false
	}
	if ok && route >= 0 && d.errs.total == 0 {
		d.t.count(route, it.customer, at, it.good, it.valid)
	}
}

// amount checks a count's good or valid.
func (d *batchDecoder) amount(f field, v float64, text string) bool {
	switch {
	case d.it.bad&f != 0:
		return false
	case d.it.seen&f == 0:
		d.problem(f, "missing: a count needs good and valid")
	case math.IsInf(v, 0):
		d.problem(f, text+" is not a finite number")
	case v > store.MaxCount:
		d.problem(f, text+" is more than 2^53, the largest count kept exactly")
	case v < 0:
		d.problem(f, text+" is negative")
	default:
		return true
	}
	return false
}

// maxLatencyMS keeps latencies within a time.Duration.
const maxLatencyMS = float64(math.MaxInt64 / int64(time.Millisecond))

func (d *batchDecoder) checkEvent(at time.Time, ok bool) {
	it := &d.it
	for _, f := range [...]field{fGood, fValid} {
		if it.seen&f != 0 {
			d.problem(f, "not a field of an event, which has stream, time, path, method, status, latency_ms, customer and labels")
			ok = false
		}
	}
	if it.has(fStream) && it.stream == "" {
		d.problem(fStream, "must not be empty")
		ok = false
	}
	if it.has(fStatus) && (it.status != math.Trunc(it.status) || it.status < 100 || it.status > 599) {
		d.problem(fStatus, it.statT+" is not an HTTP status: want an integer from 100 to 599")
		ok = false
	}
	if it.has(fLatency) {
		switch {
		case math.IsInf(it.lat, 0):
			d.problem(fLatency, it.latT+" is not a finite number")
		case it.lat < 0:
			d.problem(fLatency, it.latT+" is negative")
		case it.lat > maxLatencyMS:
			d.problem(fLatency, it.latT+" is too large")
		}
	}
	if !ok || d.errs.total > 0 || it.bad != 0 {
		return
	}
	d.ev = request{
		stream:   it.stream,
		at:       at,
		path:     it.path,
		method:   it.method,
		status:   int(it.status),
		latency:  time.Duration(math.Round(it.lat * float64(time.Millisecond))),
		customer: it.customer,
		labels:   it.labels,
	}
	d.t.event(&d.ev)
}

// time returns the item's time, now when it has none, and whether it
// passed its checks.
func (d *batchDecoder) time() (time.Time, bool) {
	it := &d.it
	if it.bad&fTime != 0 {
		return time.Time{}, false
	}
	if it.seen&fTime == 0 {
		return d.now, true
	}
	var at time.Time
	var ok bool
	if it.timeIsNum {
		if at, ok = unixTime(it.timeNum, it.timeText); !ok {
			d.problem(fTime, it.timeText+" is not a time: want unix seconds or an RFC 3339 string")
			return time.Time{}, false
		}
	} else if at, ok = d.times.parse(it.timeText); !ok {
		d.problem(fTime, fmt.Sprintf("%q is not an RFC 3339 time (2006-01-02T15:04:05Z) nor unix seconds", it.timeText))
		return time.Time{}, false
	}
	switch {
	case at.After(d.latest):
		msg := fmt.Sprintf("%s is more than %s ahead of the server's clock (%s)", d.shownTime(at), slo.FormatDuration(d.opts.MaxFuture), d.now.Format(time.RFC3339))
		if it.timeIsNum && it.timeNum > 1e11 {
			msg += "; times are unix seconds and this looks like milliseconds"
		}
		d.problem(fTime, msg)
		return time.Time{}, false
	case at.Before(d.oldest):
		d.problem(fTime, fmt.Sprintf("%s is older than %s, past retention", d.shownTime(at), slo.FormatDuration(d.opts.MaxAge)))
		return time.Time{}, false
	}
	return at, true
}

// shownTime writes the item's time for a message as given, with the time
// it means when it was a number.
func (d *batchDecoder) shownTime(at time.Time) string {
	if d.it.timeIsNum {
		return d.it.timeText + " (" + at.Format(time.RFC3339Nano) + ")"
	}
	return fmt.Sprintf("%q", d.it.timeText)
}
