package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// ChatEvent is a row of chat_event: one event delivered by a transport.
type ChatEvent struct {
	ID        int64
	Event     chat.Event
	Attempts  int
	Received  time.Time
	HandledAt *time.Time
}

// RecordEvent stores an incoming event unless it was recorded before. It
// reports whether the event is new.
func (q Q) RecordEvent(ctx context.Context, evt chat.Event) (bool, error) {
	payload, err := json.Marshal(evt)
	if err != nil {
		return false, err
	}
	tag, err := q.db.Exec(ctx, `
		INSERT INTO chat_event (platform, event_id, kind, room, sender, payload)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (platform, event_id) DO NOTHING`,
		evt.Platform, evt.ID, string(evt.Kind), evt.Room, evt.Sender.ID, payload)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// ClaimEvent locks the oldest unhandled event of platform (skipping rows
// other workers hold) and returns it; nil when there is none. Call it in a
// transaction and mark the event handled in the same transaction, so a
// crash leaves it to be handled again and two replicas never both handle it.
func (q Q) ClaimEvent(ctx context.Context, platform string, maxAttempts int) (*ChatEvent, error) {
	var ce ChatEvent
	var payload []byte
	err := q.db.QueryRow(ctx, `
		SELECT id, payload, attempts, received_at FROM chat_event
		WHERE handled_at IS NULL AND platform = $1 AND attempts < $2
		ORDER BY id
		LIMIT 1
		FOR UPDATE SKIP LOCKED`, platform, maxAttempts).Scan(&ce.ID, &payload, &ce.Attempts, &ce.Received)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(payload, &ce.Event); err != nil {
		return nil, err
	}
	return &ce, nil
}

// MarkEventHandled marks an event done.
func (q Q) MarkEventHandled(ctx context.Context, id int64) error {
	_, err := q.db.Exec(ctx, `UPDATE chat_event SET handled_at = now(), attempts = attempts + 1 WHERE id = $1`, id)
	return err
}

// MarkEventFailed records a failed attempt; the event is retried until the
// attempt limit, then left for an operator (it stays in the table).
func (q Q) MarkEventFailed(ctx context.Context, id int64, errMsg string) error {
	_, err := q.db.Exec(ctx, `UPDATE chat_event SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, id, errMsg)
	return err
}

// PendingEvents counts unhandled events.
func (q Q) PendingEvents(ctx context.Context, platform string) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM chat_event WHERE handled_at IS NULL AND platform = $1`, platform).Scan(&n)
	return n, err
}
