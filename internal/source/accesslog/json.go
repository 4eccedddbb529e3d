package accesslog

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// The fields a JSON line is read from, by role, most preferred first: a
// line with several of one role uses the first of them it has.
var (
	timeKeys    = []string{"time", "timestamp", "@timestamp", "ts"}
	methodKeys  = []string{"method", "request_method"}
	pathKeys    = []string{"path", "uri", "request_uri", "url"}
	statusKeys  = []string{"status", "status_code"}
	latencyKeys = []string{"latency_ms", "latency", "duration", "request_time", "response_time"}
)

// jsonLine holds what one JSON line gave, by role, before it is checked.
// rank is the position of the field a role was read from in its list, so
// that a preferred field wins whatever the order of the line.
type jsonLine struct {
	time, method, path, status, latency        jval
	timeRank, methodRank, pathRank, statusRank int
	latencyRank                                int
	request                                    string
	hasRequest                                 bool
	latencyKey                                 string
	customer                                   jval
}

// jval is a scalar value of a line: a string (decoded), a number (as
// written), a boolean, or null (kind 0). s is also what a label holds:
// numbers and booleans as written.
type jval struct {
	kind byte // 's', 'n', 'b' or 0
	s    string
}

// take records v for a role when key is one of the role's fields and
// ranks above what the role holds.
func take(key string, keys []string, v jval, dst *jval, rank *int) bool {
	for i, k := range keys {
		if k == key {
			if dst.kind == 0 || i < *rank {
				*dst, *rank = v, i
			}
			return true
		}
	}
	return false
}

// json reads a line holding one JSON object (see docs/accesslog.md for the
// fields it reads).
func (p *Parser) json(line []byte, e *slo.Event) error {
	sc := scanner{s: str(line)}
	var l jsonLine
	err := sc.object(func(key string, v jval) error {
		if v.kind == 0 {
			return nil // null is as good as leaving the field out
		}
		if key == p.customer {
			l.customer = v
		}
		p.setLabel(e, key, v.s)
		switch {
		case take(key, timeKeys, v, &l.time, &l.timeRank),
			take(key, methodKeys, v, &l.method, &l.methodRank),
			take(key, pathKeys, v, &l.path, &l.pathRank),
			take(key, statusKeys, v, &l.status, &l.statusRank):
		case take(key, latencyKeys, v, &l.latency, &l.latencyRank):
			l.latencyKey = latencyKeys[l.latencyRank]
		case key == "request" && v.kind == 's':
			l.request, l.hasRequest = v.s, true
		}
		return nil
	}, func(name string, v jval) {
		if v.kind != 0 {
			p.setLabel(e, name, v.s)
		}
	})
	if err != nil {
		return err
	}
	return p.jsonEvent(&l, e)
}

// jsonEvent checks the fields read and fills e from them.
func (p *Parser) jsonEvent(l *jsonLine, e *slo.Event) error {
	if l.time.kind == 0 {
		return errors.New(`no time: want one of "time", "timestamp", "@timestamp", "ts"`)
	}
	at, err := p.jsonTime(l.time)
	if err != nil {
		return err
	}
	e.Time = at
	if l.status.kind == 0 {
		return errors.New(`no status: want "status" or "status_code"`)
	}
	if e.Status, err = status(l.status.s); err != nil {
		return err
	}
	if l.hasRequest {
		e.Method, e.Path, _ = requestLine(l.request)
	}
	if l.method.kind == 's' {
		e.Method = l.method.s
	}
	if l.path.kind == 's' {
		e.Path = cleanPath(l.path.s)
	}
	switch {
	case l.latency.kind == 0 || l.latency.kind == 'b':
		if p.needLatency {
			return errors.New(`no latency, and the SLI tests latency: want one of "latency_ms", "latency", "duration", "request_time", "response_time"`)
		}
	case l.latencyKey == "latency_ms":
		ms, err := strconv.ParseFloat(l.latency.s, 64)
		if err != nil || ms < 0 || math.IsNaN(ms) || ms > float64(maxLatency/time.Millisecond) {
			return fmt.Errorf("latency_ms %q: want milliseconds, a number from 0", l.latency.s)
		}
		e.Latency = time.Duration(math.Round(ms * float64(time.Millisecond)))
	case l.latency.kind == 'n':
		d, err := seconds(l.latency.s)
		if err != nil {
			return fmt.Errorf("%s %s: want seconds, a number from 0", l.latencyKey, l.latency.s)
		}
		e.Latency = d
	default:
		d, has, err := requestTime(l.latency.s)
		if err != nil {
			return fmt.Errorf("%s: %w", l.latencyKey, err)
		}
		if !has && p.needLatency {
			return fmt.Errorf("%s is %q, and the SLI tests latency", l.latencyKey, l.latency.s)
		}
		e.Latency = d
	}
	if l.customer.kind == 's' || l.customer.kind == 'n' {
		e.Customer = l.customer.s
	}
	return nil
}

// jsonTime reads a time: an RFC 3339 string, the combined format's
// 10/Oct/2026:13:55:36 -0700, or a number of unix seconds (milliseconds
// when above 1e11, microseconds above 1e14, nanoseconds above 1e17, which
// as seconds would all be past the year 5000).
func (p *Parser) jsonTime(v jval) (time.Time, error) {
	if v.kind == 's' {
		if t, ok := p.rfc.parse(v.s); ok {
			return t, nil
		}
		if t, err := p.clf.parse(v.s); err == nil {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2006-01-02T15:04:05Z), 02/Jan/2006:15:04:05 -0700 or unix seconds", v.s)
	}
	// Integers and seconds with a fraction are read exactly; a float64
	// would put unix milliseconds a few hundred nanoseconds off.
	whole, frac, _ := strings.Cut(v.s, ".")
	n, ok := atoi(whole)
	if ok && len(whole) <= 18 && (frac == "" || len(whole) <= 11) {
		f, fok := atoi(frac)
		if frac == "" {
			f, fok = 0, true
		}
		if fok && len(frac) <= 9 {
			for range 9 - len(frac) {
				f *= 10
			}
			switch {
			case n > 1e17:
				return time.Unix(0, n).UTC(), nil
			case n > 1e14:
				return time.Unix(0, n*1e3).UTC(), nil
			case n > 1e11:
				return time.Unix(0, n*1e6).UTC(), nil
			case n > 0:
				return time.Unix(n, f).UTC(), nil
			}
		}
	}
	f, err := strconv.ParseFloat(v.s, 64)
	if err != nil || f <= 0 || f > 1e19 {
		return time.Time{}, fmt.Errorf("time %s: want unix seconds, a positive number", v.s)
	}
	var ns float64
	switch {
	case f > 1e17:
		ns = f
	case f > 1e14:
		ns = f * 1e3
	case f > 1e11:
		ns = f * 1e6
	default:
		ns = f * 1e9
	}
	return time.Unix(0, int64(ns)).UTC(), nil
}

// rfcTime reads RFC 3339 times, remembering the last minute and zone read
// as clfTime does.
type rfcTime struct {
	minute [16]byte // 2006-01-02T15:04
	zone   string
	base   int64
	ok     bool
}

func (c *rfcTime) parse(s string) (time.Time, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return c.slow(s)
	}
	sec, ok := atoi(s[17:19])
	if !ok || sec > 60 {
		return time.Time{}, false
	}
	rest := s[19:]
	var nanos int64
	if rest[0] == '.' {
		i := 1
		for scale := int64(1e8); i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			nanos += int64(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}
	if rest != "Z" && rest != "z" && (len(rest) != 6 || rest[3] != ':') {
		return c.slow(s)
	}
	if !c.ok || string(c.minute[:]) != s[:16] || c.zone != rest {
		zone := rest
		if zone == "z" {
			zone = "Z"
		}
		t, err := time.Parse("2006-01-02T15:04Z07:00", s[:10]+"T"+s[11:16]+zone)
		if err != nil {
			return time.Time{}, false
		}
		copy(c.minute[:], s[:16])
		c.zone = string([]byte(rest)) // a copy: rest points into the line
		c.base, c.ok = t.Unix(), true
	}
	return time.Unix(c.base+sec, nanos).UTC(), true
}

func (c *rfcTime) slow(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}
