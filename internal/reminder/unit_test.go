package reminder_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/mirror"
	"github.com/liaisonbot/liaisonbot/internal/reminder"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

func TestMatches(t *testing.T) {
	groups := map[int64]store.Group{gSG15: {ID: gSG15, Acronym: "itu-t-sg-15", Name: "ITU-T SG 15"}}
	s := &store.Statement{ID: 1, Title: "LS on optical transport network YANG models", FromGroups: []int64{gSG15}, OtherIdentifiers: "SG15-LS123 (TD 456)"}
	tests := []struct {
		name string
		rep  store.Received
		want bool
	}{
		{"reference", store.Received{FromBody: "3gpp", Subject: "anything", Reference: "sg15 ls123"}, true},
		{"short reference ignored", store.Received{FromBody: "3gpp", Subject: "anything", Reference: "LS"}, false},
		{"same subject", store.Received{FromBody: "someone", Subject: "LS on Optical Transport Network YANG Models"}, true},
		{"sender by acronym, similar subject", store.Received{FromBody: "ITU-T-SG-15", Subject: "optical YANG models"}, true},
		{"sender by name, similar subject", store.Received{FromBody: "ITU-T SG15", Subject: "YANG models for optical transport"}, true},
		{"other sender, similar subject", store.Received{FromBody: "3gpp", Subject: "optical YANG models"}, false},
		{"same sender, other subject", store.Received{FromBody: "itu-t-sg-15", Subject: "time synchronisation"}, false},
		{"empty", store.Received{}, false},
	}
	for _, tt := range tests {
		if got := reminder.Matches(tt.rep, s, groups); got != tt.want {
			t.Errorf("%s: Matches = %v, want %v (similarity %.2f)", tt.name, got, tt.want, reminder.Similarity(tt.rep.Subject, s.Title))
		}
	}
}

func TestSimilarity(t *testing.T) {
	tests := []struct {
		a, b     string
		min, max float64
	}{
		{"LS on YANG models", "Liaison statement on YANG models", 1, 1},
		{"YANG models", "", 0, 0},
		{"optical YANG models", "LS on optical transport network YANG models", 0.6, 0.6},
		{"time sync", "YANG models", 0, 0},
		{"Reply to LS on 5G", "LS on 5G", 1, 1},
	}
	for _, tt := range tests {
		if got := reminder.Similarity(tt.a, tt.b); got < tt.min || got > tt.max {
			t.Errorf("Similarity(%q, %q) = %.2f, want %.2f..%.2f", tt.a, tt.b, got, tt.min, tt.max)
		}
	}
}

// TestScheduleInItsZone: the cron schedule is read in reminders.timezone.
func TestScheduleInItsZone(t *testing.T) {
	cfg := testConfig()
	cfg.Reminders.Timezone = "Asia/Tokyo"
	r, err := reminder.New(cfg, nil, platform, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Cron(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// cron computes the next run from now in its location.
	next := c.Entries()[0].Schedule.Next(time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC).In(c.Location())) // 09:00 in Tokyo
	if want := time.Date(2025, 10, 1, 8, 0, 0, 0, mustZone("Asia/Tokyo")); !next.Equal(want) {
		t.Errorf("next run %v, want %v", next, want)
	}
	cfg.Reminders.Schedule = "every day"
	r, _ = reminder.New(cfg, nil, platform, zerolog.Nop())
	if _, err := r.Cron(context.Background()); err == nil {
		t.Error("a bad schedule was accepted")
	}
	cfg.Reminders.Ladder = "14;monthly"
	if _, err := reminder.New(cfg, nil, platform, zerolog.Nop()); err == nil {
		t.Error("a bad ladder was accepted")
	}
}

// TestResponseInMirrorStopsReminders drives the Datatracker mirror: an In
// Response statement related to a For Action one is posted in the
// (fake) Datatracker, the mirror polls it, and the reminders stop.
func TestResponseInMirrorStopsReminders(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	dt := dtfake.New()
	dt.LoadFixtures()
	dt.Start()
	t.Cleanup(dt.Close)
	m := &mirror.Mirror{DT: dt.Client(), Store: st, Platform: platform, Log: zerolog.Nop(), Base: dt.URL(), DeadlineZone: "America/Los_Angeles"}
	if _, err := st.AddBinding(ctx, store.Binding{Platform: platform, Room: roomTEAS, Group: "teas", Source: store.SourceConfig}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Poll(ctx); err != nil { // backfill
		t.Fatal(err)
	}
	id := dt.AddStatement(datatracker.Statement{Title: "LS on YANG models for optical transport", FromGroups: []int64{dtfake.GroupSG15},
		ToGroups: []int64{dtfake.GroupTEAS}, Purpose: "action", Deadline: "2030-09-30"})
	dt.Post(id)
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: at("2030-09-16")}
	r := newReminder(t, st, c)
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 1 {
		t.Fatalf("tick: %d %v", n, err)
	}
	// Not yet sent, the announcement has no thread: the reminder asks for
	// the statement's topic (Zulip) instead.
	if m := message(t, st, id, -14, roomTEAS); m.NewThread == "" {
		t.Errorf("reminder %+v", m)
	}
	resp := dt.AddStatement(datatracker.Statement{Title: "Reply to LS on YANG models", FromGroups: []int64{dtfake.GroupTEAS},
		ToGroups: []int64{dtfake.GroupSG15}, Purpose: "response"})
	dt.Relate(resp, id)
	dt.Post(resp)
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2030-09-23", "2030-09-30", "2030-10-01"} {
		c.t = at(d)
		if _, err := r.Tick(ctx, c.Now()); err != nil {
			t.Fatal(err)
		}
		if sent := sentFor(t, st, id); len(sent) != 1 {
			t.Errorf("%s: rungs %v sent after the response was recorded, want only the one before", d, sent)
		}
	}
	// The Datatracker still tags it "required": the chairs are told once
	// to mark the action taken (the only message after the response).
	var nudges int
	must(t, st.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE txn_key LIKE 'nudge/%'`).Scan(&nudges))
	if nudges != 1 {
		t.Errorf("%d action-taken nudges, want 1", nudges)
	}
}
