package mirror

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
)

// "Mark as action taken" records no event: a poll does not see it, one
// RefreshTracked does, together with a deadline and a state changed the
// same way and relations added or removed to and from tracked statements,
// in a few batched requests.
func TestRefreshTrackedSeesChangesWithoutEvents(t *testing.T) {
	now := time.Date(2025, 9, 25, 10, 0, 0, 0, time.UTC)
	m, dt := setupBackfilled(t, &now)
	ctx := context.Background()
	// Two For Action to teas, and a pending one awaiting its record
	// (the fixtures' 2042 is tracked too: its deadline is in the window).
	act := dt.AddStatement(datatracker.Statement{Title: "first action", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "action", Deadline: "2025-09-30"})
	dt.Post(act)
	other := dt.AddStatement(datatracker.Statement{Title: "second action", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "action", Deadline: "2025-10-15"})
	dt.Post(other)
	pending := dt.AddStatement(datatracker.Statement{Title: "submitted, not posted", FromGroups: []int64{1985}, ToGroups: []int64{62}, Purpose: "info"})
	dt.Modify(pending, func(*datatracker.Statement) {})
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	overdueIDs := func() []int64 {
		t.Helper()
		list, _, err := m.Store.Overdue(ctx, time.Time{}, time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, tr := range list {
			ids = append(ids, tr.Statement.ID)
		}
		return ids
	}
	if ids := overdueIDs(); !slices.Contains(ids, act) || !slices.Contains(ids, other) {
		t.Fatalf("before: unanswered %v", ids)
	}

	before := dt.LastEventID()
	dt.SetTag(act, "taken") // "Mark as action taken"
	dt.Change(other, func(s *datatracker.Statement) { s.Deadline = "2025-11-20" })
	dt.Change(pending, func(s *datatracker.Statement) { s.State = "approved" })
	dt.Unrelate(1210) // the reply 2043 no longer refers to 2042
	rel := dt.Relate(2041, other)
	if dt.LastEventID() != before {
		t.Fatal("the fake recorded an event for a change the Datatracker records none for")
	}
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if ids := overdueIDs(); !slices.Contains(ids, act) {
		t.Fatalf("a poll saw a change without an event (the test would not show anything): %v", ids)
	}

	dt.ResetRequests()
	n, err := m.RefreshTracked(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("re-read %d statements, want 4 (2042, %d, %d, %d)", n, act, other, pending)
	}
	if reqs := dt.Requests(); len(reqs) != 3 || !strings.Contains(reqs[0], "id__in=") {
		t.Errorf("refresh requests (want one id__in= and one each for relations): %v", reqs)
	}
	if ids := overdueIDs(); slices.Contains(ids, act) {
		t.Errorf("LS %d tagged taken is still unanswered: %v", act, ids)
	}
	s, _ := m.Store.StatementByID(ctx, other)
	if s.Deadline == nil || s.Deadline.Format(time.DateOnly) != "2025-11-20" {
		t.Errorf("deadline not refreshed: %v", s.Deadline)
	}
	if p, _ := m.Store.StatementByID(ctx, pending); p.State != "approved" {
		t.Errorf("state not refreshed: %q", p.State)
	}
	rs, _ := m.Store.RelatedTo(ctx, 2042)
	if len(rs) != 0 {
		t.Errorf("removed relation still mirrored: %+v", rs)
	}
	rs, _ = m.Store.RelatedTo(ctx, other)
	if len(rs) != 1 || rs[0].ID != rel || rs[0].Source != 2041 {
		t.Errorf("relation pointing to a tracked statement: %+v", rs)
	}
	// A statement tagged taken is no longer re-read.
	if ids, _ := m.Store.TrackedStatementIDs(ctx, now.AddDate(0, 0, -60)); slices.Contains(ids, act) {
		t.Errorf("LS %d is still tracked: %v", act, ids)
	}
}

// Backfilled statements carry their attachments' titles and links like
// newly posted ones do.
func TestBackfillAttachmentsLikeIncremental(t *testing.T) {
	m, dt := setup(t)
	ctx := context.Background()
	boundAndBackfilled(t, m)
	back, err := m.Store.AttachmentsOf(ctx, 2042)
	if err != nil || len(back) != 1 {
		t.Fatalf("backfilled attachments of 2042: %+v %v", back, err)
	}
	if back[0].Title != "SG15-LS289 Att.1: Draft Recommendation ITU-T G.7711.1" || !strings.HasSuffix(back[0].URL, ".pdf") {
		t.Errorf("backfilled attachment without title or link: %+v", back[0])
	}
	// The same statement read by the incremental path gives the same row.
	dt.Modify(2042, func(*datatracker.Statement) {})
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	inc, _ := m.Store.AttachmentsOf(ctx, 2042)
	if len(inc) != 1 || inc[0] != back[0] {
		t.Errorf("incremental %+v differs from backfilled %+v", inc, back)
	}
}

// MaybeRefreshTracked re-reads at most once per interval (the hourly
// refresh between reminder runs).
func TestMaybeRefreshTrackedHourly(t *testing.T) {
	now := time.Date(2025, 9, 25, 10, 0, 0, 0, time.UTC)
	m, dt := setupBackfilled(t, &now)
	ctx := context.Background()
	refreshes := func() int {
		n := 0
		for _, r := range dt.Requests() {
			if strings.Contains(r, "id__in=") {
				n++
			}
		}
		return n
	}
	for i, step := range []struct {
		advance time.Duration
		want    int
	}{{0, 1}, {10 * time.Minute, 1}, {50 * time.Minute, 2}, {time.Minute, 2}} {
		now = now.Add(step.advance)
		if err := m.MaybeRefreshTracked(ctx, time.Hour); err != nil {
			t.Fatal(err)
		}
		if got := refreshes(); got != step.want {
			t.Errorf("step %d: %d refreshes, want %d", i, got, step.want)
		}
	}
}
