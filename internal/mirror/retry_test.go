package mirror

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// boundAndBackfilled binds a teas room and a coordination room and runs
// the first (backfill) poll.
// setupBackfilled is setup on the clock *now, with the WG room bound and
// the history backfilled.
func setupBackfilled(t *testing.T, now *time.Time) (*Mirror, *dtfake.Server) {
	t.Helper()
	m, dt := setup(t)
	m.Now = func() time.Time { return *now }
	boundAndBackfilled(t, m)
	return m, dt
}

func boundAndBackfilled(t *testing.T, m *Mirror) {
	t.Helper()
	ctx := context.Background()
	if _, err := m.Store.AddBinding(ctx, store.Binding{Platform: "matrix", Room: "!wg", Group: "teas", Source: store.SourceConfig}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Store.AddBinding(ctx, store.Binding{Platform: "matrix", Room: "!coord", Coordination: true, Source: store.SourceConfig}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
}

// queued counts the announcement messages of a statement in the outbox:
// what the rooms will show.
func queued(t *testing.T, m *Mirror, id int64) int {
	t.Helper()
	var n int
	if err := m.Store.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM outbox WHERE txn_key LIKE $1`, fmt.Sprintf("announce/%d/%%", id)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A fault on the detail of a newly posted statement delays its
// announcement and never loses it; the cursor moves on meanwhile, so the
// statement posted after it is announced at once.
func TestFailedDetailIsRetriedNotLost(t *testing.T) {
	for _, f := range []dtfake.Fault{dtfake.FaultNotFound, dtfake.Fault500, dtfake.FaultMalformedJSON} {
		t.Run(f.String(), func(t *testing.T) {
			m, dt := setup(t)
			ctx := context.Background()
			now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
			m.Now = func() time.Time { return now }
			sum := &countingSummarizer{}
			m.Summarizer = sum
			boundAndBackfilled(t, m)

			first := dt.AddStatement(datatracker.Statement{Title: "faulty", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "info"})
			dt.Post(first)
			second := dt.AddStatement(datatracker.Statement{Title: "fine", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "info"})
			dt.Post(second)
			dt.FailNextAt(dtfake.StatementPath(first), 1, f)

			if _, err := m.Poll(ctx); err != nil {
				t.Fatalf("poll with a %s on one detail: %v", f, err)
			}
			if got := queued(t, m, first); got != 0 {
				t.Fatalf("the faulty statement was announced %d times before it could be read", got)
			}
			if got := queued(t, m, second); got != 2 {
				t.Fatalf("the statement after the faulty one: %d announcements, want 2 (the cursor must move on)", got)
			}
			// Before the back-off passes the poll does not ask again.
			dt.ResetRequests()
			if _, err := m.Poll(ctx); err != nil {
				t.Fatal(err)
			}
			if got := len(dt.Requests()); got != 1 {
				t.Errorf("a poll inside the back-off made %d requests: %v", got, dt.Requests())
			}
			// After the back-off the fault has cleared: announced, once.
			now = now.Add(time.Minute)
			if _, err := m.Poll(ctx); err != nil {
				t.Fatal(err)
			}
			if got := queued(t, m, first); got != 2 {
				t.Fatalf("after the fault cleared the statement has %d announcements, want 2", got)
			}
			s, err := m.Store.StatementByID(ctx, first)
			if err != nil || s == nil || s.PostedAt == nil {
				t.Fatalf("retried statement not stored with its posted date: %+v %v", s, err)
			}
			if sum.asked[first] != 1 || sum.asked[second] != 1 {
				t.Errorf("summaries asked: %v, want one for each announced statement", sum.asked)
			}
			if rs, _ := m.Store.Retries(ctx); len(rs) != 0 {
				t.Errorf("retry list not emptied: %+v", rs)
			}
			now = now.Add(time.Hour)
			if _, err := m.Poll(ctx); err != nil {
				t.Fatal(err)
			}
			if got := queued(t, m, first) + queued(t, m, second); got != 4 {
				t.Errorf("announcements after one more poll: %d, want 4", got)
			}
		})
	}
}

// A fault on an attachment's document also keeps the statement for later,
// so it is announced with the attachment's title.
func TestFailedAttachmentIsRetried(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	m, dt := setupBackfilled(t, &now)
	ctx := context.Background()
	id := dt.AddStatement(datatracker.Statement{Title: "with attachment", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "info"})
	doc := dt.AddAttachment(id, "Annex A", "annex-a.pdf")
	dt.Post(id)
	dt.FailNextAt("/api/v1/doc/document/"+doc+"/", 1, dtfake.Fault500)
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := queued(t, m, id); got != 0 {
		t.Fatalf("announced %d times without its attachment", got)
	}
	now = now.Add(time.Minute)
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := queued(t, m, id); got != 2 {
		t.Fatalf("announcements after the fault cleared: %d", got)
	}
	as, err := m.Store.AttachmentsOf(ctx, id)
	if err != nil || len(as) != 1 || as[0].Title != "Annex A" || as[0].URL == "" {
		t.Fatalf("attachment: %+v %v", as, err)
	}
}

// Only a statement that stays missing across many polls spanning at least
// a day is recorded as gone; until then it is retried with back-off.
func TestMissingForADayIsGone(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	m, dt := setupBackfilled(t, &now)
	ctx := context.Background()
	id := dt.AddStatement(datatracker.Statement{Title: "vanishing", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "info"})
	dt.Post(id)
	dt.FailNextAt(dtfake.StatementPath(id), 1000, dtfake.FaultNotFound)
	start := now
	for i := 0; i < 200 && now.Sub(start) < 30*time.Hour; i++ {
		if _, err := m.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		rs, err := m.Store.Retries(ctx)
		if err != nil || len(rs) != 1 {
			t.Fatalf("retry list: %+v %v", rs, err)
		}
		if rs[0].GoneAt != nil {
			if now.Sub(start) < 24*time.Hour || rs[0].Attempts < 10 {
				t.Fatalf("recorded gone after %v and %d attempts", now.Sub(start), rs[0].Attempts)
			}
			if got := queued(t, m, id); got != 0 {
				t.Fatalf("a gone statement was announced %d times", got)
			}
			return
		}
		now = now.Add(10 * time.Minute)
	}
	t.Fatal("a statement missing for more than a day was never recorded as gone")
}

// A detail request that times out is kept on the retry list too.
func TestTimedOutDetailIsRetried(t *testing.T) {
	m, dt := setup(t)
	m.DT = dt.Client(datatracker.WithTimeout(300 * time.Millisecond))
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	m.Now = func() time.Time { return now }
	boundAndBackfilled(t, m)
	id := dt.AddStatement(datatracker.Statement{Title: "slow", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "info"})
	dt.Post(id)
	dt.FailNextAt(dtfake.StatementPath(id), 1, dtfake.FaultTimeout)
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := queued(t, m, id); got != 0 {
		t.Fatalf("announced %d times before it was read", got)
	}
	now = now.Add(time.Minute)
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := queued(t, m, id); got != 2 {
		t.Fatalf("announcements after the time-out cleared: %d, want 2", got)
	}
}

// While the Datatracker keeps failing, one poll does not spend a fault on
// every statement of the retry list: it stops at the first 5xx, and the
// others are fetched at a later poll.
func TestRetryStopsAtAFailingDatatracker(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	m, dt := setupBackfilled(t, &now)
	ctx := context.Background()
	a := dt.AddStatement(datatracker.Statement{Title: "a", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "info"})
	b := dt.AddStatement(datatracker.Statement{Title: "b", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "info"})
	dt.Post(a)
	dt.Post(b)
	dt.FailNextAt(dtfake.StatementPath(a), 2, dtfake.Fault500)
	dt.FailNextAt(dtfake.StatementPath(b), 1, dtfake.Fault500)
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	dt.ResetRequests()
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range dt.Requests() {
		if strings.HasPrefix(r, dtfake.StatementPath(b)) {
			t.Errorf("the retry of %d was tried after the one before it failed with a 500: %v", b, dt.Requests())
		}
	}
	now = now.Add(time.Hour)
	if _, err := m.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if qa, qb := queued(t, m, a), queued(t, m, b); qa != 2 || qb != 2 {
		t.Errorf("announcements once the Datatracker answers: %d and %d, want 2 each", qa, qb)
	}
}

// countingSummarizer counts the summaries asked per statement.
type countingSummarizer struct{ asked map[int64]int }

func (c *countingSummarizer) Summary(_ context.Context, s *store.Statement, _ []store.Attachment) string {
	if c.asked == nil {
		c.asked = map[int64]int{}
	}
	c.asked[s.ID]++
	return ""
}
