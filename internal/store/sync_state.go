package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// SyncState is a row of sync_state: a named cursor of the Datatracker sync.
type SyncState struct {
	Name        string
	Value       int64
	LastSuccess *time.Time
	LastError   string
}

// Cursor names.
const (
	CursorPostedEvents = "posted_events"   // last posted/modified event ID handled
	CursorBackfilled   = "backfilled"      // 1 once a full backfill completed
	CursorRoles        = "roles_refreshed" // unix time of the last role refresh
)

// GetSyncState returns a cursor; ok is false when it was never set.
func (q Q) GetSyncState(ctx context.Context, name string) (SyncState, bool, error) {
	s := SyncState{Name: name}
	err := q.db.QueryRow(ctx, `SELECT value, last_success, last_error FROM sync_state WHERE name = $1`, name).
		Scan(&s.Value, &s.LastSuccess, &s.LastError)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	}
	return s, err == nil, err
}

// SetSyncState stores a cursor value and marks a success.
func (q Q) SetSyncState(ctx context.Context, name string, value int64) error {
	_, err := q.db.Exec(ctx, `
		INSERT INTO sync_state (name, value, last_success, last_error) VALUES ($1, $2, now(), '')
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, last_success = now(), last_error = '', updated_at = now()`, name, value)
	return err
}

// SyncFailed records the last error of a cursor without moving it.
func (q Q) SyncFailed(ctx context.Context, name, msg string) error {
	_, err := q.db.Exec(ctx, `
		INSERT INTO sync_state (name, last_error) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET last_error = excluded.last_error, updated_at = now()`, name, msg)
	return err
}
