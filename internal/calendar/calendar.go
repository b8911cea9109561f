// Package calendar renders the deadlines of unanswered For Action
// statements as an iCalendar feed (RFC 5545), so chairs can subscribe to
// /calendar/all.ics or /calendar/<acronym>.ics.
package calendar

import (
	"fmt"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Entry is one deadline.
type Entry struct {
	StatementID int64
	Title       string
	Deadline    time.Time // a date
	From, To    string    // groups, for display
	Purpose     string
	URL         string
}

// Build renders entries as a VCALENDAR named name. Every deadline is an
// all-day event on its date (a date in the Datatracker's deadline zone,
// named in the description).
func Build(name, zone string, entries []Entry, now time.Time) string {
	cal := ics.NewCalendar()
	cal.SetMethod(ics.MethodPublish)
	cal.SetProductId("-//liaisonbot//liaison statement deadlines//EN")
	cal.SetName(name)
	cal.SetXWRCalName(name)
	cal.SetDescription("Deadlines of unanswered IETF liaison statements (draft-iab-rfc4053bis §5.1)")
	for _, e := range entries {
		ev := cal.AddEvent(fmt.Sprintf("ls-%d-deadline@liaisonbot", e.StatementID))
		ev.SetDtStampTime(now.UTC())
		day := time.Date(e.Deadline.Year(), e.Deadline.Month(), e.Deadline.Day(), 0, 0, 0, 0, time.UTC)
		ev.SetAllDayStartAt(day)
		ev.SetAllDayEndAt(day.AddDate(0, 0, 1))
		ev.SetSummary(fmt.Sprintf("LS %d deadline: %s", e.StatementID, oneLine(e.Title)))
		ev.SetDescription(fmt.Sprintf("%s\nFrom: %s\nTo: %s\nDeadline: %s (%s)\n%s",
			e.Purpose, e.From, e.To, day.Format("2006-01-02"), zone, e.URL))
		if e.URL != "" {
			ev.SetURL(e.URL)
		}
	}
	// Content lines end in CRLF (RFC 5545 §3.1); the library's default is
	// the platform's line end, "\n" on Unix.
	return cal.Serialize(ics.WithNewLineWindows)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
