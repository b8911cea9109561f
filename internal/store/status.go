package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Status is what /liaison status shows: figures a chair can check to see
// that nothing is stuck.
type Status struct {
	Statements        int
	Pending           int // Datatracker statements waiting for approval there
	Retrying          int // statements whose fetch failed and is retried
	Gone              int // statements given up after retrying for a day
	DraftsWaiting     int // chat drafts submitted and not yet decided
	AnnouncedToday    int
	RemindedToday     int
	OutboxWaiting     int // messages not yet delivered
	OutboxFailed      int // messages given up (refused by the server)
	LeaderApplication string
}

// ReadStatus gathers the status figures; since is the start of "today".
func (q Q) ReadStatus(ctx context.Context, platform string, since time.Time, leaderKey int64) (Status, error) {
	var s Status
	err := q.db.QueryRow(ctx, `
		SELECT
		  (SELECT count(*) FROM statement),
		  (SELECT count(*) FROM statement WHERE state = 'pending'),
		  (SELECT count(*) FROM statement_retry WHERE gone_at IS NULL),
		  (SELECT count(*) FROM statement_retry WHERE gone_at IS NOT NULL),
		  (SELECT count(*) FROM draft WHERE platform = $1 AND state = 'submitted'),
		  (SELECT count(*) FROM announcement WHERE platform = $1 AND created_at >= $2),
		  (SELECT count(*) FROM reminder_sent WHERE platform = $1 AND created_at >= $2),
		  (SELECT count(*) FROM outbox WHERE platform = $1 AND sent_at IS NULL AND failed_at IS NULL),
		  (SELECT count(*) FROM outbox WHERE platform = $1 AND failed_at IS NOT NULL AND created_at >= $2)`,
		platform, since).Scan(&s.Statements, &s.Pending, &s.Retrying, &s.Gone, &s.DraftsWaiting,
		&s.AnnouncedToday, &s.RemindedToday, &s.OutboxWaiting, &s.OutboxFailed)
	if err != nil {
		return s, err
	}
	// The leading replica is the session holding the leader lock in this
	// database (a bigint key shows as classid, objid and objsubid 1 in
	// pg_locks); replicas name their sessions (application_name) when they
	// open the pool.
	err = q.db.QueryRow(ctx, `
		SELECT coalesce(a.application_name, '') FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
		  AND l.classid = ($1::bigint >> 32)::oid AND l.objid = ($1::bigint & 4294967295)::oid
		  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		LIMIT 1`, leaderKey).Scan(&s.LeaderApplication)
	if errors.Is(err, pgx.ErrNoRows) {
		err = nil
	}
	return s, err
}
