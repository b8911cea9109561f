package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// KV adapts the transport_state table to chat.KV for the transports.
type KV struct{ Q Q }

func (k KV) Get(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := k.Q.db.QueryRow(ctx, `SELECT value FROM transport_state WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

func (k KV) Put(ctx context.Context, key, value string) error {
	_, err := k.Q.db.Exec(ctx, `
		INSERT INTO transport_state (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`, key, value)
	return err
}
