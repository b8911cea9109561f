package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Retry is a row of statement_retry: a statement whose fetch failed and
// that later polls fetch again (migration 0010).
type Retry struct {
	StatementID   int64
	Announce      bool // a posted event was seen: announce once fetched
	Attempts      int
	FirstFailedAt time.Time
	LastFailedAt  time.Time
	NextAt        time.Time
	LastError     string
	GoneAt        *time.Time
}

const retryColumns = `statement_id, announce, attempts, first_failed_at, last_failed_at, next_at, last_error, gone_at`

func scanRetry(row pgx.Row) (Retry, error) {
	var r Retry
	err := row.Scan(&r.StatementID, &r.Announce, &r.Attempts, &r.FirstFailedAt, &r.LastFailedAt, &r.NextAt, &r.LastError, &r.GoneAt)
	return r, err
}

// RetryFailed records a failed fetch of a statement: a new row, or one more
// attempt of a known one (announce is sticky: once a posted event was seen
// the statement is announced when it is finally fetched). next is when to
// try again. A statement already marked gone comes back to life: a new
// event about it means it exists again.
func (q Q) RetryFailed(ctx context.Context, id int64, announce bool, now, next time.Time, msg string) (Retry, error) {
	return scanRetry(q.db.QueryRow(ctx, `
		INSERT INTO statement_retry (statement_id, announce, attempts, first_failed_at, last_failed_at, next_at, last_error)
		VALUES ($1, $2, 1, $3, $3, $4, $5)
		ON CONFLICT (statement_id) DO UPDATE SET
			announce = statement_retry.announce OR excluded.announce,
			attempts = CASE WHEN statement_retry.gone_at IS NULL THEN statement_retry.attempts + 1 ELSE 1 END,
			first_failed_at = CASE WHEN statement_retry.gone_at IS NULL THEN statement_retry.first_failed_at ELSE excluded.first_failed_at END,
			last_failed_at = excluded.last_failed_at, next_at = excluded.next_at,
			last_error = excluded.last_error, gone_at = NULL
		RETURNING `+retryColumns, id, announce, now, next, msg))
}

// DueRetries lists the statements to fetch again at now, oldest first.
func (q Q) DueRetries(ctx context.Context, now time.Time, limit int) ([]Retry, error) {
	return list(ctx, q.db, scanRetry, `SELECT `+retryColumns+` FROM statement_retry
		WHERE gone_at IS NULL AND next_at <= $1 ORDER BY next_at, statement_id LIMIT $2`, now, limit)
}

// Retries lists every row of the retry list, gone ones included.
func (q Q) Retries(ctx context.Context) ([]Retry, error) {
	return list(ctx, q.db, scanRetry, `SELECT `+retryColumns+` FROM statement_retry ORDER BY statement_id`)
}

// RetryDone removes a statement from the retry list (it was fetched);
// announce tells whether a posted event had been seen for it while it was
// on the list (so it is still to be announced).
func (q Q) RetryDone(ctx context.Context, id int64) (announce bool, err error) {
	err = q.db.QueryRow(ctx, `DELETE FROM statement_retry WHERE statement_id = $1 AND gone_at IS NULL RETURNING announce`, id).Scan(&announce)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = q.db.Exec(ctx, `DELETE FROM statement_retry WHERE statement_id = $1`, id)
		return false, err
	}
	return announce, err
}

// RetryGone marks a statement as gone: it is no longer retried.
func (q Q) RetryGone(ctx context.Context, id int64, now time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE statement_retry SET gone_at = $2 WHERE statement_id = $1`, id, now)
	return err
}
