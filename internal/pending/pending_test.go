package pending_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/commands"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/pending"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// dms opens "dm:<user ID>" rooms and counts how often it was asked.
type dms struct{ opened int }

func (d *dms) DirectRoom(_ context.Context, u chat.User) (string, error) {
	d.opened++
	return "dm:" + u.ID, nil
}

type world struct {
	t   *testing.T
	st  *store.Store
	now time.Time
	svc *pending.Service
	dm  *dms
}

func newWorld(t *testing.T, approvalsRoom string) *world {
	st := testenv.Store(t)
	testenv.SeedDirectory(t, st)
	w := &world{t: t, st: st, now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), dm: &dms{}}
	// Only the RTG AD has a chat identity.
	users := func(email string) (chat.User, bool) {
		if email == "alex@example.org" {
			return chat.User{ID: "@alex:example.org", Email: email}, true
		}
		return chat.User{}, false
	}
	w.svc = &pending.Service{Store: st, Platform: "matrix", Users: users, Direct: w.dm, ApprovalsRoom: approvalsRoom,
		Directory: commands.LoadDirectory, Base: "https://datatracker.example", MaxReminders: 2,
		Now: func() time.Time { return w.now }, Log: zerolog.Nop()}
	return w
}

func (w *world) put(s *store.Statement) {
	w.t.Helper()
	if err := w.st.UpsertStatement(context.Background(), s); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) setState(id int64, state string) {
	w.t.Helper()
	if _, err := w.st.Pool.Exec(context.Background(), `UPDATE statement SET state = $2 WHERE id = $1`, id, state); err != nil {
		w.t.Fatal(err)
	}
}

// run makes a pass and returns the texts queued, by room.
func (w *world) run() map[string][]string {
	w.t.Helper()
	ctx := context.Background()
	var before int64
	if err := w.st.Pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM outbox`).Scan(&before); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.svc.Run(ctx); err != nil {
		w.t.Fatal(err)
	}
	rows, err := w.st.Pool.Query(ctx, `SELECT payload FROM outbox WHERE id > $1 ORDER BY id`, before)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var raw []byte
		var msg chat.Outgoing
		if err := rows.Scan(&raw); err != nil {
			w.t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &msg); err != nil {
			w.t.Fatal(err)
		}
		if !msg.Alert && strings.Contains(msg.Body.Plain(), "approval is needed") {
			w.t.Errorf("a request that does not alert: %s", msg.Body.Plain())
		}
		out[msg.Room] = append(out[msg.Room], msg.Body.Plain())
	}
	return out
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

func TestPendingLifecycle(t *testing.T) {
	w := newWorld(t, "!approvals:example.org")
	sub := w.now.Add(-time.Hour)
	old := w.now.Add(-days(40))
	w.put(&store.Statement{ID: 5001, Title: "Models for SG15", FromGroups: []int64{testenv.GroupTEAS}, ToGroups: []int64{testenv.GroupSG15},
		Purpose: "info", State: "pending", SubmittedAt: &sub, Body: "See draft-ietf-teas-foo."})
	w.put(&store.Statement{ID: 5002, Title: "Incoming, pending", FromGroups: []int64{testenv.GroupSG15}, ToGroups: []int64{testenv.GroupTEAS},
		Purpose: "info", State: "pending", SubmittedAt: &sub})
	w.put(&store.Statement{ID: 5003, Title: "Forgotten", FromGroups: []int64{testenv.GroupTEAS}, ToGroups: []int64{testenv.GroupSG15},
		Purpose: "info", State: "pending", SubmittedAt: &old})

	got := w.run()
	if len(got["dm:@alex:example.org"]) != 1 || !strings.Contains(got["dm:@alex:example.org"][0], "your approval is needed for LS 5001") {
		t.Fatalf("first pass: %v", got)
	}
	if len(got) != 1 {
		t.Errorf("messages beyond the AD's DM (the SDO's statement, the forgotten one): %v", got)
	}
	if again := w.run(); len(again) != 0 {
		t.Errorf("second pass at once: %v", again)
	}

	// Reminders: one per day, at most MaxReminders.
	var reminders int
	for i := 0; i < 4; i++ {
		w.now = w.now.Add(days(1))
		for _, msgs := range w.run() {
			for _, m := range msgs {
				if strings.Contains(m, "Reminder") {
					reminders++
				}
			}
		}
	}
	if reminders != 2 {
		t.Errorf("%d reminders over four days, want the maximum of 2", reminders)
	}

	// Killed: said once; resurrected: asked again; posted: said once.
	w.setState(5001, "dead")
	if got := w.run(); len(got["dm:@alex:example.org"]) != 1 || !strings.Contains(got["dm:@alex:example.org"][0], "marked dead") {
		t.Errorf("after the kill: %v", got)
	}
	if got := w.run(); len(got) != 0 {
		t.Errorf("the kill said twice: %v", got)
	}
	w.setState(5001, "pending")
	if got := w.run(); len(got["dm:@alex:example.org"]) != 1 || !strings.Contains(got["dm:@alex:example.org"][0], "resurrected") {
		t.Errorf("after the resurrection: %v", got)
	}
	w.now = w.now.Add(days(1))
	if got := w.run(); len(got["dm:@alex:example.org"]) != 1 || !strings.Contains(got["dm:@alex:example.org"][0], "Reminder 1 of 2") {
		t.Errorf("the resurrected statement's reminders did not start again: %v", got)
	}
	w.setState(5001, "posted")
	if got := w.run(); len(got["dm:@alex:example.org"]) != 1 || !strings.Contains(got["dm:@alex:example.org"][0], "approved and posted") {
		t.Errorf("after posting: %v", got)
	}
	if w.dm.opened != 1 {
		t.Errorf("direct room asked for %d times, want once", w.dm.opened)
	}
}

// An approver without a chat identity is asked in the approvals room; with
// no approvals room, nobody is messaged and nothing is retried.
func TestPendingApproverWithoutIdentity(t *testing.T) {
	for _, room := range []string{"!approvals:example.org", ""} {
		w := newWorld(t, room)
		w.svc.Users = func(string) (chat.User, bool) { return chat.User{}, false }
		sub := w.now.Add(-time.Hour)
		w.put(&store.Statement{ID: 5001, Title: "Models for SG15", FromGroups: []int64{testenv.GroupTEAS}, ToGroups: []int64{testenv.GroupSG15},
			Purpose: "info", State: "pending", SubmittedAt: &sub})
		got := w.run()
		if room == "" {
			if len(got) != 0 {
				t.Errorf("without an approvals room: %v", got)
			}
			continue
		}
		if len(got[room]) != 1 || !strings.Contains(got[room][0], "Alex Example <alex@example.org>") {
			t.Errorf("in the approvals room: %v", got)
		}
	}
}
