package reminder_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/mirror"
	"github.com/liaisonbot/liaisonbot/internal/reminder"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// TestFirstStartOnLongHistory: the bot's first start over a history of
// 1,000 statements (stored now, so first seen now, as the mirror's
// backfill stores them) sends in its first reminder run only the
// reminders whose rung is today, as the Datatracker's
// check_liaison_deadlines would: deadline exactly 14, 7, 4, 3, 2, 1 or 0
// days ahead, or passed 1 to 14 days ago, unanswered, not taken. Nothing
// for rungs that passed before, nothing for statements overdue longer.
func TestFirstStartOnLongHistory(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	seed(t, st)
	now := time.Now()
	today := rules.DateOf(now, la)
	rng := rand.New(rand.NewPCG(13, 4053))

	type gen struct {
		s        *store.Statement
		noreply  bool
		answered bool
	}
	var hist []gen
	for i := range 1000 {
		id := int64(10000 + i)
		d := today.AddDays(-400 + rng.IntN(461)).Time(time.UTC) // 400 days ago … 60 ahead
		posted := d.AddDate(0, -1, 0)
		s := &store.Statement{ID: id, Title: fmt.Sprintf("LS %d", id), FromGroups: []int64{gSG15}, ToGroups: []int64{gTEAS},
			Purpose: "action", Deadline: &d, State: "posted", PostedAt: &posted, SubmittedAt: &posted}
		switch p := rng.IntN(100); {
		case p < 10:
			s.Purpose = "comment"
		case p < 20:
			s.Purpose, s.Deadline = "info", nil
		case p < 30: // outgoing: teas asked SG15 to act
			s.FromGroups, s.ToGroups = []int64{gTEAS}, []int64{gSG15}
		case p < 40:
			s.ToGroups = []int64{gCCAMP}
		}
		if rng.IntN(10) == 0 {
			s.Tags = []string{"taken"}
		}
		hist = append(hist, gen{s: s, noreply: rng.IntN(20) == 0, answered: rng.IntN(10) == 0})
	}
	var ss []*store.Statement
	var rel []store.Related
	for i, g := range hist {
		ss = append(ss, g.s)
		if g.answered {
			rid := int64(20000 + i)
			ss = append(ss, &store.Statement{ID: rid, Title: "Reply", FromGroups: g.s.ToGroups, ToGroups: g.s.FromGroups,
				Purpose: "response", State: "posted", PostedAt: g.s.PostedAt, SubmittedAt: g.s.PostedAt})
			rel = append(rel, store.Related{ID: rid, Source: rid, Target: g.s.ID, Relationship: "refold"})
		}
	}
	must(t, st.UpsertStatements(ctx, ss))
	must(t, st.UpsertRelated(ctx, rel))
	for _, g := range hist {
		if g.noreply {
			_, err := st.AddNoReply(ctx, store.NoReply{StatementID: g.s.ID, DecidedBy: "@maria:example.org", Reason: "no"})
			must(t, err)
		}
	}

	// What the Datatracker's rhythm sends today, computed from the history.
	onLadder := map[int]bool{-14: true, -7: true, -4: true, -3: true, -2: true, -1: true, 0: true}
	for d := 1; d <= 14; d++ {
		onLadder[d] = true
	}
	var wantIDs []int64
	wantMsgs := 0
	for _, g := range hist {
		s := g.s
		if s.Deadline == nil || (s.Purpose != "action" && s.Purpose != "comment") || slices.Contains(s.Tags, "taken") || g.noreply || g.answered {
			continue
		}
		off := rules.DaysBetween(reminder.DateOfDeadline(*s.Deadline), today)
		if !onLadder[off] {
			continue
		}
		wantIDs = append(wantIDs, s.ID)
		wantMsgs++ // the teas or ccamp room
		if off > 0 {
			wantMsgs++ // and, overdue, the coordination room
		}
	}
	if len(wantIDs) < 10 {
		t.Fatalf("the generated history has only %d statements on a rung today; the test proves nothing", len(wantIDs))
	}

	c := &clock{t: now}
	r := newReminder(t, st, c)
	n, err := r.Tick(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []int64
	for _, g := range hist {
		if len(sentFor(t, st, g.s.ID)) > 0 {
			gotIDs = append(gotIDs, g.s.ID)
		}
	}
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("reminded %d statements, want %d (those on a rung today)\ngot  %v\nwant %v", len(gotIDs), len(wantIDs), gotIDs, wantIDs)
	}
	if n != wantMsgs {
		t.Errorf("the first run queued %d messages, want %d", n, wantMsgs)
	}
	// A second run the same day sends nothing.
	if n, err := r.Tick(ctx, now.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("second run: %d %v", n, err)
	}
}

// TestPostedSixDaysBeforeDeadline: a For Action statement posted in the
// (fake) Datatracker six days before its deadline is mirrored and
// announced; the one-week rung passed before the bot saw it, so the first
// reminder comes on its four-day rung, not as an immediate catch-up.
func TestPostedSixDaysBeforeDeadline(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	seed(t, st)
	dt := dtfake.New()
	dt.LoadFixtures()
	dt.Start()
	t.Cleanup(dt.Close)
	m := &mirror.Mirror{DT: dt.Client(), Store: st, Platform: platform, Log: zerolog.Nop(), Base: dt.URL(), DeadlineZone: "America/Los_Angeles"}
	if _, err := m.Poll(ctx); err != nil { // backfill
		t.Fatal(err)
	}
	today := rules.DateOf(time.Now(), la)
	deadline := today.AddDays(6)
	id := dt.AddStatement(datatracker.Statement{Title: "LS on YANG models for optical transport", FromGroups: []int64{dtfake.GroupSG15},
		ToGroups: []int64{dtfake.GroupTEAS}, Purpose: "action", Deadline: deadline.String()})
	dt.Post(id)
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now()}
	r := newReminder(t, st, c)
	for day := 0; day <= 2; day++ {
		c.t = at(today.AddDays(day).String())
		if day == 0 {
			c.t = time.Now()
		}
		n, err := r.Tick(ctx, c.Now())
		if err != nil {
			t.Fatal(err)
		}
		if want := map[int]int{0: 0, 1: 0, 2: 1}[day]; n != want {
			t.Errorf("T-%d: %d reminders, want %d", 6-day, n, want)
		}
	}
	if got := sentFor(t, st, id); len(got) != 1 || len(got[-4]) != 1 {
		t.Fatalf("sent %v, want only the four-day rung", got)
	}
	contains(t, message(t, st, id, -4, roomTEAS).Body.Plain(), "Deadline in four days")
}

// TestOutgoingReminder: teas asked SG15 to act by a deadline. The
// reminder goes to teas (the sending group), mentioning its chairs, and
// says SG15's response is due; overdue, it suggests asking the liaison
// manager for SG15. It never asks anyone to reply to our own statement.
func TestOutgoingReminder(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	seed(t, st)
	s := stmt(800, "2025-09-30", gSG15)
	s.FromGroups = []int64{gTEAS}
	put(t, st, s)
	c := &clock{t: at("2025-09-23")}
	r := newReminder(t, st, c)
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 1 {
		t.Fatalf("tick: %d %v", n, err)
	}
	if got := sentFor(t, st, 800); !slices.Equal(got[-7], []string{roomTEAS}) {
		t.Fatalf("sent %v, want rung -7 in the teas room", got)
	}
	m := message(t, st, 800, -7, roomTEAS)
	body := m.Body.Plain()
	contains(t, body, "Response from", "due in one week", "LS 800", "2025-09-30 (America/Los_Angeles)", "Maria Lindqvist")
	for _, wrong := range []string{"/liaison reply", "/liaison noreply", "addressed group ensure"} {
		if strings.Contains(body, wrong) {
			t.Errorf("the reminder of our own statement says %q:\n%s", wrong, body)
		}
	}
	if ids := mentionIDs(m.Body); !slices.Equal(ids, []string{"@maria:example.org"}) || !m.Alert {
		t.Errorf("mentions %v, alert %v: the teas chair must be notified", ids, m.Alert)
	}

	c.t = at("2025-10-03")
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 2 {
		t.Fatalf("overdue tick: %d %v", n, err)
	}
	if got := sentFor(t, st, 800); !slices.Equal(got[3], []string{roomCoord, roomTEAS}) {
		t.Fatalf("sent %v, want rung 3 in teas and the coordination room", got)
	}
	body = message(t, st, 800, 3, roomTEAS).Body.Plain()
	contains(t, body, "overdue", "three days ago", "liaison manager for", "Hiroshi Tanaka")
	if strings.Contains(body, "/liaison reply") {
		t.Errorf("overdue reminder of our own statement asks for a reply:\n%s", body)
	}
}

// TestOutgoingClassification: a statement is outgoing when an IETF-side
// group sent it and every addressed group is another body (an SDO).
func TestOutgoingClassification(t *testing.T) {
	groups := map[int64]store.Group{
		gTEAS: {ID: gTEAS, Acronym: "teas", Type: "wg"}, gIAB: {ID: gIAB, Acronym: "iab", Type: "ietf"},
		gSG15: {ID: gSG15, Acronym: "itu-t-sg-15", Type: "sdo"}, 99: {ID: 99, Acronym: "ieee", Type: "SDO"},
	}
	tests := []struct {
		name     string
		from, to []int64
		want     bool
	}{
		{"WG to SDO", []int64{gTEAS}, []int64{gSG15}, true},
		{"IAB to two SDOs", []int64{gIAB}, []int64{gSG15, 99}, true},
		{"SDO to WG (incoming)", []int64{gSG15}, []int64{gTEAS}, false},
		{"SDO to SDO", []int64{gSG15}, []int64{99}, false},
		{"WG to WG and SDO", []int64{gTEAS}, []int64{gSG15, gTEAS}, false},
		{"unknown addressee", []int64{gTEAS}, []int64{12345}, false},
		{"no addressee", []int64{gTEAS}, nil, false},
	}
	for _, tt := range tests {
		s := &store.Statement{FromGroups: tt.from, ToGroups: tt.to}
		if got := reminder.Outgoing(s, groups); got != tt.want {
			t.Errorf("%s: Outgoing = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestMirroredWhilePending: a statement the bot stored while it was still
// pending (first seen at T-20) and that was posted at T-6 is announced at
// T-6; its first reminder is on the four-day rung, not a catch-up of the
// one-week rung.
func TestMirroredWhilePending(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	seed(t, st)
	s := stmt(900, "2025-09-30")
	posted := at("2025-09-24")
	s.PostedAt = &posted
	must(t, st.UpsertStatement(ctx, s))
	must(t, st.SetFirstSeen(ctx, 900, at("2025-09-10")))
	c := &clock{}
	r := newReminder(t, st, c)
	for _, d := range []struct {
		date string
		want int
	}{{"2025-09-24", 0}, {"2025-09-25", 0}, {"2025-09-26", 1}} {
		c.t = at(d.date)
		if n, err := r.Tick(ctx, c.Now()); err != nil || n != d.want {
			t.Errorf("%s: %d reminders (%v), want %d", d.date, n, err, d.want)
		}
	}
	if got := sentFor(t, st, 900); len(got) != 1 || got[-4] == nil {
		t.Fatalf("sent %v, want only the four-day rung", got)
	}
}
