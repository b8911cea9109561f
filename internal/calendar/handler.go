package calendar

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/render"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// Feed serves the deadline calendars from the store: /calendar/all.ics
// (every unanswered For Action statement) and /calendar/<acronym>.ics
// (those to or from one group; 404 for an unknown acronym). Mount it on
// "/calendar/".
type Feed struct {
	Store *store.Store
	// Base is the Datatracker URL, for links; Zone the zone deadlines are
	// read in (named in each event).
	Base string
	Zone string
	// Now is the clock (DTSTAMP, and which deadlines are listed).
	Now func() time.Time
	// PastDays is how far back deadlines are listed (default 365): an
	// overdue statement stays in the calendar until answered or this old.
	PastDays int
}

// Handler returns the feed handler for st with the Datatracker base URL
// and the deadline zone (reminders.deadline_timezone).
func Handler(st *store.Store, base, zone string) http.Handler {
	return &Feed{Store: st, Base: base, Zone: zone, Now: time.Now}
}

func (f *Feed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/calendar/")
	if !ok || !strings.HasSuffix(name, ".ics") || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	name = strings.ToLower(strings.TrimSuffix(name, ".ics"))
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	var groupID int64
	title := "IETF liaison statement deadlines"
	if name != "all" {
		g, err := f.Store.GroupByAcronym(ctx, name)
		if err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		if g == nil {
			http.Error(w, "no such group: "+name, http.StatusNotFound)
			return
		}
		groupID = g.ID
		title = render.GroupLabel(*g) + " liaison statement deadlines"
	}
	now := time.Now()
	if f.Now != nil {
		now = f.Now()
	}
	past := f.PastDays
	if past <= 0 {
		past = 365
	}
	// Everything still unanswered from a year back on (the far end is the
	// last date PostgreSQL and iCalendar both handle comfortably).
	tracked, err := f.Store.Unanswered(ctx, now.AddDate(0, 0, -past), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), groupID)
	if err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	var ids []int64
	for _, t := range tracked {
		ids = append(ids, t.Statement.FromGroups...)
		ids = append(ids, t.Statement.ToGroups...)
	}
	groups, err := f.Store.GroupsByID(ctx, ids)
	if err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	entries := make([]Entry, 0, len(tracked))
	for _, t := range tracked {
		s := t.Statement
		entries = append(entries, Entry{StatementID: s.ID, Title: s.Title, Deadline: *s.Deadline,
			From: render.Groups(s.FromGroups, groups), To: render.Groups(s.ToGroups, groups),
			Purpose: render.Purpose(s.Purpose), URL: render.StatementURL(f.Base, s.ID)})
	}
	body := Build(title, f.Zone, entries, now)
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`.ics"`)
	if r.Method == http.MethodHead {
		return
	}
	w.Write([]byte(body))
}
