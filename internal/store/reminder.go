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
// Datatracker tag "taken", and no decision not to reply (4053bis §5.1;
// rules.NeedsTracking and rules.Answered say the same in Go). With a
// deadline range it is a range scan of statement_purpose_deadline
// (migration 0004).
const unansweredSQL = `
	s.state = 'posted' AND s.deadline IS NOT NULL AND s.purpose IN ('action', 'comment')
	AND NOT ('taken' = ANY (s.tags))
	AND NOT EXISTS (SELECT 1 FROM statement_related r JOIN statement a ON a.id = r.source
		WHERE r.target = s.id AND a.state = 'posted' AND a.purpose = 'response')
	AND NOT EXISTS (SELECT 1 FROM noreply n WHERE n.statement_id = s.id)`

// Tracked is an unanswered statement with its reminder progress.
type Tracked struct {
	Statement *Statement
	// LastRung is the last reminder rung sent (nil: none yet), for the
	// deadline LastDeadline. When the statement's deadline differs from
	// LastDeadline the rung is of an older deadline and must be ignored.
	LastRung     *int
	LastDeadline *time.Time
	// FirstSeen is when the bot first stored the statement (migration
	// 0011): reminder rungs dated before it are not sent.
	FirstSeen time.Time
}

// Rung returns the last rung sent for the statement's current deadline,
// nil when none was (or only for an earlier deadline).
func (t Tracked) Rung() *int {
	if t.LastRung == nil || t.LastDeadline == nil || t.Statement.Deadline == nil ||
		!sameDate(*t.LastDeadline, *t.Statement.Deadline) {
		return nil
	}
	return t.LastRung
}

func sameDate(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

func (q Q) tracked(ctx context.Context, sql string, args ...any) ([]Tracked, error) {
	return list(ctx, q.db, func(row pgx.Row) (Tracked, error) {
		var t Tracked
		s, err := scanStatement(row, &t.LastRung, &t.LastDeadline, &t.FirstSeen)
		t.Statement = s
		return t, err
	}, sql, args...)
}

// groupFilter restricts to statements to or from group $n (0: any). The
// two GIN indexes on from_groups and to_groups serve it.
func groupFilter(n string) string {
	return `($` + n + `::bigint = 0 OR s.from_groups @> ARRAY[$` + n + `::bigint] OR s.to_groups @> ARRAY[$` + n + `::bigint])`
}

// Unanswered lists unanswered statements whose deadline is in [from, to]
// (dates), optionally only those to or from one group, by deadline. The
// deadline index keeps this a range scan however long the history.
func (q Q) Unanswered(ctx context.Context, from, to time.Time, groupID int64) ([]Tracked, error) {
	return q.tracked(ctx, `
		SELECT `+prefixed("s", statementColumns)+`, rs.last_rung, rs.deadline, s.first_seen
		FROM statement s LEFT JOIN reminder_state rs ON rs.statement_id = s.id
		WHERE s.deadline BETWEEN $1::date AND $2::date AND `+unansweredSQL+`
		  AND `+groupFilter("3")+`
		ORDER BY s.deadline, s.id`, dateOnly(from), dateOnly(to), groupID)
}

// Overdue lists at most limit unanswered statements whose deadline is in
// [from, before) (dates), most recently overdue first (a backward scan of
// the deadline index that stops after limit rows), optionally only those
// to or from one group. total counts them all; it is only computed (with a
// second, range-bounded query) when the list is full.
func (q Q) Overdue(ctx context.Context, from, before time.Time, groupID int64, limit int) (list []Tracked, total int, err error) {
	list, err = q.tracked(ctx, `
		SELECT `+prefixed("s", statementColumns)+`, rs.last_rung, rs.deadline, s.first_seen
		FROM statement s LEFT JOIN reminder_state rs ON rs.statement_id = s.id
		WHERE s.deadline >= $1::date AND s.deadline < $2::date AND `+unansweredSQL+`
		  AND `+groupFilter("3")+`
		ORDER BY s.deadline DESC, s.id DESC
		LIMIT $4`, dateOnly(from), dateOnly(before), groupID, limit)
	if err != nil || len(list) < limit {
		return list, len(list), err
	}
	err = q.db.QueryRow(ctx, `SELECT count(*) FROM statement s WHERE s.deadline >= $1::date AND s.deadline < $2::date AND `+
		unansweredSQL+` AND `+groupFilter("3"), dateOnly(from), dateOnly(before), groupID).Scan(&total)
	return list, total, err
}

// dateOnly drops the time and zone of a date (kept as its calendar day), so
// a date built in any zone reaches PostgreSQL as that day.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// IsUnanswered reports whether a statement still awaits its answer.
func (q Q) IsUnanswered(ctx context.Context, id int64) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM statement s WHERE s.id = $1 AND `+unansweredSQL+`)`, id).Scan(&ok)
	return ok, err
}

// AdvanceReminder claims rung for a statement with this deadline: it moves
// the statement's reminder state to (deadline, rung) and reports true,
// unless a rung as late or later was already claimed for the same deadline
// (then false, and nothing changes). Concurrent claims of the same rung
// serialise on the row: exactly one wins. Call it in the transaction that
// queues the reminder, so the claim and the messages commit together.
func (q Q) AdvanceReminder(ctx context.Context, statementID int64, deadline time.Time, rung int) (bool, error) {
	rows, err := q.db.Query(ctx, `
		INSERT INTO reminder_state (statement_id, deadline, last_rung) VALUES ($1, $2::date, $3)
		ON CONFLICT (statement_id) DO UPDATE SET deadline = excluded.deadline, last_rung = excluded.last_rung, updated_at = now()
		WHERE reminder_state.deadline IS DISTINCT FROM excluded.deadline OR reminder_state.last_rung < excluded.last_rung
		RETURNING statement_id`, statementID, dateOnly(deadline), rung)
	if err != nil {
		return false, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return len(ids) == 1, err
}

// SetFirstSeen sets when the bot first saw a statement (tests, and a
// history generated with a clock of its own).
func (q Q) SetFirstSeen(ctx context.Context, statementID int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE statement SET first_seen = $2 WHERE id = $1`, statementID, at)
	return err
}

// RoomsBoundAt maps each room of a platform bound to one of the groups
// (or, with coordination, each coordination room) to when it was first
// bound so: reminder rungs dated before a room was bound are not sent to
// it.
func (q Q) RoomsBoundAt(ctx context.Context, platform string, groups []string, coordination bool) (map[string]time.Time, error) {
	type bound struct {
		room string
		at   time.Time
	}
	rows, err := list(ctx, q.db, func(row pgx.Row) (bound, error) {
		var b bound
		err := row.Scan(&b.room, &b.at)
		return b, err
	}, `SELECT room, min(created_at) FROM room_binding
		WHERE platform = $1 AND ((group_acronym = ANY($2) AND group_acronym <> '') OR ($3 AND coordination))
		GROUP BY room`, platform, lowerAll(groups), coordination)
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(rows))
	for _, b := range rows {
		out[b.room] = b.at
	}
	return out, nil
}

// SetRoomBoundAt sets when a room's bindings were made (tests).
func (q Q) SetRoomBoundAt(ctx context.Context, platform, room string, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE room_binding SET created_at = $3 WHERE platform = $1 AND room = $2`, platform, room, at)
	return err
}

// SetReminderRung records the last rung sent for a statement and deadline
// unconditionally (tests, repairs).
func (q Q) SetReminderRung(ctx context.Context, statementID int64, deadline time.Time, rung int) error {
	_, err := q.db.Exec(ctx, `INSERT INTO reminder_state (statement_id, deadline, last_rung) VALUES ($1, $2::date, $3)
		ON CONFLICT (statement_id) DO UPDATE SET deadline = excluded.deadline, last_rung = excluded.last_rung, updated_at = now()`,
		statementID, dateOnly(deadline), rung)
	return err
}

// ClaimReminder records a reminder (statement, deadline, rung, room);
// false when it was queued before.
func (q Q) ClaimReminder(ctx context.Context, statementID int64, deadline time.Time, rung int, platform, room string, outboxID int64) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO reminder_sent (statement_id, deadline, rung, platform, room, outbox_id)
		VALUES ($1, $2::date, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, statementID, dateOnly(deadline), rung, platform, room, outboxID)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// SentReminder is a row of reminder_sent.
type SentReminder struct {
	StatementID int64
	Deadline    time.Time
	Rung        int
	Platform    string
	Room        string
	OutboxID    int64
}

// RemindersSent lists every reminder queued for a statement, by deadline,
// rung and room.
func (q Q) RemindersSent(ctx context.Context, statementID int64) ([]SentReminder, error) {
	return list(ctx, q.db, func(row pgx.Row) (SentReminder, error) {
		var r SentReminder
		err := row.Scan(&r.StatementID, &r.Deadline, &r.Rung, &r.Platform, &r.Room, &r.OutboxID)
		return r, err
	}, `SELECT statement_id, deadline, rung, platform, room, outbox_id FROM reminder_sent
		WHERE statement_id = $1 ORDER BY deadline, rung, platform, room`, statementID)
}

// RemindersOf lists the rungs reminded for a statement (any room, any
// deadline), in order.
func (q Q) RemindersOf(ctx context.Context, statementID int64) ([]int, error) {
	return list(ctx, q.db, scanOne[int], `SELECT DISTINCT rung FROM reminder_sent WHERE statement_id = $1 ORDER BY rung`, statementID)
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(strings.TrimSpace(s))
	}
	return out
}

// RolesOn lists the roles called one of names (all names when empty) on
// the groups (every group when groupIDs is nil), with group acronyms and
// person names, ordered by group and role ID.
func (q Q) RolesOn(ctx context.Context, groupIDs []int64, names []string) ([]Role, error) {
	return list(ctx, q.db, scanRole, roleSelect+`
		WHERE ($1::bigint[] IS NULL OR r.group_id = ANY($1)) AND (cardinality($2::text[]) = 0 OR r.name = ANY($2))
		ORDER BY r.group_id, r.id`, groupIDs, nonNil(names))
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
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
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

// AnsweredBy lists the posted In Response statements related to id (the
// answers recorded for it).
func (q Q) AnsweredBy(ctx context.Context, id int64) ([]int64, error) {
	return list(ctx, q.db, scanOne[int64], `SELECT DISTINCT a.id FROM statement_related r JOIN statement a ON a.id = r.source
		WHERE r.target = $1 AND a.state = 'posted' AND a.purpose = 'response' ORDER BY a.id`, id)
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
	Reference        string // the other body's reference, if given
	ReceivedOn       *time.Time
	Details          string
	CreatedAt        time.Time
	MatchedStatement int64
	LastFollowupAt   *time.Time
}

// AddReceived records a report.
func (q Q) AddReceived(ctx context.Context, r *Received) error {
	return q.db.QueryRow(ctx, `INSERT INTO received_report (platform, room, thread, reporter, reporter_email, from_body, to_group,
		subject, reference, received_on, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id, created_at`,
		r.Platform, r.Room, r.Thread, r.Reporter, r.ReporterEmail, r.FromBody, r.ToGroup, r.Subject, r.Reference, r.ReceivedOn, r.Details).
		Scan(&r.ID, &r.CreatedAt)
}

const receivedColumns = `id, platform, room, thread, reporter, reporter_email, from_body, to_group, subject, reference,
	received_on, details, created_at, coalesce(matched_statement, 0), last_followup_at`

// OpenReceived lists reports of a platform not yet matched to a recorded
// statement (the partial index received_report_open).
func (q Q) OpenReceived(ctx context.Context, platform string) ([]Received, error) {
	return q.received(ctx, `SELECT `+receivedColumns+` FROM received_report
		WHERE matched_statement IS NULL AND platform = $1 ORDER BY id`, platform)
}

// ReceivedByID returns one report; nil when unknown.
func (q Q) ReceivedByID(ctx context.Context, id int64) (*Received, error) {
	rs, err := q.received(ctx, `SELECT `+receivedColumns+` FROM received_report WHERE id = $1`, id)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0], nil
}

func (q Q) received(ctx context.Context, sql string, args ...any) ([]Received, error) {
	return list(ctx, q.db, func(row pgx.Row) (Received, error) {
		var r Received
		err := row.Scan(&r.ID, &r.Platform, &r.Room, &r.Thread, &r.Reporter, &r.ReporterEmail, &r.FromBody, &r.ToGroup,
			&r.Subject, &r.Reference, &r.ReceivedOn, &r.Details, &r.CreatedAt, &r.MatchedStatement, &r.LastFollowupAt)
		return r, err
	}, sql, args...)
}

// MatchReceived links an open report to the statement that recorded it;
// false when it was matched before.
func (q Q) MatchReceived(ctx context.Context, id, statementID int64) (bool, error) {
	tag, err := q.db.Exec(ctx, `UPDATE received_report SET matched_statement = $2, matched_at = now()
		WHERE id = $1 AND matched_statement IS NULL`, id, statementID)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// ClaimReceivedFollowup marks an open report followed up at now, unless it
// was followed up (or reported) after due; false then. It makes each
// follow-up exactly once across replicas and restarts.
func (q Q) ClaimReceivedFollowup(ctx context.Context, id int64, now, due time.Time) (bool, error) {
	tag, err := q.db.Exec(ctx, `UPDATE received_report SET last_followup_at = $2
		WHERE id = $1 AND matched_statement IS NULL AND coalesce(last_followup_at, created_at) <= $3`, id, now, due)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// PostedSince lists statements posted at or after since, newest first (the
// candidates for matching received reports).
func (q Q) PostedSince(ctx context.Context, since time.Time) ([]*Statement, error) {
	return q.statements(ctx, `SELECT `+statementColumns+` FROM statement
		WHERE state = 'posted' AND posted_at >= $1 ORDER BY posted_at DESC, id DESC`, since)
}

// ClaimRecordReminder marks an approved draft's author reminded at now to
// record it in the Datatracker, unless that was done after due (or the
// draft is no longer approved); false then.
func (q Q) ClaimRecordReminder(ctx context.Context, id int64, now, due time.Time) (bool, error) {
	tag, err := q.db.Exec(ctx, `UPDATE draft SET record_reminded_at = $2
		WHERE id = $1 AND state = 'approved' AND coalesce(record_reminded_at, decided_at, updated_at) <= $3`, id, now, due)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
