package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// PendingRequest is the bot's request to approvers of a statement pending
// in the Datatracker, in one room (pending_request).
type PendingRequest struct {
	Platform    string
	StatementID int64
	Room        string
	Approvers   []string // e-mails
	Direct      bool
	OutboxID    int64 // the request message's outbox row (threads the follow-ups)
	Round       int   // 1, then +1 each time a killed statement is resurrected
	FirstSentAt time.Time
	LastSentAt  time.Time
	Reminders   int
	Concluded   string // "" while open; else the state that ended it: approved, posted, dead, gone
}

const pendingRequestColumns = `platform, statement_id, room, approvers, direct, coalesce(outbox_id, 0), round,
	first_sent_at, last_sent_at, reminders, concluded`

func scanPendingRequest(row pgx.Row) (PendingRequest, error) {
	var p PendingRequest
	err := row.Scan(&p.Platform, &p.StatementID, &p.Room, &p.Approvers, &p.Direct, &p.OutboxID, &p.Round,
		&p.FirstSentAt, &p.LastSentAt, &p.Reminders, &p.Concluded)
	return p, err
}

// PendingStatements lists the statements pending in the Datatracker that
// were submitted at or after since, oldest first.
func (q Q) PendingStatements(ctx context.Context, since time.Time) ([]*Statement, error) {
	rows, err := q.db.Query(ctx, `SELECT `+statementColumns+` FROM statement
		WHERE state = 'pending' AND submitted_at >= $1 ORDER BY submitted_at, id`, since)
	if err != nil {
		return nil, opErr("list pending statements", err)
	}
	defer rows.Close()
	var out []*Statement
	for rows.Next() {
		s, err := scanStatement(rows)
		if err != nil {
			return nil, opErr("list pending statements", err)
		}
		out = append(out, s)
	}
	return out, opErr("list pending statements", rows.Err())
}

// PendingRequestsOf lists the requests made on platform for a statement.
func (q Q) PendingRequestsOf(ctx context.Context, platform string, statementID int64) ([]PendingRequest, error) {
	out, err := list(ctx, q.db, scanPendingRequest, `SELECT `+pendingRequestColumns+` FROM pending_request
		WHERE platform = $1 AND statement_id = $2 ORDER BY room`, platform, statementID)
	return out, opErr("list pending requests", err)
}

// OpenPendingRequests lists the requests on platform not concluded yet.
func (q Q) OpenPendingRequests(ctx context.Context, platform string) ([]PendingRequest, error) {
	out, err := list(ctx, q.db, scanPendingRequest, `SELECT `+pendingRequestColumns+` FROM pending_request
		WHERE platform = $1 AND concluded = '' ORDER BY statement_id, room`, platform)
	return out, opErr("list open pending requests", err)
}

// InsertPendingRequest records a new request; false when one for the
// statement and room exists already (another replica, an earlier pass).
func (q Q) InsertPendingRequest(ctx context.Context, p PendingRequest) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO pending_request (platform, statement_id, room, approvers, direct, outbox_id,
			round, first_sent_at, last_sent_at)
		VALUES ($1, $2, $3, $4, $5, nullif($6, 0), $7, $8, $8) ON CONFLICT DO NOTHING`,
		p.Platform, p.StatementID, p.Room, nonNil(p.Approvers), p.Direct, p.OutboxID, max(p.Round, 1), p.FirstSentAt)
	if err != nil {
		return false, opErr("insert pending request", err)
	}
	return tag.RowsAffected() == 1, nil
}

// UpdatePendingRequest moves a request from the state the caller read
// (was) to p: false when another pass moved it first.
func (q Q) UpdatePendingRequest(ctx context.Context, was, p PendingRequest) (bool, error) {
	tag, err := q.db.Exec(ctx, `UPDATE pending_request SET outbox_id = coalesce(nullif($4, 0), outbox_id), round = $5,
			last_sent_at = $6, reminders = $7, concluded = $8,
			concluded_at = CASE WHEN $8 = '' THEN NULL ELSE now() END
		WHERE platform = $1 AND statement_id = $2 AND room = $3
		  AND round = $9 AND reminders = $10 AND concluded = $11`,
		p.Platform, p.StatementID, p.Room, p.OutboxID, p.Round, p.LastSentAt, p.Reminders, p.Concluded,
		was.Round, was.Reminders, was.Concluded)
	if err != nil {
		return false, opErr("update pending request", err)
	}
	return tag.RowsAffected() == 1, nil
}

// SubmittedBy names who submitted a statement in the Datatracker (the
// person of its latest "submitted" event); "" when unknown.
func (q Q) SubmittedBy(ctx context.Context, statementID int64) (string, error) {
	var name string
	err := q.db.QueryRow(ctx, `SELECT coalesce(nullif(p.plain, ''), p.name, '') FROM statement_event e
		JOIN dt_person p ON p.id = e.by_person
		WHERE e.statement_id = $1 AND e.type = 'submitted' ORDER BY e.time DESC, e.id DESC LIMIT 1`, statementID).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return name, opErr("read submitter", err)
}

// SetPendingOutbox notes the outbox row of a request's message.
func (q Q) SetPendingOutbox(ctx context.Context, platform string, statementID int64, room string, outboxID int64) error {
	_, err := q.db.Exec(ctx, `UPDATE pending_request SET outbox_id = $4 WHERE platform = $1 AND statement_id = $2 AND room = $3`,
		platform, statementID, room, outboxID)
	return opErr("note pending request message", err)
}
