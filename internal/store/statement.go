package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Statement is a row of statement: the mirror of one Datatracker liaison
// statement. Groups are Datatracker group IDs; resolve them with the
// dt_group table.
type Statement struct {
	ID                   int64
	Title                string
	FromGroups           []int64
	ToGroups             []int64
	FromContact          string
	ToContacts           string
	ResponseContacts     string
	TechnicalContacts    string
	ActionHolderContacts string
	CCContacts           string
	Purpose              string     // info, action, response, comment
	Deadline             *time.Time // a date (UTC midnight)
	OtherIdentifiers     string
	Body                 string
	Tags                 []string
	State                string // pending, approved, posted, dead
	SubmittedAt          *time.Time
	PostedAt             *time.Time
	Raw                  json.RawMessage
}

const statementColumns = `id, title, from_groups, to_groups, from_contact, to_contacts, response_contacts,
	technical_contacts, action_holder_contacts, cc_contacts, purpose, deadline, other_identifiers, body, tags,
	state, submitted_at, posted_at, raw`

func (s *Statement) values() []any {
	return []any{s.ID, s.Title, nonNil(s.FromGroups), nonNil(s.ToGroups), s.FromContact, s.ToContacts, s.ResponseContacts,
		s.TechnicalContacts, s.ActionHolderContacts, s.CCContacts, s.Purpose, s.Deadline, s.OtherIdentifiers, s.Body,
		nonNil(s.Tags), s.State, s.SubmittedAt, s.PostedAt, rawOrNil(s.Raw)}
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func rawOrNil(r json.RawMessage) any {
	if len(r) == 0 {
		return nil
	}
	return []byte(r)
}

// scanStatement reads statementColumns, then any extra columns into extra.
func scanStatement(row pgx.Row, extra ...any) (*Statement, error) {
	var s Statement
	var raw []byte
	err := row.Scan(append([]any{&s.ID, &s.Title, &s.FromGroups, &s.ToGroups, &s.FromContact, &s.ToContacts, &s.ResponseContacts,
		&s.TechnicalContacts, &s.ActionHolderContacts, &s.CCContacts, &s.Purpose, &s.Deadline, &s.OtherIdentifiers,
		&s.Body, &s.Tags, &s.State, &s.SubmittedAt, &s.PostedAt, &raw}, extra...)...)
	if err != nil {
		return nil, err
	}
	s.Raw = raw
	return &s, nil
}

const upsertStatementSQL = `
	INSERT INTO statement (` + statementColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
	ON CONFLICT (id) DO UPDATE SET
		title = excluded.title, from_groups = excluded.from_groups, to_groups = excluded.to_groups,
		from_contact = excluded.from_contact, to_contacts = excluded.to_contacts,
		response_contacts = excluded.response_contacts, technical_contacts = excluded.technical_contacts,
		action_holder_contacts = excluded.action_holder_contacts, cc_contacts = excluded.cc_contacts,
		purpose = excluded.purpose, deadline = excluded.deadline, other_identifiers = excluded.other_identifiers,
		body = excluded.body, tags = excluded.tags, state = excluded.state,
		submitted_at = coalesce(excluded.submitted_at, statement.submitted_at),
		posted_at = coalesce(excluded.posted_at, statement.posted_at),
		raw = excluded.raw, fetched_at = now()`

// UpsertStatement inserts or refreshes one statement.
func (q Q) UpsertStatement(ctx context.Context, s *Statement) error {
	_, err := q.db.Exec(ctx, upsertStatementSQL, s.values()...)
	return err
}

// UpsertStatements refreshes many statements in one round trip (the bulk
// backfill).
func (q Q) UpsertStatements(ctx context.Context, ss []*Statement) error {
	batch := &pgx.Batch{}
	for _, s := range ss {
		batch.Queue(upsertStatementSQL, s.values()...)
	}
	return q.sendBatch(ctx, batch)
}

func (q Q) sendBatch(ctx context.Context, batch *pgx.Batch) error {
	if batch.Len() == 0 {
		return nil
	}
	type batcher interface {
		SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	}
	bb, ok := q.db.(batcher)
	if !ok {
		return errors.New("store: database handle cannot send batches")
	}
	return bb.SendBatch(ctx, batch).Close()
}

// StatementByID returns a statement, or nil when it is not mirrored.
func (q Q) StatementByID(ctx context.Context, id int64) (*Statement, error) {
	s, err := scanStatement(q.db.QueryRow(ctx, `SELECT `+statementColumns+` FROM statement WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return s, err
}

func (q Q) statements(ctx context.Context, sql string, args ...any) ([]*Statement, error) {
	return list(ctx, q.db, func(row pgx.Row) (*Statement, error) { return scanStatement(row) }, sql, args...)
}

// Direction filters statements by whether the IETF sent or received them.
type Direction string

const (
	DirectionAny      Direction = ""
	DirectionIncoming Direction = "incoming" // from an SDO to the IETF
	DirectionOutgoing Direction = "outgoing" // from the IETF to an SDO
)

// ListStatements lists posted statements, newest first, optionally only
// those to or from a group, and only one direction (decided by whether the
// to-groups are SDOs, as the Datatracker does).
//
// Each combination of filters is its own SQL text, so no "($1 = 0 OR ...)"
// keeps a generic plan from using an index: without a group the newest
// rows come straight from statement_listed (migration 0013) and the scan
// stops after limit rows; with a group, its statements come from the GIN
// indexes on from_groups/to_groups (the planner picks either).
func (q Q) ListStatements(ctx context.Context, groupID int64, dir Direction, limit int) ([]*Statement, error) {
	sql := `SELECT ` + statementColumns + ` FROM statement s WHERE state = 'posted'`
	args := []any{limit}
	if groupID != 0 {
		args = append(args, groupID)
		sql += ` AND (from_groups @> ARRAY[$2::bigint] OR to_groups @> ARRAY[$2::bigint])`
	}
	switch dir {
	case DirectionOutgoing:
		sql += ` AND EXISTS (SELECT 1 FROM dt_group g WHERE g.id = s.to_groups[1] AND g.type = 'sdo')`
	case DirectionIncoming:
		sql += ` AND NOT EXISTS (SELECT 1 FROM dt_group g WHERE g.id = s.to_groups[1] AND g.type = 'sdo')`
	}
	// The ORDER BY must stay the expression of statement_listed.
	sql += ` ORDER BY coalesce(posted_at, submitted_at) DESC NULLS LAST, id DESC LIMIT $1`
	return q.statements(ctx, sql, args...)
}

// SearchStatements is a full-text search over title, identifiers and body
// of posted statements, best matches first.
func (q Q) SearchStatements(ctx context.Context, words string, limit int) ([]*Statement, error) {
	return q.statements(ctx, `
		SELECT `+statementColumns+` FROM statement
		WHERE state = 'posted' AND search @@ websearch_to_tsquery('english', $1)
		ORDER BY ts_rank(search, websearch_to_tsquery('english', $1)) DESC, id DESC
		LIMIT $2`, words, limit)
}

// CountStatements counts mirrored statements.
func (q Q) CountStatements(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM statement`).Scan(&n)
	return n, err
}

// StatementEvent is a row of statement_event.
type StatementEvent struct {
	ID          int64
	StatementID int64
	Type        string
	Time        time.Time
	By          int64
	Description string
}

const upsertEventSQL = `
	INSERT INTO statement_event (id, statement_id, type, time, by_person, description)
	VALUES ($1, $2, $3, $4, $5, $6)
	ON CONFLICT (id) DO UPDATE SET type = excluded.type, time = excluded.time, description = excluded.description`

// UpsertEvents records statement events.
func (q Q) UpsertEvents(ctx context.Context, evs []StatementEvent) error {
	batch := &pgx.Batch{}
	for _, e := range evs {
		batch.Queue(upsertEventSQL, e.ID, e.StatementID, e.Type, e.Time, e.By, e.Description)
	}
	return q.sendBatch(ctx, batch)
}

// Related is a row of statement_related: source refers to target (an In
// Response statement to the one it answers).
type Related struct {
	ID           int64
	Source       int64
	Target       int64
	Relationship string
}

// UpsertRelated records relations.
func (q Q) UpsertRelated(ctx context.Context, rs []Related) error {
	batch := &pgx.Batch{}
	for _, r := range rs {
		batch.Queue(`INSERT INTO statement_related (id, source, target, relationship) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET source = excluded.source, target = excluded.target, relationship = excluded.relationship`,
			r.ID, r.Source, r.Target, r.Relationship)
	}
	return q.sendBatch(ctx, batch)
}

// RelatedTo lists the relations of a statement in both directions.
func (q Q) RelatedTo(ctx context.Context, id int64) ([]Related, error) {
	return list(ctx, q.db, func(row pgx.Row) (Related, error) {
		var r Related
		err := row.Scan(&r.ID, &r.Source, &r.Target, &r.Relationship)
		return r, err
	}, `SELECT id, source, target, relationship FROM statement_related
		WHERE source = $1 OR target = $1 ORDER BY id`, id)
}

// TrackedStatementIDs lists the statements the mirror re-reads because
// their state may change in the Datatracker without an event (issue 13;
// "Mark as action taken" records none): posted For Action and deadline
// statements not tagged taken whose deadline is on or after since (the
// reminder window), and statements still pending or approved (submitted,
// awaiting their record).
func (q Q) TrackedStatementIDs(ctx context.Context, since time.Time) ([]int64, error) {
	return list(ctx, q.db, func(row pgx.Row) (int64, error) {
		var id int64
		err := row.Scan(&id)
		return id, err
	}, `SELECT id FROM statement
		WHERE state IN ('pending', 'approved')
		   OR (state = 'posted' AND NOT ('taken' = ANY (tags)) AND (
				(deadline IS NOT NULL AND deadline >= $1::date)
				OR (deadline IS NULL AND purpose = 'action')))
		ORDER BY id`, since)
}

// ReplaceRelatedOf stores the relations rs as the complete set of relations
// from or to the statements ids: relations of those statements not in rs
// are removed (the Datatracker's edit form replaces them without an event).
func (q Q) ReplaceRelatedOf(ctx context.Context, ids []int64, rs []Related) error {
	keep := make([]int64, 0, len(rs))
	for _, r := range rs {
		keep = append(keep, r.ID)
	}
	if _, err := q.db.Exec(ctx, `DELETE FROM statement_related
		WHERE (source = ANY ($1) OR target = ANY ($1)) AND NOT (id = ANY ($2))`, ids, keep); err != nil {
		return err
	}
	return q.UpsertRelated(ctx, rs)
}

// Attachment is a row of statement_attachment.
type Attachment struct {
	ID          int64
	StatementID int64
	Document    string
	Title       string
	URL         string
	Removed     bool
}

// UpsertAttachments records attachments.
func (q Q) UpsertAttachments(ctx context.Context, as []Attachment) error {
	batch := &pgx.Batch{}
	for _, a := range as {
		batch.Queue(`INSERT INTO statement_attachment (id, statement_id, document, title, url, removed) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO UPDATE SET document = excluded.document, title = excluded.title, url = excluded.url, removed = excluded.removed`,
			a.ID, a.StatementID, a.Document, a.Title, a.URL, a.Removed)
	}
	return q.sendBatch(ctx, batch)
}

// AttachmentsOf lists a statement's attachments that are not removed.
func (q Q) AttachmentsOf(ctx context.Context, id int64) ([]Attachment, error) {
	return list(ctx, q.db, func(row pgx.Row) (Attachment, error) {
		var a Attachment
		err := row.Scan(&a.ID, &a.StatementID, &a.Document, &a.Title, &a.URL, &a.Removed)
		return a, err
	}, `SELECT id, statement_id, document, title, url, removed FROM statement_attachment
		WHERE statement_id = $1 AND NOT removed ORDER BY id`, id)
}

// Analyze refreshes the planner's statistics of the mirror's tables (after
// a bulk load), and moves the entries a bulk load left in the GIN indexes'
// pending lists into the indexes proper: until autovacuum does that, the
// planner prices a GIN scan by its pending list and `search` reads the
// whole table instead
// (https://www.postgresql.org/docs/current/gin.html#GIN-FAST-UPDATE).
func (q Q) Analyze(ctx context.Context) error {
	_, err := q.db.Exec(ctx, `ANALYZE dt_group, dt_person, dt_role, statement, statement_event, statement_related, statement_attachment`)
	if err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `SELECT gin_clean_pending_list(i::regclass) FROM unnest(ARRAY['statement_search', 'statement_from_groups', 'statement_to_groups']) i`)
	return err
}
