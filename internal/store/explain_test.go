package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// Sizes of the history TestReadQueriesAreIndexed plans on: far more than
// the Datatracker holds today (about 2,000 statements), so that a plan
// that reads everything shows.
const (
	explainStatements = 30000
	explainGroups     = 400 // the first 50 are SDOs
	explainDrafts     = 3000
	explainRooms      = 600
	explainTEAS       = 1985 // one of the groups, about 1% of the statements
)

// loadReadHistory fills a fresh store with a generated history shaped like
// the mirror's: statements between groups and SDOs over 20 years (10% not
// posted; each on one of a few hundred subjects, 1% on YANG), their attachments and relations, roles of every group, a few
// liaison coordinators, drafts of years of use (most recorded or
// withdrawn) and room bindings.
func loadReadHistory(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, sql := range []string{
		`INSERT INTO dt_group (id, acronym, name, type, state)
		 SELECT CASE WHEN i = 100 THEN 1985 ELSE 5000 + i END,
		        CASE WHEN i = 100 THEN 'teas' ELSE 'g' || i END, 'Group ' || i,
		        CASE WHEN i < 50 THEN 'sdo' ELSE 'wg' END, CASE WHEN i % 7 = 0 THEN 'conclude' ELSE 'active' END
		 FROM generate_series(0, $1 - 1) i`,
		`INSERT INTO statement (id, title, from_groups, to_groups, purpose, deadline, body, state, submitted_at, posted_at)
		 SELECT i, 'Statement ' || i || ' on ' || CASE WHEN i % 100 = 7 THEN 'YANG models' ELSE 'k' || substr(md5((i % 300)::text), 1, 8) END,
		        ARRAY[CASE WHEN i % 2 = 0 THEN 5000 + i % 50 ELSE 5050 + i % 350 END]::bigint[],
		        ARRAY[CASE WHEN i % 100 = 3 THEN 1985 WHEN i % 2 = 0 THEN 5050 + i % 350 ELSE 5000 + i % 50 END]::bigint[],
		        (ARRAY['info','action','comment','response'])[1 + i % 4],
		        CASE WHEN i % 4 IN (1, 2) THEN date '2005-01-01' + (i * 7300 / $2) + 30 END,
		        'Body of statement ' || i || ' about ' || 'k' || substr(md5((i % 310)::text), 1, 8),
		        CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'posted' END,
		        timestamptz '2005-01-01' + (i * 7300 / $2) * interval '1 day',
		        CASE WHEN i % 10 = 0 THEN NULL ELSE timestamptz '2005-01-01' + (i * 7300 / $2) * interval '1 day' END
		 FROM generate_series(1, $2) i`,
		`INSERT INTO statement_attachment (id, statement_id, document, title)
		 SELECT i, i, 'liaison-' || i, 'Attachment ' || i FROM generate_series(1, $2) i`,
		`INSERT INTO statement_related (id, source, target, relationship)
		 SELECT i, i, i - 5, 'refunk' FROM generate_series(6, $2, 4) i`,
		`INSERT INTO dt_role (id, name, group_id, person_id, email)
		 SELECT g.id * 10 + r, (ARRAY['chair','secr','ad','liaiman','delegate','techadv','member','member','member','member'])[1 + r],
		        g.id, g.id * 10 + r, 'p' || (g.id * 10 + r) || '@example.org'
		 FROM dt_group g, generate_series(0, 9) r`,
		`INSERT INTO dt_role (id, name, group_id, person_id, email)
		 SELECT 900000 + i, 'liaison_coordinator', 1, 900000 + i, 'coord' || i || '@example.org' FROM generate_series(1, 3) i`,
		`INSERT INTO draft (platform, room, author_id, state, from_groups, subject)
		 SELECT 'matrix', '!room' || (i % $4) || ':example.org', '@author' || (i % 50) || ':example.org',
		        CASE WHEN i % 50 = 0 THEN 'draft' WHEN i % 50 = 1 THEN 'submitted' WHEN i % 3 = 0 THEN 'withdrawn' ELSE 'recorded' END,
		        ARRAY[CASE WHEN i % 20 = 0 THEN 'teas' ELSE 'g' || (50 + i % 350) END], 'Draft ' || i
		 FROM generate_series(1, $3) i`,
		`INSERT INTO room_binding (platform, room, group_acronym, source)
		 SELECT 'matrix', '!room' || i || ':example.org', CASE WHEN i = 0 THEN 'teas' ELSE 'g' || (50 + i % 350) END, 'config'
		 FROM generate_series(0, $4 - 1) i`,
		`INSERT INTO room_binding (platform, room, coordination, source) VALUES ('matrix', '!coord:example.org', true, 'config')`,
	} {
		sql = strings.NewReplacer("$1", strconv.Itoa(explainGroups), "$2", strconv.Itoa(explainStatements),
			"$3", strconv.Itoa(explainDrafts), "$4", strconv.Itoa(explainRooms)).Replace(sql)
		if _, err := st.Pool.Exec(ctx, sql); err != nil {
			t.Fatalf("loading the history: %v\n%s", err, sql)
		}
	}
	// What the mirror does after its bulk backfill.
	if err := st.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool.Exec(ctx, `ANALYZE draft, room_binding`); err != nil {
		t.Fatal(err)
	}
}

// TestReadQueriesAreIndexed: issue 15 point 6. Every read command's
// queries (list with and without its filters, search, show, drafts,
// watching, overdue and upcoming, and the group and role look-ups they
// make), planned on a 30,000-statement history, read through an index:
// none is a sequential scan of a table that grows with history, and
// `list` reads its newest rows in the order of statement_listed
// (migration 0013) instead of sorting every posted statement. The
// reminder package's TestQueriesAreIndexed checks the reminder tick the
// same way (on 100,000 statements).
//
// Plan of `list` without a group (abridged):
//
//	Limit -> Index Scan using statement_listed on statement s
func TestReadQueriesAreIndexed(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 30,000 statements")
	}
	st := testenv.Store(t)
	loadReadHistory(t, st)
	ctx := context.Background()
	today := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	grows := []string{"statement", "statement_attachment", "statement_related", "dt_role", "draft", "room_binding"}
	for _, c := range []struct {
		name string
		// listed: the plan must read statement_listed and sort nothing.
		listed bool
		run    func(q store.Q) error
	}{
		{"list", true, func(q store.Q) error {
			_, err := q.ListStatements(ctx, 0, store.DirectionAny, 15)
			return err
		}},
		{"list incoming", true, func(q store.Q) error {
			_, err := q.ListStatements(ctx, 0, store.DirectionIncoming, 15)
			return err
		}},
		{"list outgoing", true, func(q store.Q) error {
			_, err := q.ListStatements(ctx, 0, store.DirectionOutgoing, 15)
			return err
		}},
		{"list teas", false, func(q store.Q) error {
			_, err := q.ListStatements(ctx, explainTEAS, store.DirectionAny, 15)
			return err
		}},
		{"list teas incoming", false, func(q store.Q) error {
			_, err := q.ListStatements(ctx, explainTEAS, store.DirectionIncoming, 15)
			return err
		}},
		{"search", false, func(q store.Q) error {
			_, err := q.SearchStatements(ctx, "yang", 15)
			return err
		}},
		{"show", false, func(q store.Q) error {
			if _, err := q.StatementByID(ctx, 12345); err != nil {
				return err
			}
			if _, err := q.AttachmentsOf(ctx, 12345); err != nil {
				return err
			}
			if _, err := q.RelatedTo(ctx, 12345); err != nil {
				return err
			}
			_, err := q.GroupsByID(ctx, []int64{explainTEAS, 5001})
			return err
		}},
		{"group by acronym", false, func(q store.Q) error {
			_, err := q.GroupByAcronym(ctx, "teas")
			return err
		}},
		{"drafts", false, func(q store.Q) error {
			_, err := q.OpenDrafts(ctx, "matrix", "")
			return err
		}},
		{"drafts teas", false, func(q store.Q) error {
			_, err := q.OpenDrafts(ctx, "matrix", "teas")
			return err
		}},
		{"watching", false, func(q store.Q) error {
			_, err := q.BindingsOfRoom(ctx, "matrix", "!room7:example.org")
			return err
		}},
		{"overdue", false, func(q store.Q) error {
			_, _, err := q.Overdue(ctx, today.AddDate(-1, 0, 0), today, 0, 25)
			return err
		}},
		{"upcoming teas", false, func(q store.Q) error {
			_, err := q.Unanswered(ctx, today, today.AddDate(0, 0, 14), explainTEAS)
			return err
		}},
		{"coordinators", false, func(q store.Q) error {
			_, err := q.RolesOn(ctx, nil, []string{"liaison_coordinator"})
			return err
		}},
		{"chairs of teas", false, func(q store.Q) error {
			_, err := q.RolesOn(ctx, []int64{explainTEAS}, []string{"chair", "ad"})
			return err
		}},
	} {
		plans := explainAll(t, st, c.run)
		all := strings.Join(plans, "\n---\n")
		t.Logf("%s:\n%s", c.name, all)
		for _, table := range grows {
			if strings.Contains(all+"\n", "Seq Scan on "+table+" ") || strings.Contains(all+"\n", "Seq Scan on "+table+"\n") {
				t.Errorf("%s: sequential scan of %s:\n%s", c.name, table, all)
			}
		}
		if c.listed {
			if !strings.Contains(all, "statement_listed") {
				t.Errorf("%s: statement_listed is not used:\n%s", c.name, all)
			}
			if strings.Contains(all, "Sort") {
				t.Errorf("%s: sorts instead of reading in index order:\n%s", c.name, all)
			}
		}
	}
}

// explainAll runs fn on a handle whose queries are EXPLAINed instead of
// run, returning each plan (the pattern of the reminder package's
// TestQueriesAreIndexed).
func explainAll(t *testing.T, st *store.Store, fn func(q store.Q) error) []string {
	t.Helper()
	ex := &explainer{t: t, st: st}
	_ = fn(store.On(ex)) // the plans are not rows of the expected shape
	return ex.plans
}

type explainer struct {
	t     *testing.T
	st    *store.Store
	plans []string
}

func (e *explainer) explain(ctx context.Context, sql string, args ...any) {
	rows, err := e.st.Pool.Query(ctx, "EXPLAIN "+sql, args...)
	if err != nil {
		e.t.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			e.t.Fatal(err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	e.plans = append(e.plans, strings.Join(lines, "\n"))
}

func (e *explainer) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	e.explain(ctx, sql, args...)
	return pgconn.CommandTag{}, nil
}

func (e *explainer) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	e.explain(ctx, sql, args...)
	return e.st.Pool.Query(ctx, `SELECT 1 WHERE false`)
}

func (e *explainer) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	e.explain(ctx, sql, args...)
	return e.st.Pool.QueryRow(ctx, `SELECT 1 WHERE false`)
}
