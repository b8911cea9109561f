package bot

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/console"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// TestRemindersThroughTheBot wires the reminder service, the reminder
// verbs and the calendar as bot.go does: the schedule's catch-up tick at
// start queues the due reminder, noreply through the dispatcher stops the
// next ones, and the calendar is served.
func TestRemindersThroughTheBot(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.UpsertGroups(ctx, []store.Group{{ID: 1985, Acronym: "teas", Type: "wg", State: "active"}, {ID: 62, Acronym: "itu-t-sg-15", Type: "sdo", State: "active"}}))
	must(st.UpsertPersons(ctx, []store.Person{{ID: 1, Name: "Maria Lindqvist"}, {ID: 3, Name: "Hiroshi Tanaka"}}))
	must(st.ReplaceRoles(ctx, []store.Role{
		{ID: 1, Name: "chair", GroupID: 1985, PersonID: 1, Email: "maria@example.net"},
		{ID: 3, Name: "liaiman", GroupID: 62, PersonID: 3, Email: "hiroshi@example.jp"},
	}))
	deadline := time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)
	must(st.UpsertStatement(ctx, &store.Statement{ID: 42, Title: "LS on YANG", FromGroups: []int64{62}, ToGroups: []int64{1985},
		Purpose: "action", Deadline: &deadline, State: "posted"}))

	cfg := &config.Config{Platform: "console"}
	cfg.Datatracker.URL = "https://datatracker.example"
	cfg.Reminders = config.Reminders{Schedule: "0 8 * * *", Timezone: "Europe/Berlin", DeadlineTimezone: "America/Los_Angeles", Ladder: ""}
	cfg.Rooms = []config.Room{{Room: "teas-room", Groups: []string{"teas"}}, {Room: "coord", Coordination: true}}
	tr := console.New(strings.NewReader(""), io.Discard, chat.User{ID: "maria@example.net", Email: "maria@example.net"})
	b := New(cfg, zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel), st, tr)
	now := time.Date(2025, 9, 23, 16, 0, 0, 0, time.UTC)
	b.Now = func() time.Time { return now }
	must(b.SyncConfigRooms(ctx))

	// The schedule's catch-up tick at start: rung -7.
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.RunReminders(runCtx) }()
	testenv.Eventually(t, 10*time.Second, func() bool {
		rs, err := st.RemindersOf(ctx, 42)
		return err == nil && len(rs) == 1 && rs[0] == -7
	}, "catch-up tick at start")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("RunReminders: %v", err)
	}

	// noreply through the dispatcher, as the inbox worker runs it.
	evt := chat.Event{Platform: "console", Kind: chat.EventMessage, ID: "e1", Room: "teas-room",
		Sender: chat.User{ID: "maria@example.net", DisplayName: "Maria", Email: "maria@example.net"},
		Text:   "/liaison noreply 42 Out of scope for the WG"}
	must(st.Tx(ctx, func(q store.Q) error { return b.Commands.HandleEvent(ctx, q, evt) }))
	var payload string
	must(st.Pool.QueryRow(ctx, `SELECT payload::text FROM outbox WHERE txn_key = 'noreply/42/coord'`).Scan(&payload))
	if !strings.Contains(payload, "Hiroshi Tanaka") || !strings.Contains(payload, "Out of scope for the WG") {
		t.Errorf("liaison manager notice: %s", payload)
	}
	r, err := b.NewReminder()
	must(err)
	now = now.AddDate(0, 0, 7)
	if n, err := r.Tick(ctx, now); err != nil || n != 0 {
		t.Errorf("tick after noreply: %d %v", n, err)
	}

	// The calendar, mounted as bot.go mounts it.
	srv := httptest.NewServer(b.CalendarHandler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/calendar/teas.ics")
	must(err)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("calendar: %d", resp.StatusCode)
	}
}
