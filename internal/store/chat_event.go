package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// ClaimEvent claims the oldest claimable event of platform for lease and
// returns it (nil when there is none). The claim is committed at once, so
// no transaction stays open while the event is handled.
//
// An event is claimable when it is unhandled, under the attempt limit, not
// under another worker's lease, and no earlier event of its room is still
// waiting: one room's events are handled in order, different rooms in
// parallel, across replicas too (FOR UPDATE SKIP LOCKED, and a row whose
// lease was just committed elsewhere fails the re-check of the WHERE
// clause). A worker that dies leaves its lease to expire; the event is then
// claimed again. The attempt is counted at the claim, so an event that
// crashes the bot each time still reaches the limit. Attempts is returned
// as it was before this claim.
func (q Q) ClaimEvent(ctx context.Context, platform string, maxAttempts int, lease time.Duration) (*ChatEvent, error) {
	var ce ChatEvent
	var payload []byte
	err := q.db.QueryRow(ctx, claimEventSQL, platform, maxAttempts, lease.Milliseconds()).Scan(&ce.ID, &payload, &ce.Attempts, &ce.Received)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: claim event: %w", err)
	}
	if err := json.Unmarshal(payload, &ce.Event); err != nil {
		return nil, fmt.Errorf("store: claim event: decode payload: %w", err)
	}
	return &ce, nil
}

const claimEventSQL = `
		UPDATE chat_event SET claimed_until = now() + $3 * interval '1 millisecond', attempts = attempts + 1
		WHERE id = (
			SELECT e.id FROM chat_event e
			WHERE e.handled_at IS NULL AND e.platform = $1 AND e.attempts < $2
			  AND (e.claimed_until IS NULL OR e.claimed_until < now())
			  AND NOT EXISTS (
				SELECT 1 FROM chat_event p
				WHERE p.platform = e.platform AND p.room = e.room AND p.id < e.id
				  AND p.handled_at IS NULL AND p.attempts < $2)
			ORDER BY e.id
			LIMIT 1
			FOR UPDATE SKIP LOCKED)
		RETURNING id, payload, attempts - 1, received_at`

// ExtendEventLease keeps a claim alive while its worker is still busy.
func (q Q) ExtendEventLease(ctx context.Context, id int64, lease time.Duration) error {
	_, err := q.db.Exec(ctx, `UPDATE chat_event SET claimed_until = now() + $2 * interval '1 millisecond'
		WHERE id = $1 AND handled_at IS NULL`, id, lease.Milliseconds())
	if err != nil {
		return fmt.Errorf("store: extend event lease: %w", err)
	}
	return nil
}

// ReleaseEvent gives a claim back unfinished (the bot is stopping): the
// event is claimable at once, and the interrupted try does not count.
func (q Q) ReleaseEvent(ctx context.Context, id int64) error {
	_, err := q.db.Exec(ctx, `UPDATE chat_event SET claimed_until = NULL, attempts = greatest(attempts - 1, 0)
		WHERE id = $1 AND handled_at IS NULL`, id)
	return opErr("release event", err)
}

// ErrEventTaken is returned by MarkEventHandled when the event was handled
// meanwhile (its lease expired and another worker finished it): the caller
// rolls its transaction back, so the event's effects are recorded once.
var ErrEventTaken = errors.New("store: event already handled by another worker")

// MarkEventHandled marks an event done, in the transaction that records
// its effects.
func (q Q) MarkEventHandled(ctx context.Context, id int64) error {
	tag, err := q.db.Exec(ctx, `UPDATE chat_event SET handled_at = now(), claimed_until = NULL WHERE id = $1 AND handled_at IS NULL`, id)
	if err != nil {
		return fmt.Errorf("store: mark event handled: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return ErrEventTaken
	}
	return nil
}

// MarkEventFailed records a failed attempt (counted at the claim) and
// releases the claim; the event is retried until the attempt limit, then
// left for an operator (it stays in the table).
func (q Q) MarkEventFailed(ctx context.Context, id int64, errMsg string) error {
	_, err := q.db.Exec(ctx, `UPDATE chat_event SET claimed_until = NULL, last_error = $2 WHERE id = $1`, id, errMsg)
	if err != nil {
		return fmt.Errorf("store: mark event failed: %w", err)
	}
	return nil
}

// PendingEvents counts unhandled events.
func (q Q) PendingEvents(ctx context.Context, platform string) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM chat_event WHERE handled_at IS NULL AND platform = $1`, platform).Scan(&n)
	return n, err
}

// opErr wraps a database error with the operation it failed in
// ("store: set draft state: …"); nil stays nil.
func opErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
