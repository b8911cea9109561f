package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// ClaimAnnouncement records that statement id is announced in room, linked
// to the outbox item that carries it. It reports false when the statement
// was already announced there: the (statement, platform, room) key is what
// makes announcements exactly-once across restarts and replicas.
func (q Q) ClaimAnnouncement(ctx context.Context, statementID int64, platform, room string, outboxID int64) (bool, error) {
	tag, err := q.db.Exec(ctx, `
		INSERT INTO announcement (statement_id, platform, room, outbox_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, statementID, platform, room, outboxID)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// IsAnnounced reports whether statement id was announced in room.
func (q Q) IsAnnounced(ctx context.Context, statementID int64, platform, room string) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM announcement WHERE statement_id = $1 AND platform = $2 AND room = $3)`,
		statementID, platform, room).Scan(&ok)
	return ok, err
}

// AnnouncementThread returns where the announcement of a statement in a
// room landed (message ID and thread), for reminders and replies to go in
// its thread; empty when not announced or not yet sent.
func (q Q) AnnouncementThread(ctx context.Context, statementID int64, platform, room string) (msgID, thread string, err error) {
	err = q.db.QueryRow(ctx, `
		SELECT coalesce(o.sent_id, ''), coalesce(o.sent_thread, '')
		FROM announcement a JOIN outbox o ON o.id = a.outbox_id
		WHERE a.statement_id = $1 AND a.platform = $2 AND a.room = $3`, statementID, platform, room).Scan(&msgID, &thread)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", nil
	}
	return msgID, thread, err
}

// AnnouncementByMessage finds the statement announced by a bot message.
func (q Q) AnnouncementByMessage(ctx context.Context, platform, msgID string) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `
		SELECT a.statement_id FROM announcement a JOIN outbox o ON o.id = a.outbox_id
		WHERE o.platform = $1 AND o.sent_id = $2`, platform, msgID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}
