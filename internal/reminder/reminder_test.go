package reminder_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// TestLadderWalkWithRestart walks one statement day by day through the
// whole default ladder (14, 7, 4, 3, 2, 1, 0 days before, daily overdue
// for 14 days, then nothing, as check_liaison_deadlines), ticking twice a day and restarting the bot
// (a new Reminder on a new connection pool, same database) between two
// rungs: every rung once, none twice, none lost.
func TestLadderWalkWithRestart(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.Postgres(t)
	st := testenv.StoreOn(t, dsn)
	seed(t, st)
	// The deadline is just before the end of daylight-saving time in Los
	// Angeles (2025-11-02): calendar days, not 24-hour steps, count.
	s := stmt(100, "2025-10-31")
	put(t, st, s)
	// Announced in the teas room: reminders go in its thread.
	oid, err := st.Enqueue(ctx, platform, store.KindAnnouncement, chat.Outgoing{Room: roomTEAS, NewThread: "LS 100", TxnKey: "announce/100/" + roomTEAS})
	must(t, err)
	must(t, st.MarkSent(ctx, oid, chat.Sent{Room: roomTEAS, ID: "$ann100", Thread: "$ann100"}))
	if _, err := st.ClaimAnnouncement(ctx, 100, platform, roomTEAS, oid); err != nil {
		t.Fatal(err)
	}

	c := &clock{}
	r := newReminder(t, st, c)
	deadline := rules.MustParseDate("2025-10-31")
	var sentOn []int // rung offsets on which something was queued
	for day := -20; day <= 45; day++ {
		if day == -3 {
			// Restart between rungs -4 and -3.
			st2 := testenv.StoreOn(t, dsn)
			r = newReminder(t, st2, c)
		}
		for _, hour := range []int{0, 10, 23} {
			d := deadline.AddDays(day)
			c.t = time.Date(d.Year, d.Month, d.Day, hour, 30, 0, 0, la)
			n, err := r.Tick(ctx, c.Now())
			if err != nil {
				t.Fatalf("day %d: %v", day, err)
			}
			if n > 0 {
				if hour != 0 {
					t.Errorf("day %d: reminded at %02d:30, not at the first tick of the day", day, hour)
				}
				sentOn = append(sentOn, day)
			}
		}
	}
	want := []int{-14, -7, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}
	if !slices.Equal(sentOn, want) {
		t.Fatalf("reminded on days %v\nwant %v", sentOn, want)
	}
	got := sentFor(t, st, 100)
	for _, rung := range want {
		rooms := got[rung]
		wantRooms := []string{roomTEAS}
		if rung > 0 {
			wantRooms = []string{roomCoord, roomTEAS} // overdue: coordination rooms too
		}
		if !slices.Equal(rooms, wantRooms) {
			t.Errorf("rung %d went to %v, want %v", rung, rooms, wantRooms)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d rungs recorded, want %d: %v", len(got), len(want), got)
	}

	// The messages: in the announcement's thread, chairs mentioned where
	// their chat identity is known and named otherwise.
	m := message(t, st, 100, -7, roomTEAS)
	if m.Thread != "$ann100" || !m.Notice || !m.Alert || m.TxnKey != "remind/100/2025-10-31/-7/"+roomTEAS {
		t.Errorf("reminder message %+v", m)
	}
	contains(t, m.Body.Plain(), "Deadline in one week", "LS 100", "2025-10-31 (America/Los_Angeles)", "Maria Lindqvist",
		"Olivia Ramos <olivia@example.net>", "4053bis §5.1", "/liaison noreply 100 <reason>")
	if ids := mentionIDs(m.Body); !slices.Equal(ids, []string{"@maria:example.org"}) {
		t.Errorf("mentions %v", ids)
	}
	m = message(t, st, 100, 3, roomCoord)
	contains(t, m.Body.Plain(), "Overdue", "three days", "Liaison manager of the sender: Hiroshi Tanaka")
	if m.Thread != "" || m.NewThread != "LS 100: LS 100 on optical YANG models" {
		t.Errorf("coordination room message not in the statement's topic: %+v", m)
	}
	if ids := mentionIDs(m.Body); len(ids) != 0 {
		t.Errorf("coordination room reminder notifies %v; chairs are named silently there", ids)
	}
	m = message(t, st, 100, 0, roomTEAS)
	contains(t, m.Body.Plain(), "Deadline today")
}

// TestCatchUpAfterDowntime: a bot down for a week sends one catch-up per
// statement when it comes back, for the latest rung missed while it was
// down, phrased from today; a statement it sees for the first time on
// return gets nothing for the rungs that passed before (the announcement
// shows the deadline), only the next rung on its day.
func TestCatchUpAfterDowntime(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	seed(t, st)
	put(t, st, stmt(200, "2025-09-30"))
	c := &clock{t: at("2025-09-16")}
	r := newReminder(t, st, c)
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 1 {
		t.Fatalf("first tick: %d %v", n, err)
	}
	// Down from 09-17 to 09-24: rungs -7 (09-23) missed; back on 09-25
	// (rung -5 is not a rung: -7 is the latest due).
	c.t = at("2025-09-25")
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 1 {
		t.Fatalf("catch-up tick: %d %v", n, err)
	}
	m := message(t, st, 200, -7, roomTEAS)
	contains(t, m.Body.Plain(), "Deadline in five days")
	// Posted while the bot was down, mirrored on its return on 09-25:
	// rungs -14 and -7 passed before it was seen.
	late := stmt(201, "2025-09-30")
	late.PostedAt = &[]time.Time{at("2025-09-25")}[0]
	put(t, st, late)
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 0 {
		t.Fatalf("tick after the late statement was mirrored: %d %v", n, err)
	}
	c.t = at("2025-09-26")
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 2 { // 200 and 201, rung -4
		t.Fatalf("tick on 09-26: %d %v", n, err)
	}
	if got := sentFor(t, st, 201); len(got) != 1 || got[-4] == nil {
		t.Fatalf("the late statement got %v, want only rung -4", got)
	}
	// Down for a week while overdue: one reminder on return.
	for _, d := range []string{"2025-09-27", "2025-09-27", "2025-09-28", "2025-09-29", "2025-09-30", "2025-10-01"} {
		c.t = at(d)
		if _, err := r.Tick(ctx, c.Now()); err != nil {
			t.Fatal(err)
		}
	}
	c.t = at("2025-10-09")
	n, err := r.Tick(ctx, c.Now())
	if err != nil || n != 4 { // 200 and 201: the teas room and the coordination room
		t.Fatalf("overdue catch-up: %d %v", n, err)
	}
	got := sentFor(t, st, 200)
	rungs := []int{}
	for k := range got {
		rungs = append(rungs, k)
	}
	slices.Sort(rungs)
	if want := []int{-14, -7, -4, -3, -2, -1, 0, 1, 9}; !slices.Equal(rungs, want) {
		t.Fatalf("rungs %v, want %v", rungs, want)
	}
	// Ticking again the same day sends nothing.
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 0 {
		t.Fatalf("second tick: %d %v", n, err)
	}
}

// TestTimeZoneEdge: deadlines are dates in America/Los_Angeles. At 05:00
// UTC on 10-01 it is still 09-30 there: the deadline 09-30 is "today", not
// overdue; 30 minutes after midnight in Los Angeles it is overdue.
func TestTimeZoneEdge(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	seed(t, st)
	put(t, st, stmt(300, "2025-09-30"))
	c := &clock{t: time.Date(2025, 10, 1, 5, 0, 0, 0, time.UTC)}
	r := newReminder(t, st, c)
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 1 {
		t.Fatalf("tick: %d %v", n, err)
	}
	if got := sentFor(t, st, 300); len(got) != 1 || got[0] == nil {
		t.Fatalf("sent %v, want rung 0 (today in Los Angeles)", got)
	}
	c.t = time.Date(2025, 10, 1, 7, 30, 0, 0, time.UTC) // 00:30 PDT
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 2 {
		t.Fatalf("tick after midnight in LA: %d %v", n, err)
	}
	if got := sentFor(t, st, 300); len(got[1]) != 2 {
		t.Fatalf("sent %v, want rung 1 in two rooms", got)
	}
}

// TestAnsweredStopsReminders: an In Response statement related to it, the
// Datatracker tag "taken", or a recorded decision not to reply each stop
// the reminders.
func TestAnsweredStopsReminders(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	seed(t, st)
	for _, id := range []int64{401, 402, 403, 404} {
		put(t, st, stmt(id, "2025-09-30"))
	}
	c := &clock{t: at("2025-09-16")}
	r := newReminder(t, st, c)
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 4 {
		t.Fatalf("first tick: %d %v", n, err)
	}
	// 401: answered by an In Response statement.
	resp := stmt(500, "2025-09-30")
	resp.Purpose, resp.Deadline, resp.FromGroups, resp.ToGroups = "response", nil, []int64{gTEAS}, []int64{gSG15}
	must(t, st.UpsertStatement(ctx, resp))
	must(t, st.UpsertRelated(ctx, []store.Related{{ID: 1, Source: 500, Target: 401, Relationship: "refold"}}))
	// 402: tag taken.
	s402 := stmt(402, "2025-09-30")
	s402.Tags = []string{"taken"}
	must(t, st.UpsertStatement(ctx, s402))
	// 403: no reply.
	if ok, err := st.AddNoReply(ctx, store.NoReply{StatementID: 403, DecidedBy: "@maria:example.org", Reason: "out of scope"}); err != nil || !ok {
		t.Fatal(ok, err)
	}
	for _, d := range []string{"2025-09-23", "2025-09-30", "2025-10-01", "2025-10-20"} {
		c.t = at(d)
		if _, err := r.Tick(ctx, c.Now()); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []int64{401, 402, 403} {
		if got := sentFor(t, st, id); len(got) != 1 {
			t.Errorf("LS %d: reminded %v after being answered", id, got)
		}
	}
	if got := sentFor(t, st, 404); len(got) != 4 { // -14, -7, 0, 1; 10-20 is past the daily fortnight: nothing
		t.Errorf("LS 404 (unanswered): %v", got)
	}
}

// TestDeadlineChangeRestartsLadder: when the Datatracker's deadline moves,
// the ladder restarts for the new date.
func TestDeadlineChangeRestartsLadder(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	seed(t, st)
	put(t, st, stmt(600, "2025-09-30"))
	c := &clock{t: at("2025-09-30")}
	r := newReminder(t, st, c)
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 1 {
		t.Fatalf("tick: %d %v", n, err)
	}
	put(t, st, stmt(600, "2025-10-31"))
	c.t = at("2025-10-24")
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 1 {
		t.Fatalf("tick after the deadline moved: %d %v", n, err)
	}
	rs, err := st.RemindersSent(ctx, 600)
	must(t, err)
	if len(rs) != 2 || rs[1].Rung != -7 || rs[1].Deadline.Format(time.DateOnly) != "2025-10-31" {
		t.Fatalf("sent %+v", rs)
	}
}

// TestConcurrentReplicas: two reminders ticking at once on one database
// queue each rung once.
func TestConcurrentReplicas(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.Postgres(t)
	st := testenv.StoreOn(t, dsn)
	seed(t, st)
	var ss []*store.Statement
	for i := range 50 {
		ss = append(ss, stmt(int64(1000+i), "2025-09-30"))
	}
	put(t, st, ss...)
	c := &clock{t: at("2025-10-02")}
	r1, r2 := newReminder(t, st, c), newReminder(t, testenv.StoreOn(t, dsn), c)
	res := make(chan int, 2)
	for _, r := range []interface {
		Tick(context.Context, time.Time) (int, error)
	}{r1, r2} {
		go func() {
			n, err := r.Tick(ctx, c.Now())
			if err != nil {
				t.Error(err)
			}
			res <- n
		}()
	}
	total := <-res + <-res
	if total != 100 { // 50 statements × (teas room + coordination room)
		t.Fatalf("queued %d messages, want 100", total)
	}
}

// TestNoRoomNoClaim: a statement to a group without a room, with no
// coordination room either, is not claimed. A room bound later gets no
// rung dated before it was bound, only the next rung on its day.
func TestNoRoomNoClaim(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	must(t, st.UpsertGroups(ctx, []store.Group{{ID: gTEAS, Acronym: "teas", Type: "wg"}, {ID: gSG15, Acronym: "itu-t-sg-15", Type: "sdo"}}))
	put(t, st, stmt(700, "2025-09-30"))
	c := &clock{t: at("2025-09-16")}
	r := newReminder(t, st, c)
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 0 {
		t.Fatalf("tick without rooms: %d %v", n, err)
	}
	if _, err := st.AddBinding(ctx, store.Binding{Platform: platform, Room: roomTEAS, Group: "teas", Source: store.SourceCommand}); err != nil {
		t.Fatal(err)
	}
	must(t, st.SetRoomBoundAt(ctx, platform, roomTEAS, at("2025-09-24")))
	// Bound on 09-24: rung -7 (09-23) passed before.
	c.t = at("2025-09-24")
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 0 {
		t.Fatalf("tick on the day the room was bound: %d %v", n, err)
	}
	c.t = at("2025-09-26")
	if n, err := r.Tick(ctx, c.Now()); err != nil || n != 1 {
		t.Fatalf("tick on the next rung: %d %v", n, err)
	}
	if got := sentFor(t, st, 700); len(got) != 1 || len(got[-4]) != 1 {
		t.Fatalf("sent %v, want rung -4 only", got)
	}
}
