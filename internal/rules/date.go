package rules

import (
	"fmt"
	"strings"
	"time"
)

// Date is a calendar date without a time or zone, such as a liaison
// statement's deadline. The Datatracker stores deadlines as dates and reads
// them in America/Los_Angeles (datatracker NOTES §4, §8); which zone "today"
// is taken in is the caller's choice, made once, through [DateOf].
//
// The zero Date is not a valid date; see [Date.IsZero].
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses an ISO date "YYYY-MM-DD" (surrounding white space is
// ignored). Impossible dates such as 2025-02-30 are rejected.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date; write it as YYYY-MM-DD, e.g. 2025-09-30", strings.TrimSpace(s))
	}
	return DateOf(t, time.UTC), nil
}

// MustParseDate is ParseDate for constants in tests and tables; it panics on
// a malformed date.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DateOf returns the calendar date of instant t in zone loc (UTC when loc
// is nil). The same instant can fall on different dates in different zones:
// 2025-09-30T03:00Z is 2025-09-30 in UTC but 2025-09-29 in
// America/Los_Angeles.
func DateOf(t time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return Date{Year: y, Month: m, Day: d}
}

// utcNoon is the date as an instant in UTC, where every day has 24 hours.
func (d Date) utcNoon() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}

// AddDays returns the date n days later (earlier when n is negative),
// rolling over months and years.
func (d Date) AddDays(n int) Date {
	return DateOf(d.utcNoon().AddDate(0, 0, n), time.UTC)
}

// DaysBetween returns the number of days from a to b: positive when b is
// after a, zero on the same date, negative when b is before a. It counts
// calendar days, so time-zone offsets and DST changes do not matter.
func DaysBetween(a, b Date) int {
	return b.dayNumber() - a.dayNumber()
}

// dayNumber counts days since 1970-01-01 in the proleptic Gregorian
// calendar (H. Hinnant's days_from_civil), without time.Duration's
// ±292-year range. Out-of-range months and days are normalised first.
func (d Date) dayNumber() int {
	y, m, dd := d.utcNoon().Date()
	yy := y
	if m <= time.February {
		yy--
	}
	era := yy / 400
	if yy < 0 && yy%400 != 0 {
		era--
	}
	yoe := yy - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + dd - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Time returns the start of the day (00:00) in zone loc (UTC when loc is
// nil).
func (d Date) Time(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a real calendar date.
func (d Date) Valid() bool {
	if d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.AddDays(0) == d
}

// Compare returns -1 if d is before e, 0 if they are the same date and +1
// if d is after e.
func (d Date) Compare(e Date) int {
	switch n := DaysBetween(e, d); {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utcNoon().Weekday() }

// MarshalText implements encoding.TextMarshaler (YYYY-MM-DD).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (YYYY-MM-DD).
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// FormatDeadline shows a deadline with the zone it is read in, e.g.
// "2025-09-30 (America/Los_Angeles)", so nobody has to guess whose midnight
// ends it (datatracker NOTES §7 item 11, issue #6108).
func FormatDeadline(d Date, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return d.String() + " (" + loc.String() + ")"
}
