package reminder_test

import (
	"context"
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// A For Action statement answered by an In Response statement while the
// Datatracker still tags it "required" gets one nudge to press "Mark as
// action taken", in its thread, mentioning the chairs; one already tagged
// taken, or not answered, gets none (issue 16 point 4).
func TestActionTakenNudge(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	seed(t, st)
	required, taken, open := stmt(900, "2026-03-20"), stmt(902, "2026-03-20"), stmt(904, "2026-03-20")
	required.Tags, taken.Tags, open.Tags = []string{"required"}, []string{"taken"}, []string{"required"}
	answer := func(id int64) *store.Statement {
		s := stmt(id, "2026-03-20")
		s.Purpose, s.Deadline, s.FromGroups, s.ToGroups = "response", nil, []int64{gTEAS}, []int64{gSG15}
		return s
	}
	put(t, st, required, taken, open, answer(901), answer(903))
	must(t, st.UpsertRelated(ctx, []store.Related{{ID: 1, Source: 901, Target: 900, Relationship: "refers"}, {ID: 2, Source: 903, Target: 902, Relationship: "refers"}}))

	// The bot backfilled before the answers were recorded.
	must(t, st.SetSyncState(ctx, store.CursorBackfilled, 1))
	_, err := st.Pool.Exec(ctx, `UPDATE sync_state SET last_success = '2026-01-01' WHERE name = $1`, store.CursorBackfilled)
	must(t, err)
	c := &clock{at("2026-03-02")}
	r := newReminder(t, st, c)
	for range 2 {
		if _, err := r.Tick(ctx, c.Now()); err != nil {
			t.Fatal(err)
		}
	}
	var msgs []store.OutboxItem
	rows, err := st.Pool.Query(ctx, `SELECT id FROM outbox WHERE txn_key LIKE 'nudge/%' ORDER BY id`)
	must(t, err)
	var ids []int64
	for rows.Next() {
		var id int64
		must(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		it, err := st.OutboxByID(ctx, id)
		must(t, err)
		msgs = append(msgs, *it)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d nudges over two ticks, want one (LS 900 only)", len(msgs))
	}
	m := msgs[0].Msg
	if m.Room != roomTEAS || !m.Alert {
		t.Errorf("nudge in %s, alert %v; want the teas room, alerting", m.Room, m.Alert)
	}
	contains(t, m.Body.Plain(), "LS 900", "is answered by LS 901", "Action Required", "Mark as action taken")
	if got := mentionIDs(m.Body); len(got) != 1 || got[0] != "@maria:example.org" {
		t.Errorf("nudge mentions %v, want the teas chair", got)
	}
}

// A first start over a history with answered statements still tagged
// "required" nudges nobody: those answers were not recorded while the bot
// was watching.
func TestNoNudgeForHistory(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	seed(t, st)
	required := stmt(900, "2026-03-20")
	required.Tags = []string{"required"}
	reply := stmt(901, "2026-03-20")
	reply.Purpose, reply.Deadline, reply.FromGroups, reply.ToGroups = "response", nil, []int64{gTEAS}, []int64{gSG15}
	put(t, st, required, reply)
	must(t, st.UpsertRelated(ctx, []store.Related{{ID: 1, Source: 901, Target: 900, Relationship: "refers"}}))
	must(t, st.SetSyncState(ctx, store.CursorBackfilled, 1)) // backfilled now: after both were first seen
	c := &clock{at("2026-03-02")}
	if _, err := newReminder(t, st, c).Tick(ctx, c.Now()); err != nil {
		t.Fatal(err)
	}
	var n int
	must(t, st.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE txn_key LIKE 'nudge/%'`).Scan(&n))
	if n != 0 {
		t.Errorf("%d nudges for a backfilled history", n)
	}
}
