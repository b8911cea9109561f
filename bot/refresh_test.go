package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/console"
	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// TestTakenWithoutEventStopsReminders: a chair presses "Mark as action
// taken" in the Datatracker, which only swaps the tags and records no
// event (issue 13). The reminder run re-reads the tracked statements
// first, so the next rung is not sent and the statement leaves the
// unanswered list (overdue/upcoming) and the calendar.
func TestTakenWithoutEventStopsReminders(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	dt := dtfake.New()
	dt.LoadFixtures()
	dt.Start()
	t.Cleanup(dt.Close)
	ls := dt.AddStatement(datatracker.Statement{Title: "LS on optical impairments", FromGroups: []int64{groupSG15}, ToGroups: []int64{groupTEAS},
		Purpose: "action", Deadline: "2025-09-30", ResponseContacts: "tsbsg15@itu.int"})
	dt.Post(ls)

	cfg := &config.Config{Platform: "console"}
	cfg.Datatracker.URL = dt.URL()
	cfg.Datatracker.Timeout = 10 * time.Second
	cfg.Reminders = config.Reminders{Schedule: "0 8 * * *", Timezone: "Europe/Berlin", DeadlineTimezone: "America/Los_Angeles", Ladder: ""}
	cfg.Rooms = []config.Room{{Room: "teas-room", Groups: []string{"teas"}}, {Room: "coord", Coordination: true}}
	tr := console.New(strings.NewReader(""), io.Discard, chat.User{ID: "maria@example.net", Email: "maria@example.net"})
	b := New(cfg, zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel), st, tr)
	now := time.Date(2025, 9, 23, 16, 0, 0, 0, time.UTC) // seven days ahead: rung -7
	b.Now = func() time.Time { return now }
	if err := b.SyncConfigRooms(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Mirror.Poll(ctx); err != nil { // the backfill
		t.Fatal(err)
	}
	r, err := b.NewReminder()
	if err != nil {
		t.Fatal(err)
	}
	calendar := func() string {
		t.Helper()
		srv := httptest.NewServer(b.CalendarHandler())
		defer srv.Close()
		resp, err := http.Get(srv.URL + "/calendar/teas.ics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	unanswered := func() []int64 {
		t.Helper()
		list, err := st.Unanswered(ctx, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, tr := range list {
			ids = append(ids, tr.Statement.ID)
		}
		return ids
	}
	entry := fmt.Sprintf("LS %d deadline", ls)

	r.TickLogged(ctx)
	if rs, _ := st.RemindersOf(ctx, ls); !slices.Equal(rs, []int{-7}) {
		t.Fatalf("reminders before the tag: %v, want [-7]", rs)
	}
	if !slices.Contains(unanswered(), ls) || !strings.Contains(calendar(), entry) {
		t.Fatalf("before the tag LS %d must be unanswered and in the calendar", ls)
	}

	before := dt.LastEventID()
	dt.SetTag(ls, "taken")
	if dt.LastEventID() != before {
		t.Fatal("the fake recorded an event for Mark as action taken; the Datatracker records none")
	}
	// An incremental poll sees nothing: no event.
	if _, err := b.Mirror.Poll(ctx); err != nil {
		t.Fatal(err)
	}

	now = now.AddDate(0, 0, 3) // four days ahead: rung -4
	r.TickLogged(ctx)
	if rs, _ := st.RemindersOf(ctx, ls); !slices.Equal(rs, []int{-7}) {
		t.Errorf("reminders after the tag: %v, want only [-7]", rs)
	}
	if slices.Contains(unanswered(), ls) {
		t.Errorf("LS %d tagged taken is still listed as unanswered (overdue/upcoming)", ls)
	}
	if cal := calendar(); strings.Contains(cal, entry) {
		t.Errorf("LS %d tagged taken is still in the calendar:\n%s", ls, cal)
	}
}
