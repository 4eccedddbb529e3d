package slo

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Day and the longer units durations are written in.
const (
	Day  = 24 * time.Hour
	Week = 7 * Day
	Year = 365 * Day
)

// Calendar is the unit of a calendar-aligned window.
type Calendar int

const (
	// NotCalendar marks a rolling window.
	NotCalendar Calendar = iota
	CalendarWeek
	CalendarMonth
	CalendarQuarter
	CalendarYear
)

var calendarNames = map[Calendar]string{
	CalendarWeek: "week", CalendarMonth: "month", CalendarQuarter: "quarter", CalendarYear: "year",
}

// String returns the spec name of the unit.
func (c Calendar) String() string { return calendarNames[c] }

// ParseCalendar reads a calendar unit name: week, month, quarter or year.
func ParseCalendar(s string) (Calendar, bool) {
	for c, n := range calendarNames {
		if n == s {
			return c, true
		}
	}
	return NotCalendar, false
}

// Window is the period an objective holds over: rolling (the last 30 days,
// say) or calendar-aligned (this month).
type Window struct {
	// Rolling is the length of a rolling window; zero for a calendar window.
	Rolling  time.Duration
	Calendar Calendar
	// Location is the time zone calendar periods start in; UTC when nil.
	Location *time.Location
}

// RollingWindow returns a rolling window of the given length.
func RollingWindow(d time.Duration) Window { return Window{Rolling: d} }

// CalendarWindow returns a calendar window of the given unit, in UTC.
func CalendarWindow(c Calendar) Window { return Window{Calendar: c} }

// IsCalendar reports whether the window is calendar-aligned.
func (w Window) IsCalendar() bool { return w.Calendar != NotCalendar }

// Nominal is the window's length for budget figures that do not depend on a
// date: a rolling window's length; 7, 30, 90 or 365 days for a calendar week,
// month, quarter or year. Live evaluation uses Bounds, which knows that
// February is short.
func (w Window) Nominal() time.Duration {
	switch w.Calendar {
	case CalendarWeek:
		return Week
	case CalendarMonth:
		return 30 * Day
	case CalendarQuarter:
		return 90 * Day
	case CalendarYear:
		return Year
	}
	return w.Rolling
}

// Bounds returns the window that ends at t: [t-length, t) for a rolling
// window; the calendar period holding t for a calendar window.
func (w Window) Bounds(t time.Time) (start, end time.Time) {
	if !w.IsCalendar() {
		return t.Add(-w.Rolling), t
	}
	loc := w.Location
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	y, m, d := t.Date()
	switch w.Calendar {
	case CalendarWeek: // weeks start on Monday, as ISO 8601 has it
		back := (int(t.Weekday()) + 6) % 7
		start = time.Date(y, m, d-back, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 0, 7)
	case CalendarMonth:
		start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 1, 0)
	case CalendarQuarter:
		start = time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 3, 0)
	default:
		start = time.Date(y, 1, 1, 0, 0, 0, 0, loc)
		return start, start.AddDate(1, 0, 0)
	}
}

// String returns the window as the spec writes it: "30d" or "calendar month".
func (w Window) String() string {
	if w.IsCalendar() {
		return "calendar " + w.Calendar.String()
	}
	return FormatDuration(w.Rolling)
}

var durationUnits = []struct {
	suffix string
	unit   time.Duration
}{
	{"ms", time.Millisecond}, {"y", Year}, {"w", Week}, {"d", Day},
	{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second},
}

// ParseDuration reads a duration the way Prometheus writes them: a sequence
// of integer and unit pairs, largest first, with units y, w, d, h, m, s, ms
// ("30d", "1h30m", "500ms").
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	rest, total, last := s, time.Duration(0), time.Duration(1<<62)
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("duration %q: want a number before each unit (as in 5m, 1h30m, 30d)", s)
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("duration %q: %w", s, err)
		}
		rest = rest[i:]
		var unit time.Duration
		for _, u := range durationUnits {
			if strings.HasPrefix(rest, u.suffix) {
				unit, rest = u.unit, rest[len(u.suffix):]
				break
			}
		}
		if unit == 0 {
			return 0, fmt.Errorf("duration %q: unknown or missing unit (use ms, s, m, h, d, w, y)", s)
		}
		if unit >= last {
			return 0, fmt.Errorf("duration %q: units must go from largest to smallest", s)
		}
		last = unit
		if n > int64((1<<62)/unit) {
			return 0, fmt.Errorf("duration %q: too long", s)
		}
		total += time.Duration(n) * unit
	}
	return total, nil
}

// FormatDuration writes d in the form ParseDuration reads, largest units
// first: 30d, 1h30m, 500ms. It writes weeks and years only as days.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"d", Day}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}} {
		if n := d / u.unit; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.suffix)
			d -= n * u.unit
		}
	}
	if d > 0 { // below a millisecond: Go's own form is the clearest
		b.WriteString(d.String())
	}
	return b.String()
}
