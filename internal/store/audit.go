package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
)

// Audit is a row of audit_log.
type Audit struct {
	ID         int64
	At         time.Time
	Platform   string
	Actor      string
	ActorEmail string
	Room       string
	Action     string
	Args       string
	Result     string
	Detail     map[string]any
}

// AddAudit appends to the audit log.
func (q Q) AddAudit(ctx context.Context, a Audit) error {
	var detail []byte
	if a.Detail != nil {
		var err error
		if detail, err = json.Marshal(a.Detail); err != nil {
			return err
		}
	}
	_, err := q.db.Exec(ctx, `
		INSERT INTO audit_log (platform, actor, actor_email, room, action, args, result, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		a.Platform, a.Actor, a.ActorEmail, a.Room, a.Action, a.Args, a.Result, detail)
	return err
}

// AuditSince lists audit entries with ID > after, oldest first.
func (q Q) AuditSince(ctx context.Context, after int64, limit int) ([]Audit, error) {
	return list(ctx, q.db, func(row pgx.Row) (Audit, error) {
		var a Audit
		var detail []byte
		if err := row.Scan(&a.ID, &a.At, &a.Platform, &a.Actor, &a.ActorEmail, &a.Room, &a.Action, &a.Args, &a.Result, &detail); err != nil {
			return a, err
		}
		if detail != nil {
			_ = json.Unmarshal(detail, &a.Detail)
		}
		return a, nil
	}, `
		SELECT id, at, platform, actor, actor_email, room, action, args, result, detail
		FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
}
