package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Values of NotifyPref.Every.
const (
	NotifyDaily  = "daily"
	NotifyWeekly = "weekly"
)

// NotifyPref is a person's opt-in digest (notify_pref).
type NotifyPref struct {
	Platform   string
	Email      string
	UserID     string // their chat identity, to open the direct room
	Every      string // daily or weekly
	LastSentAt *time.Time
}

const notifyPrefColumns = `platform, email, user_id, every, last_sent_at`

func scanNotifyPref(row pgx.Row) (NotifyPref, error) {
	var p NotifyPref
	err := row.Scan(&p.Platform, &p.Email, &p.UserID, &p.Every, &p.LastSentAt)
	return p, err
}

// NotifyPref reads a person's setting; nil when they have none.
func (q Q) NotifyPref(ctx context.Context, platform, email string) (*NotifyPref, error) {
	p, err := scanNotifyPref(q.db.QueryRow(ctx, `SELECT `+notifyPrefColumns+` FROM notify_pref WHERE platform = $1 AND email = $2`,
		platform, strings.ToLower(email)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, opErr("read digest setting", err)
	}
	return &p, nil
}

// SetNotifyPref records a setting (the e-mail is kept in lower case).
func (q Q) SetNotifyPref(ctx context.Context, p NotifyPref) error {
	_, err := q.db.Exec(ctx, `INSERT INTO notify_pref (platform, email, user_id, every) VALUES ($1, $2, $3, $4)
		ON CONFLICT (platform, email) DO UPDATE SET user_id = excluded.user_id, every = excluded.every, updated_at = now()`,
		p.Platform, strings.ToLower(p.Email), p.UserID, p.Every)
	return opErr("record digest setting", err)
}

// DeleteNotifyPref removes a setting.
func (q Q) DeleteNotifyPref(ctx context.Context, platform, email string) error {
	_, err := q.db.Exec(ctx, `DELETE FROM notify_pref WHERE platform = $1 AND email = $2`, platform, strings.ToLower(email))
	return opErr("delete digest setting", err)
}

// NotifyPrefs lists the settings of a platform.
func (q Q) NotifyPrefs(ctx context.Context, platform string) ([]NotifyPref, error) {
	out, err := list(ctx, q.db, scanNotifyPref, `SELECT `+notifyPrefColumns+` FROM notify_pref WHERE platform = $1 ORDER BY email`, platform)
	return out, opErr("list digest settings", err)
}

// ClaimDigest moves a setting's last send from what p read to now; false
// when another run sent it first.
func (q Q) ClaimDigest(ctx context.Context, p NotifyPref, now time.Time) (bool, error) {
	tag, err := q.db.Exec(ctx, `UPDATE notify_pref SET last_sent_at = $3
		WHERE platform = $1 AND email = $2 AND last_sent_at IS NOT DISTINCT FROM $4`, p.Platform, p.Email, now, p.LastSentAt)
	if err != nil {
		return false, opErr("claim digest", err)
	}
	return tag.RowsAffected() == 1, nil
}
