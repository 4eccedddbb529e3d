package push

import (
	"math"
	"time"
)

// timeParser reads RFC 3339 times. The common shapes (UTC or a numeric
// offset, up to nanoseconds) are parsed by hand, since time.Parse takes a
// good share of an event's budget; anything else goes to time.Parse.
type timeParser struct {
	// minute and base remember the last "2006-01-02T15:04" prefix read
	// and its unix time: the events of a batch mostly share their minute.
	minute [16]byte
	base   int64
	ok     bool
}

func (p *timeParser) parse(s string) (time.Time, bool) {
	if t, ok := p.fast(s); ok {
		return t, true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func (p *timeParser) fast(s string) (time.Time, bool) {
	// 2006-01-02T15:04:05 is 19 bytes; a zone needs at least one more.
	if len(s) < 20 || s[16] != ':' {
		return time.Time{}, false
	}
	base, ok := p.minuteOf(s)
	sec, ok2 := digits(s[17:19])
	if !ok || !ok2 || sec > 59 {
		return time.Time{}, false
	}
	rest := s[19:]
	nanos := 0
	if rest[0] == '.' {
		i := 1
		scale := 100_000_000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			if i > 9 {
				return time.Time{}, false
			}
			nanos += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	return time.Unix(base+int64(sec-offset), int64(nanos)).UTC(), true
}

// minuteOf returns the unix time of the minute s starts with, as
// 2006-01-02T15:04 in the time's own offset.
func (p *timeParser) minuteOf(s string) (int64, bool) {
	if p.ok && s[:16] == string(p.minute[:]) {
		return p.base, true
	}
	if s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' {
		return 0, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 ||
		month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 {
		return 0, false
	}
	p.base = daysSinceEpoch(year, month, day)*86400 + int64(hour*3600+minute*60)
	copy(p.minute[:], s)
	p.ok = true
	return p.base, true
}

// digits parses a short run of decimal digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysSinceEpoch counts days from 1970-01-01 to a date of the proleptic
// Gregorian calendar, for years 0 to 9999 (the ones RFC 3339 can write).
func daysSinceEpoch(year, month, day int) int64 {
	// Count from March of year 0, so that the leap day ends a year.
	y := year
	if month <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	doy := (153*((month+9)%12)+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// maxUnix bounds numeric times, far beyond any time that passes the age
// and future checks, so that converting them cannot overflow.
const maxUnix = 1e13

// unixTime converts unix seconds, given as a JSON number, to a time.
// Plain decimals are converted exactly; others go through the float.
func unixTime(v float64, text string) (time.Time, bool) {
	if math.IsNaN(v) || math.Abs(v) >= maxUnix {
		return time.Time{}, false
	}
	if sec, nsec, ok := exactDecimal(text); ok {
		return time.Unix(sec, nsec).UTC(), true
	}
	sec := math.Floor(v)
	return time.Unix(int64(sec), int64((v-sec)*1e9)).UTC(), true
}

// exactDecimal splits a non-negative decimal without exponent into
// seconds and nanoseconds, dropping digits past the ninth decimal.
func exactDecimal(text string) (int64, int64, bool) {
	var sec, nsec int64
	i := 0
	for ; i < len(text) && text[i] != '.'; i++ {
		c := text[i]
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		sec = sec*10 + int64(c-'0')
	}
	if i < len(text) {
		scale := int64(100_000_000)
		for _, c := range []byte(text[i+1:]) {
			if c < '0' || c > '9' {
				return 0, 0, false
			}
			nsec += int64(c-'0') * scale
			scale /= 10
		}
	}
	return sec, nsec, true
}
