package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// unansweredSQL selects posted statements that expect an answer by a
// deadline and have none yet: For Action (or the retired For Comment with a
// deadline), no recorded In Response statement related to them, no
// Datatracker tag "taken", and no decision not to reply.
const unansweredSQL = `
	s.state = 'posted' AND s.deadline IS NOT NULL AND s.purpose IN ('action', 'comment')
	AND NOT ('taken' = ANY (s.tags))
	AND NOT EXISTS (SELECT 1 FROM statement_related r JOIN statement a ON a.id = r.source
		WHERE r.target = s.id AND a.state = 'posted' AND a.purpose = 'response')
	AND NOT EXISTS (SELECT 1 FROM noreply n WHERE n.statement_id = s.id)`

// Tracked is an unanswered statement with its reminder progress.
type Tracked struct {
	Statement *Statement
	// LastRung is the last reminder rung sent (nil: none yet).
	LastRung *int
}

// Unanswered lists unanswered statements whose deadline is in [from, to]
// (dates), optionally only those to or from one group, by deadline. The
// deadline index keeps this a range scan however long the history.
func (q Q) Unanswered(ctx context.Context, from, to time.Time, groupID int64) ([]Tracked, error) {
	rows, err := q.db.Query(ctx, `
		SELECT `+prefixed("s", statementColumns)+`, rs.last_rung
		FROM statement s LEFT JOIN reminder_state rs ON rs.statement_id = s.id
		WHERE s.deadline BETWEEN $1::date AND $2::date AND `+unansweredSQL+`
		  AND ($3 = 0 OR s.from_groups @> ARRAY[$3::bigint] OR s.to_groups @> ARRAY[$3::bigint])
		ORDER BY s.deadline, s.id`, from, to, groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Tracked
	for rows.Next() {
		var s Statement
		var raw []byte
		var last *int
		if err := rows.Scan(&s.ID, &s.Title, &s.FromGroups, &s.ToGroups, &s.FromContact, &s.ToContacts, &s.ResponseContacts,
			&s.TechnicalContacts, &s.ActionHolderContacts, &s.CCContacts, &s.Purpose, &s.Deadline, &s.OtherIdentifiers,
			&s.Body, &s.Tags, &s.State, &s.SubmittedAt, &s.PostedAt, &raw, &last); err != nil {
			return nil, err
		}
		s.Raw = raw
		out = append(out, Tracked{Statement: &s, LastRung: last})
	}
	return out, rows.Err()
}

// IsUnanswered reports whether a statement still awaits its answer.
func (q Q) IsUnanswered(ctx context.Context, id int64) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM statement s WHERE s.id = $1 AND `+unansweredSQL+`)`, id).Scan(&ok)
	return ok, err
}

// SetReminderRung records the last rung sent for a statement.
func (q Q) SetReminderRung(ctx context.Context, statementID int64, rung int) error {
	_, err := q.db.Exec(ctx, `INSERT INTO reminder_state (statement_id, last_rung) VALUES ($1, $2)
		ON CONFLICT (statement_id) DO UPDATE SET last_rung = excluded.last_rung, updated_at = now()`, statementID, rung)
	return err
}

// ClaimReminder records a reminder (statement, rung, room); false when it
// was queued before.
func (q Q) ClaimReminder(ctx context.Context, statementID int64, rung int, platform, room string, outboxID int64) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO reminder_sent (statement_id, rung, platform, room, outbox_id)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, statementID, rung, platform, room, outboxID)
	return tag.RowsAffected() == 1, err
}

// RemindersOf lists the rungs reminded for a statement (any room), in
// order.
func (q Q) RemindersOf(ctx context.Context, statementID int64) ([]int, error) {
	rows, err := q.db.Query(ctx, `SELECT DISTINCT rung FROM reminder_sent WHERE statement_id = $1 ORDER BY rung`, statementID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

// NoReply is a row of noreply: the chairs decided not to reply.
type NoReply struct {
	StatementID    int64
	DecidedBy      string
	DecidedByEmail string
	Reason         string
	At             time.Time
}

// AddNoReply records a decision not to reply; false when one exists.
func (q Q) AddNoReply(ctx context.Context, n NoReply) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO noreply (statement_id, decided_by, decided_by_email, reason) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, n.StatementID, n.DecidedBy, n.DecidedByEmail, n.Reason)
	return tag.RowsAffected() == 1, err
}

// NoReplyOf returns the decision not to reply to a statement, if any.
func (q Q) NoReplyOf(ctx context.Context, id int64) (*NoReply, error) {
	var n NoReply
	err := q.db.QueryRow(ctx, `SELECT statement_id, decided_by, decided_by_email, reason, at FROM noreply WHERE statement_id = $1`, id).
		Scan(&n.StatementID, &n.DecidedBy, &n.DecidedByEmail, &n.Reason, &n.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return &n, err
}

// Received is a row of received_report: a statement a chair got directly
// that is not (yet) in the Datatracker (4053bis §3.1).
type Received struct {
	ID               int64
	Platform         string
	Room             string
	Thread           string
	Reporter         string
	ReporterEmail    string
	FromBody         string
	ToGroup          string
	Subject          string
	ReceivedOn       *time.Time
	Details          string
	CreatedAt        time.Time
	MatchedStatement int64
	LastFollowupAt   *time.Time
}

// AddReceived records a report.
func (q Q) AddReceived(ctx context.Context, r *Received) error {
	return q.db.QueryRow(ctx, `INSERT INTO received_report (platform, room, thread, reporter, reporter_email, from_body, to_group,
		subject, received_on, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id, created_at`,
		r.Platform, r.Room, r.Thread, r.Reporter, r.ReporterEmail, r.FromBody, r.ToGroup, r.Subject, r.ReceivedOn, r.Details).
		Scan(&r.ID, &r.CreatedAt)
}

// OpenReceived lists reports not yet matched to a recorded statement.
func (q Q) OpenReceived(ctx context.Context) ([]Received, error) {
	rows, err := q.db.Query(ctx, `SELECT id, platform, room, thread, reporter, reporter_email, from_body, to_group, subject,
		received_on, details, created_at, coalesce(matched_statement, 0), last_followup_at
		FROM received_report WHERE matched_statement IS NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Received
	for rows.Next() {
		var r Received
		if err := rows.Scan(&r.ID, &r.Platform, &r.Room, &r.Thread, &r.Reporter, &r.ReporterEmail, &r.FromBody, &r.ToGroup,
			&r.Subject, &r.ReceivedOn, &r.Details, &r.CreatedAt, &r.MatchedStatement, &r.LastFollowupAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MatchReceived links a report to the statement that recorded it.
func (q Q) MatchReceived(ctx context.Context, id, statementID int64) error {
	_, err := q.db.Exec(ctx, `UPDATE received_report SET matched_statement = $2, matched_at = now() WHERE id = $1`, id, statementID)
	return err
}

// MarkReceivedFollowedUp notes a follow-up was sent.
func (q Q) MarkReceivedFollowedUp(ctx context.Context, id int64) error {
	_, err := q.db.Exec(ctx, `UPDATE received_report SET last_followup_at = now() WHERE id = $1`, id)
	return err
}

func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
