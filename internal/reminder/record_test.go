package reminder_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// An approved draft that does not appear in the Datatracker: its author is
// reminded after approvals.record_reminder_days, once per period, and not
// any more once it is recorded (4053bis §3: every sent statement is
// recorded).
func TestApprovedDraftNotRecordedRemindsAuthor(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	seed(t, st)
	d := &store.Draft{Platform: platform, Room: roomTEAS, AuthorID: "@maria:example.org", AuthorEmail: "maria@example.net",
		FromGroups: []string{"teas"}, ToGroups: []string{"itu-t-sg-15"}, Subject: "TE topology models", Purpose: "info"}
	must(t, st.CreateDraft(ctx, d))
	must(t, st.SetDraftState(ctx, d.ID, rules.DraftApproved, "@ad:example.org", ""))

	reminders := func() []chat.Outgoing {
		t.Helper()
		rows, err := st.Pool.Query(ctx, `SELECT payload FROM outbox WHERE txn_key LIKE 'record-remind/%' ORDER BY id`)
		must(t, err)
		defer rows.Close()
		var out []chat.Outgoing
		for rows.Next() {
			var raw []byte
			must(t, rows.Scan(&raw))
			var m chat.Outgoing
			must(t, json.Unmarshal(raw, &m))
			out = append(out, m)
		}
		return out
	}
	c := &clock{t: time.Now().Add(6 * 24 * time.Hour)}
	r := newReminder(t, st, c)
	_, err := r.Tick(ctx, c.Now())
	must(t, err)
	if n := len(reminders()); n != 0 {
		t.Fatalf("reminded after 6 days: %d", n)
	}
	c.t = time.Now().Add(8 * 24 * time.Hour)
	for range 2 { // the second tick the same day sends nothing more
		_, err = r.Tick(ctx, c.Now())
		must(t, err)
	}
	got := reminders()
	if len(got) != 1 {
		t.Fatalf("%d record reminders after 8 days, want 1", len(got))
	}
	if m := got[0]; m.Room != roomTEAS || !strings.Contains(m.Body.Plain(), "not recorded in the Datatracker") ||
		len(m.Body.Mentions()) != 1 || m.Body.Mentions()[0].ID != "@maria:example.org" {
		t.Errorf("reminder %+v: %s", m, m.Body.Plain())
	}
	// Recorded: no more reminders.
	must(t, st.MarkDraftRecorded(ctx, d.ID, 4242))
	c.t = time.Now().Add(30 * 24 * time.Hour)
	_, err = r.Tick(ctx, c.Now())
	must(t, err)
	if n := len(reminders()); n != 1 {
		t.Errorf("%d record reminders after the draft was recorded, want still 1", n)
	}
}
