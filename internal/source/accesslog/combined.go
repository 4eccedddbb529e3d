package accesslog

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/slo-dev/slo/internal/slo"
)

// combined reads a line of the combined log format, as Apache and nginx
// write it:
//
//	host ident user [10/Oct/2026:13:55:36 -0700] "GET /a?b HTTP/1.1" 200 2326 "referer" "agent" 0.125
//
// The referer and agent may be missing (the common format). After them come
// any number of fields, quoted or bare: quoted ones are skipped, bare ones
// of the form rt=X or request_time=X give the request time, other name=value
// ones are skipped, and the last bare field of any other form is the request
// time (see requestTime).
func (p *Parser) combined(line []byte, e *slo.Event) error {
	s := str(line)
	addr, s, ok := token(s)
	if !ok {
		return errors.New("want host, ident, user, [time], \"request\", status and bytes: the line is empty")
	}
	_, s, _ = token(s) // ident, never used
	user, s, ok := token(s)
	if !ok || len(s) == 0 || s[0] != '[' {
		return errors.New("want host, ident, user, then [time]")
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return errors.New("the [time] has no closing ]")
	}
	at, err := p.clf.parse(s[1:end])
	if err != nil {
		return err
	}
	e.Time = at
	s = strings.TrimLeft(s[end+1:], " ")
	req, s, ok := quoted(s)
	if !ok {
		return errors.New(`want the "request" in double quotes after the [time]`)
	}
	method, path, proto := requestLine(req)
	e.Method, e.Path = method, path
	code, s, ok := token(s)
	if !ok {
		return errors.New("no status after the request")
	}
	if e.Status, err = status(code); err != nil {
		return err
	}
	if _, s, ok = token(s); !ok { // bytes sent, never used
		return errors.New("no bytes field after the status")
	}
	var referer, agent, rt string
	nquoted := 0
	for s = strings.TrimLeft(s, " \t"); s != ""; s = strings.TrimLeft(s, " \t") {
		if s[0] == '"' {
			var q string
			if q, s, ok = quoted(s); !ok {
				return errors.New("a quoted field has no closing quote")
			}
			switch nquoted {
			case 0:
				referer = q
			case 1:
				agent = q
			}
			nquoted++
			continue
		}
		var f string
		f, s, _ = token(s)
		name, value, named := strings.Cut(f, "=")
		switch {
		case !named:
			rt = f
		case name == "rt" || name == "request_time":
			rt = value
		}
	}
	lat, has, err := requestTime(rt)
	if err != nil {
		return err
	}
	if !has && p.needLatency {
		return errors.New("no request time, and the SLI tests latency: append the request time to the log format (nginx $request_time, Apache %D)")
	}
	e.Latency = lat
	if p.customer != "" || len(p.labels) > 0 {
		fields := [...]string{addr, dash(user), proto, dash(referer), dash(agent)}
		for i, name := range combinedFields {
			if name == p.customer {
				e.Customer = fields[i]
			}
			p.setLabel(e, name, fields[i])
		}
	}
	return nil
}

// dash turns the "-" a log writes for a missing value into "".
func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// token returns the text up to the next space, and what follows it.
func token(s string) (tok, rest string, ok bool) {
	s = strings.TrimLeft(s, " \t")
	if s == "" {
		return "", "", false
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", true
}

// quoted reads a double-quoted field at the start of s. A backslash escapes
// the next byte, as Apache writes \" and nginx \x22; the escapes are kept
// as written, which is what a filter on the path sees in the log too.
func quoted(s string) (q, rest string, ok bool) {
	if s == "" || s[0] != '"' {
		return "", s, false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return s[1:i], s[i+1:], true
		}
	}
	return "", s, false
}

// str views b as a string without copying: the parser's results point into
// the line, which the source keeps unchanged until they are classified.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// clfTime reads the times of the combined format, 10/Oct/2026:13:55:36
// -0700, remembering the last minute and zone read: the lines of a log
// mostly share them, and time.Date costs more than the rest of a line.
type clfTime struct {
	minute [17]byte // 10/Oct/2026:13:55
	zone   [6]byte  // " -0700"
	base   int64    // unix seconds of the minute
	ok     bool
}

var errCLFTime = errors.New("time: want [02/Jan/2006:15:04:05 -0700]")

func (c *clfTime) parse(s string) (time.Time, error) {
	// 02/Jan/2006:15:04:05 -0700 is 26 bytes.
	if len(s) != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':' || s[20] != ' ' {
		t, err := time.Parse("02/Jan/2006:15:04:05 -0700", s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w, got %q", errCLFTime, s)
		}
		return t.UTC(), nil
	}
	sec, ok := atoi(s[18:20])
	if !ok || sec > 60 {
		return time.Time{}, fmt.Errorf("%w, got %q", errCLFTime, s)
	}
	if !c.ok || string(c.minute[:]) != s[:17] || string(c.zone[:]) != s[20:] {
		t, err := time.Parse("02/Jan/2006:15:04 -0700", s[:17]+s[20:])
		if err != nil {
			return time.Time{}, fmt.Errorf("%w, got %q", errCLFTime, s)
		}
		copy(c.minute[:], s[:17])
		copy(c.zone[:], s[20:])
		c.base, c.ok = t.Unix(), true
	}
	return time.Unix(c.base+sec, 0).UTC(), nil
}
