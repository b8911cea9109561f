package reminder_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// benchToday is "today" of the large data set.
var benchToday = rules.MustParseDate("2025-10-01")

// loadHistory fills the store with n statements shaped like the
// Datatracker's history: deadlines from 2005 to a year ahead, a third For
// Action, some For Comment, most answered (In Response related, tag
// taken, no reply), 10% not posted, addressed to 200 groups (teas among
// them).
func loadHistory(t testing.TB, st *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	seed(t, st)
	groups := []store.Group{}
	for i := range 200 {
		groups = append(groups, store.Group{ID: int64(5000 + i), Acronym: fmt.Sprintf("wg%d", i), Type: "wg", State: "active"})
	}
	must(t, st.UpsertGroups(ctx, groups))
	rnd := rand.New(rand.NewPCG(1, 2))
	start := rules.MustParseDate("2005-01-01")
	span := rules.DaysBetween(start, benchToday.AddDays(365))
	var batch []*store.Statement
	var rel []store.Related
	flush := func() {
		must(t, st.Tx(ctx, func(q store.Q) error {
			if err := q.UpsertStatements(ctx, batch); err != nil {
				return err
			}
			return q.UpsertRelated(ctx, rel)
		}))
		batch, rel = batch[:0], rel[:0]
	}
	for i := 1; i <= n; i++ {
		d := start.AddDays(rnd.IntN(span)).Time(time.UTC)
		to := int64(5000 + rnd.IntN(200))
		if rnd.IntN(50) == 0 {
			to = gTEAS
		}
		s := &store.Statement{ID: int64(i), Title: fmt.Sprintf("Statement %d on things", i), FromGroups: []int64{gSG15},
			ToGroups: []int64{to}, State: "posted", Deadline: &d, PostedAt: &d}
		switch p := rnd.IntN(100); {
		case p < 35:
			s.Purpose = "action"
		case p < 40:
			s.Purpose = "comment"
		case p < 70:
			s.Purpose, s.Deadline = "info", nil
		default:
			s.Purpose, s.Deadline, s.FromGroups, s.ToGroups = "response", nil, s.ToGroups, s.FromGroups
			if i > 1 {
				rel = append(rel, store.Related{ID: int64(i), Source: int64(i), Target: int64(rnd.IntN(i-1) + 1)})
			}
		}
		if rnd.IntN(10) == 0 {
			s.State = []string{"pending", "dead"}[rnd.IntN(2)]
		}
		if rnd.IntN(4) == 0 {
			s.Tags = []string{"taken"}
		}
		batch = append(batch, s)
		if len(batch) == 2000 {
			flush()
		}
	}
	flush()
	_, err := st.Pool.Exec(ctx, `ANALYZE`)
	must(t, err)
}

// explain returns the plan of a query.
func explain(t testing.TB, st *store.Store, sql string, args ...any) string {
	t.Helper()
	rows, err := st.Pool.Query(context.Background(), "EXPLAIN "+sql, args...)
	must(t, err)
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		must(t, rows.Scan(&l))
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// TestQueriesAreIndexed checks on 100,000 statements that the tick's,
// overdue's and upcoming's queries are range scans of a deadline index
// (statement_purpose_deadline of 0004 or statement_deadline of 0002; the
// overdue list scans the latter backward and stops after 25 rows), never a
// sequential scan of statement. Plans on PostgreSQL (abridged; -v logs them in full):
//
//	tick window (deadlines from a year back to 14 days ahead):
//	Sort (Sort Key: s.deadline, s.id)
//	  -> Nested Loop Anti Join (noreply) -> Nested Loop Left Join (reminder_state)
//	     -> Nested Loop Anti Join
//	        -> Bitmap Heap Scan on statement s
//	           Filter: ('taken' <> ALL (tags)) ...
//	           -> Bitmap Index Scan on statement_purpose_deadline
//	              Index Cond: (purpose = ANY ('{action,comment}') AND deadline >= ... AND deadline <= ...)
//	        -> Index Scan using statement_related_target on statement_related r
//	        -> Index Scan using statement_pkey on statement a
//
//	overdue teas: Limit -> Sort -> ... the same bitmap range scan, with
//	Filter: (from_groups @> '{1985}' OR to_groups @> '{1985}')
func TestQueriesAreIndexed(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100,000 statements")
	}
	st := testenv.Store(t)
	loadHistory(t, st, 100_000)
	ctx := context.Background()
	today := benchToday.Time(time.UTC)
	// The store's own queries, run on a handle that EXPLAINs them instead.
	for _, q := range []struct {
		name string
		run  func(q store.Q) error
	}{
		{"tick window", func(q store.Q) error {
			_, err := q.Unanswered(ctx, today.AddDate(-1, 0, 0), today.AddDate(0, 0, 14), 0)
			return err
		}},
		{"overdue", func(q store.Q) error {
			_, _, err := q.Overdue(ctx, today.AddDate(-1, 0, 0), today, 0, 25)
			return err
		}},
		{"overdue teas", func(q store.Q) error {
			_, _, err := q.Overdue(ctx, today.AddDate(-1, 0, 0), today, gTEAS, 25)
			return err
		}},
		{"upcoming teas", func(q store.Q) error {
			_, err := q.Unanswered(ctx, today, today.AddDate(0, 0, 14), gTEAS)
			return err
		}},
	} {
		plans := explainAll(t, st, q.run)
		for _, p := range plans {
			if strings.Contains(p, "Seq Scan on statement ") || strings.Contains(p, "Seq Scan on statement\n") {
				t.Errorf("%s: sequential scan of statement:\n%s", q.name, p)
			}
		}
		if all := strings.Join(plans, "\n"); !strings.Contains(all, "statement_purpose_deadline") && !strings.Contains(all, "statement_deadline") {
			t.Errorf("%s: the deadline index is not used:\n%s", q.name, strings.Join(plans, "\n---\n"))
		}
		t.Logf("%s:\n%s", q.name, strings.Join(plans, "\n---\n"))
	}
}

// explainAll runs fn on a connection whose queries are EXPLAINed instead
// of run (a tracer rewrites them), returning each plan.
func explainAll(t testing.TB, st *store.Store, fn func(q store.Q) error) []string {
	t.Helper()
	ex := &explainer{t: t, st: st}
	_ = fn(store.On(ex)) // the plans are not rows of the expected shape
	return ex.plans
}

type explainer struct {
	t     testing.TB
	st    *store.Store
	plans []string
}

func (e *explainer) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	e.plans = append(e.plans, explain(e.t, e.st, sql, args...))
	return pgconn.CommandTag{}, nil
}

func (e *explainer) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	e.plans = append(e.plans, explain(e.t, e.st, sql, args...))
	return e.st.Pool.Query(ctx, `SELECT 1 WHERE false`)
}

func (e *explainer) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	e.plans = append(e.plans, explain(e.t, e.st, sql, args...))
	return e.st.Pool.QueryRow(ctx, `SELECT 0`)
}

// BenchmarkReminders measures, on 100,000 statements: a daily tick (each
// iteration is the next day, so the due rungs are claimed and their
// messages queued), a tick with nothing new to send (the steady cost of
// looking), /liaison overdue's query (all groups and one group) and
// upcoming's.
func BenchmarkReminders(b *testing.B) {
	st := testenv.Store(b)
	start := time.Now()
	loadHistory(b, st, 100_000)
	b.Logf("loaded 100,000 statements in %v", time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	c := &clock{}
	r := newReminder(b, st, c)
	today := benchToday.Time(time.UTC)
	tracked, err := st.Unanswered(ctx, today.AddDate(-1, 0, 0), today.AddDate(0, 0, 14), 0)
	must(b, err)
	b.Logf("%d unanswered statements in the tick's window", len(tracked))

	day := 0
	b.Run("TickDaily", func(b *testing.B) {
		sent := 0
		for b.Loop() {
			c.t = at(benchToday.AddDays(day).String())
			day++
			n, err := r.Tick(ctx, c.Now())
			if err != nil {
				b.Fatal(err)
			}
			sent += n
		}
		b.ReportMetric(float64(sent)/float64(b.N), "msgs/tick")
	})
	b.Run("TickNothingNew", func(b *testing.B) {
		for b.Loop() {
			if n, err := r.Tick(ctx, c.Now()); err != nil || n != 0 {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("Overdue", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := st.Overdue(ctx, today.AddDate(-1, 0, 0), today, 0, 25); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("OverdueGroup", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := st.Overdue(ctx, today.AddDate(-1, 0, 0), today, gTEAS, 25); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Upcoming14", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.Unanswered(ctx, today, today.AddDate(0, 0, 14), 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}
