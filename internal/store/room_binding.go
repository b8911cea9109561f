package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Binding is a row of room_binding: a room follows a group, or is a
// coordination room (Group == "", Coordination).
type Binding struct {
	Platform     string
	Room         string
	Group        string
	Coordination bool
	Source       string // config or command
	CreatedBy    string
	CreatedAt    time.Time
}

// Binding sources.
const (
	SourceConfig  = "config"
	SourceCommand = "command"
)

// AddBinding binds a room (idempotent). It reports whether it was new.
func (q Q) AddBinding(ctx context.Context, b Binding) (bool, error) {
	tag, err := q.db.Exec(ctx, `
		INSERT INTO room_binding (platform, room, group_acronym, coordination, source, created_by)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (platform, room, group_acronym) DO NOTHING`,
		b.Platform, b.Room, b.Group, b.Coordination, b.Source, b.CreatedBy)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// RemoveBinding unbinds a room from a group; it reports whether one existed.
func (q Q) RemoveBinding(ctx context.Context, platform, room, group string) (bool, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM room_binding WHERE platform = $1 AND room = $2 AND group_acronym = $3`, platform, room, group)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

// SyncConfigBindings makes the config-sourced bindings equal to want:
// adds the missing ones and removes config bindings no longer configured.
// Bindings made by command are left alone.
func (q Q) SyncConfigBindings(ctx context.Context, platform string, want []Binding) error {
	rooms := make([]string, 0, len(want))
	groups := make([]string, 0, len(want))
	for _, b := range want {
		b.Platform, b.Source = platform, SourceConfig
		if _, err := q.AddBinding(ctx, b); err != nil {
			return err
		}
		rooms, groups = append(rooms, b.Room), append(groups, b.Group)
	}
	_, err := q.db.Exec(ctx, `
		DELETE FROM room_binding
		WHERE platform = $1 AND source = 'config'
		  AND (room, group_acronym) NOT IN (SELECT * FROM unnest($2::text[], $3::text[]))`, platform, rooms, groups)
	return err
}

const bindingColumns = `platform, room, group_acronym, coordination, source, created_by, created_at`

func (q Q) bindings(ctx context.Context, where string, args ...any) ([]Binding, error) {
	return list(ctx, q.db, func(row pgx.Row) (Binding, error) {
		var b Binding
		err := row.Scan(&b.Platform, &b.Room, &b.Group, &b.Coordination, &b.Source, &b.CreatedBy, &b.CreatedAt)
		return b, err
	}, `SELECT `+bindingColumns+` FROM room_binding WHERE `+where+` ORDER BY room, group_acronym`, args...)
}

// BindingsOfRoom lists what a room follows.
func (q Q) BindingsOfRoom(ctx context.Context, platform, room string) ([]Binding, error) {
	return q.bindings(ctx, `platform = $1 AND room = $2`, platform, room)
}

// AllBindings lists every binding of a platform.
func (q Q) AllBindings(ctx context.Context, platform string) ([]Binding, error) {
	return q.bindings(ctx, `platform = $1`, platform)
}

// RoomsFor lists the rooms to announce a statement of these groups in: the
// rooms bound to any of them, and every coordination room. Each room once.
func (q Q) RoomsFor(ctx context.Context, platform string, groups []string) ([]string, error) {
	return list(ctx, q.db, scanOne[string], `
		SELECT DISTINCT room FROM room_binding
		WHERE platform = $1 AND (coordination OR group_acronym = ANY($2))
		ORDER BY room`, platform, groups)
}

// Rooms lists every bound room of a platform, each once.
func (q Q) Rooms(ctx context.Context, platform string) ([]string, error) {
	bs, err := q.AllBindings(ctx, platform)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, b := range bs {
		if !seen[b.Room] {
			seen[b.Room] = true
			out = append(out, b.Room)
		}
	}
	return out, nil
}

// GroupRooms lists the rooms bound to any of the groups (not the
// coordination rooms), each once.
func (q Q) GroupRooms(ctx context.Context, platform string, groups []string) ([]string, error) {
	return list(ctx, q.db, scanOne[string], `SELECT DISTINCT room FROM room_binding
		WHERE platform = $1 AND group_acronym = ANY($2) AND group_acronym <> '' ORDER BY room`, platform, lowerAll(groups))
}

// CoordinationRooms lists the coordination rooms of a platform.
func (q Q) CoordinationRooms(ctx context.Context, platform string) ([]string, error) {
	return list(ctx, q.db, scanOne[string], `SELECT DISTINCT room FROM room_binding WHERE platform = $1 AND coordination ORDER BY room`, platform)
}
