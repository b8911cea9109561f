package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// Outbox kinds.
const (
	KindReply        = "reply"
	KindAnnouncement = "announcement"
	KindReminder     = "reminder"
	KindApproval     = "approval"
	KindNotice       = "notice"
	// KindEdit replaces the text of the message of another outbox row
	// (EditOf): the approval request's live card.
	KindEdit = "edit"
)

// OutboxItem is a row of outbox: a message to send (and the reactions to
// add to it once sent).
type OutboxItem struct {
	ID         int64
	Platform   string
	Kind       string
	Msg        chat.Outgoing
	React      []string
	Attempts   int
	SentID     string
	SentThread string
	SentAt     *time.Time
	// EditOf is the outbox row whose message this one edits (KindEdit).
	EditOf int64
}

// Enqueue adds a message unless one with the same txn key exists. It
// returns the row ID (of the new or the existing row).
func (q Q) Enqueue(ctx context.Context, platform, kind string, msg chat.Outgoing, react ...string) (int64, error) {
	payload, err := json.Marshal(msg)
	if err != nil {
		return 0, err
	}
	if react == nil {
		react = []string{}
	}
	var id int64
	err = q.db.QueryRow(ctx, `
		WITH ins AS (
			INSERT INTO outbox (platform, txn_key, kind, room, payload, react)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (platform, txn_key) DO NOTHING
			RETURNING id)
		SELECT id FROM ins
		UNION ALL
		SELECT id FROM outbox WHERE platform = $1 AND txn_key = $2
		LIMIT 1`, platform, msg.TxnKey, kind, msg.Room, payload, react).Scan(&id)
	return id, err
}

const outboxColumns = `id, platform, kind, payload, react, attempts, coalesce(sent_id, ''), coalesce(sent_thread, ''), sent_at, coalesce(edit_of, 0)`

func scanOutbox(row pgx.Row) (*OutboxItem, error) {
	var it OutboxItem
	var payload []byte
	if err := row.Scan(&it.ID, &it.Platform, &it.Kind, &payload, &it.React, &it.Attempts, &it.SentID, &it.SentThread, &it.SentAt, &it.EditOf); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(payload, &it.Msg); err != nil {
		return nil, err
	}
	return &it, nil
}

// ClaimOutbox locks the oldest due item (not sent, or sent but reactions
// not yet added), skipping rows other workers hold; nil when none is due.
// Use it in a transaction and record the outcome in the same transaction.
//
// Messages to one room keep their order: an item is not claimed while an
// earlier unsent item to the same room is due (another worker may be
// sending it). An item waiting out a back-off does not hold its room up.
// So several workers send to different rooms in parallel.
//
// The OFFSET 0 keeps the room check a per-row probe of outbox_room_unsent
// (a subplan): pulled up into an anti-join, the planner, seeing a freshly
// filled table as nearly empty, compared every due row with every other
// (a 500-room fan-out: 250,000 comparisons, 110 ms a claim, issue 15).
func (q Q) ClaimOutbox(ctx context.Context, platform string, now time.Time) (*OutboxItem, error) {
	it, err := scanOutbox(q.db.QueryRow(ctx, claimOutboxSQL, platform, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return it, err
}

const claimOutboxSQL = `
	SELECT ` + outboxColumns + ` FROM outbox o
	WHERE (sent_at IS NULL OR reacted_at IS NULL) AND failed_at IS NULL AND platform = $1 AND not_before <= $2
	  AND NOT EXISTS (
		SELECT 1 FROM outbox e
		WHERE e.platform = o.platform AND e.room = o.room AND e.id < o.id
		  AND e.sent_at IS NULL AND e.failed_at IS NULL AND e.not_before <= $2
		OFFSET 0)
	ORDER BY not_before, id
	LIMIT 1
	FOR UPDATE SKIP LOCKED`

// EnqueueEdit queues an edit of the message of outbox row target (in room)
// to body, unless one with the same txn key exists.
func (q Q) EnqueueEdit(ctx context.Context, platform string, target int64, room string, body chat.Doc, txnKey string) error {
	payload, err := json.Marshal(chat.Outgoing{Room: room, Body: body, Notice: true, TxnKey: txnKey})
	if err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `INSERT INTO outbox (platform, txn_key, kind, room, payload, react, edit_of)
		VALUES ($1, $2, $3, $4, $5, '{}', $6) ON CONFLICT (platform, txn_key) DO NOTHING`, platform, txnKey, KindEdit, room, payload, target)
	return err
}

// MarkSent records where the message landed (and forgets the started
// attempt, see NoteSendStarted), in one statement: one round trip a send.
func (q Q) MarkSent(ctx context.Context, id int64, sent chat.Sent) error {
	_, err := q.db.Exec(ctx, `
		WITH attempt AS (DELETE FROM outbox_attempt WHERE outbox_id = $1)
		UPDATE outbox SET sent_at = now(), sent_id = NULLIF($2, ''), sent_thread = $3, attempts = attempts + 1,
			reacted_at = CASE WHEN cardinality(react) = 0 THEN now() ELSE NULL END
		WHERE id = $1`, id, sent.ID, sent.Thread)
	return err
}

// MarkReacted records that the item's reactions were added.
func (q Q) MarkReacted(ctx context.Context, id int64) error {
	_, err := q.db.Exec(ctx, `UPDATE outbox SET reacted_at = now() WHERE id = $1`, id)
	return err
}

// MarkSendFailed records a failed attempt and when to try again.
func (q Q) MarkSendFailed(ctx context.Context, id int64, errMsg string, retryAt time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $2, not_before = $3 WHERE id = $1`, id, errMsg, retryAt)
	return err
}

// MarkOutboxFailed gives an item up: the server refused it for good. It is
// not tried again and no longer holds back its room.
func (q Q) MarkOutboxFailed(ctx context.Context, id int64, errMsg string) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM outbox_attempt WHERE outbox_id = $1`, id); err != nil {
		return err
	}
	_, err := q.db.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $2, failed_at = now() WHERE id = $1`, id, errMsg)
	return err
}

// OutboxByID returns one item.
func (q Q) OutboxByID(ctx context.Context, id int64) (*OutboxItem, error) {
	it, err := scanOutbox(q.db.QueryRow(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return it, err
}

// OutboxBySentID finds the item that became message sentID.
func (q Q) OutboxBySentID(ctx context.Context, platform, sentID string) (*OutboxItem, error) {
	it, err := scanOutbox(q.db.QueryRow(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE platform = $1 AND sent_id = $2`, platform, sentID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return it, err
}

// OutboxPending counts items not yet fully delivered.
func (q Q) OutboxPending(ctx context.Context, platform string) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE platform = $1 AND (sent_at IS NULL OR reacted_at IS NULL) AND failed_at IS NULL`, platform).Scan(&n)
	return n, err
}

// NoteSendStarted records, committed on its own (use the pool, not the
// sending transaction), that a send of the item is about to start; it
// reports whether one had been started before (a crash may have followed
// it).
//
// since is how long ago (by the database's clock) the earlier attempt
// started, when there was one.
func (q Q) NoteSendStarted(ctx context.Context, id int64) (before bool, since time.Duration, err error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO outbox_attempt (outbox_id) VALUES ($1) ON CONFLICT DO NOTHING`, id)
	if err != nil || tag.RowsAffected() == 1 {
		return false, 0, err
	}
	var secs float64
	err = q.db.QueryRow(ctx, `SELECT extract(epoch FROM now() - started_at) FROM outbox_attempt WHERE outbox_id = $1`, id).Scan(&secs)
	return true, time.Duration(secs * float64(time.Second)), err
}
