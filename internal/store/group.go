package store

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Group is a row of dt_group: a Datatracker group (wg, area, sdo, ietf…).
type Group struct {
	ID       int64
	Acronym  string
	Name     string
	Type     string
	State    string
	ParentID int64
}

// Person is a row of dt_person.
type Person struct {
	ID    int64
	Name  string
	Plain string
}

// DisplayName is how chat shows the person (NOTES §2.2).
func (p Person) DisplayName() string {
	if p.Plain != "" {
		return p.Plain
	}
	return p.Name
}

// Role is a row of dt_role, joined with its group and person for reading.
type Role struct {
	ID       int64
	Name     string // chair, secr, ad, liaiman, liaison_coordinator…
	GroupID  int64
	PersonID int64
	Email    string
	// Filled by the reading queries:
	GroupAcronym string
	PersonName   string
}

// UpsertGroups records groups.
func (q Q) UpsertGroups(ctx context.Context, gs []Group) error {
	batch := &pgx.Batch{}
	for _, g := range gs {
		var parent any
		if g.ParentID != 0 {
			parent = g.ParentID
		}
		batch.Queue(`INSERT INTO dt_group (id, acronym, name, type, state, parent_id) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO UPDATE SET acronym = excluded.acronym, name = excluded.name, type = excluded.type,
				state = excluded.state, parent_id = excluded.parent_id, fetched_at = now()`,
			g.ID, g.Acronym, g.Name, g.Type, g.State, parent)
	}
	return q.sendBatch(ctx, batch)
}

const groupColumns = `id, acronym, name, type, state, coalesce(parent_id, 0)`

func (q Q) groups(ctx context.Context, sql string, args ...any) ([]Group, error) {
	return list(ctx, q.db, func(row pgx.Row) (Group, error) {
		var g Group
		err := row.Scan(&g.ID, &g.Acronym, &g.Name, &g.Type, &g.State, &g.ParentID)
		return g, err
	}, sql, args...)
}

// GroupsByID returns the known groups among ids, in a map.
func (q Q) GroupsByID(ctx context.Context, ids []int64) (map[int64]Group, error) {
	gs, err := q.groups(ctx, `SELECT `+groupColumns+` FROM dt_group WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]Group, len(gs))
	for _, g := range gs {
		m[g.ID] = g
	}
	return m, nil
}

// GroupByAcronym finds a group; nil when unknown. Active groups win over
// concluded ones with the same acronym.
func (q Q) GroupByAcronym(ctx context.Context, acronym string) (*Group, error) {
	gs, err := q.groups(ctx, `SELECT `+groupColumns+` FROM dt_group WHERE acronym = $1
		ORDER BY (state = 'active') DESC, id DESC LIMIT 1`, acronym)
	if err != nil || len(gs) == 0 {
		return nil, err
	}
	return &gs[0], nil
}

// MissingGroups returns the ids among ids that are not in dt_group.
func (q Q) MissingGroups(ctx context.Context, ids []int64) ([]int64, error) {
	return list(ctx, q.db, scanOne[int64], `SELECT x FROM unnest($1::bigint[]) x WHERE NOT EXISTS (SELECT 1 FROM dt_group g WHERE g.id = x)`, ids)
}

// UpsertPersons records people.
func (q Q) UpsertPersons(ctx context.Context, ps []Person) error {
	batch := &pgx.Batch{}
	for _, p := range ps {
		batch.Queue(`INSERT INTO dt_person (id, name, plain) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, plain = excluded.plain, fetched_at = now()`, p.ID, p.Name, p.Plain)
	}
	return q.sendBatch(ctx, batch)
}

// ReplaceRoles replaces the whole role table with rs (one refresh).
func (q Q) ReplaceRoles(ctx context.Context, rs []Role) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM dt_role`); err != nil {
		return err
	}
	batch := &pgx.Batch{}
	for _, r := range rs {
		batch.Queue(`INSERT INTO dt_role (id, name, group_id, person_id, email) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO NOTHING`, r.ID, r.Name, r.GroupID, r.PersonID, r.Email)
	}
	return q.sendBatch(ctx, batch)
}

// AllRoles lists every role with its group acronym and person name.
func (q Q) AllRoles(ctx context.Context) ([]Role, error) {
	return list(ctx, q.db, scanRole, roleSelect+` ORDER BY r.id`)
}

// roleSelect reads roles with their group acronym and person name.
const roleSelect = `
	SELECT r.id, r.name, r.group_id, r.person_id, r.email, coalesce(g.acronym, ''),
		coalesce(nullif(p.plain, ''), p.name, '')
	FROM dt_role r
	LEFT JOIN dt_group g ON g.id = r.group_id
	LEFT JOIN dt_person p ON p.id = r.person_id`

func scanRole(row pgx.Row) (Role, error) {
	var r Role
	err := row.Scan(&r.ID, &r.Name, &r.GroupID, &r.PersonID, &r.Email, &r.GroupAcronym, &r.PersonName)
	return r, err
}

// AllGroups lists every known group.
func (q Q) AllGroups(ctx context.Context) ([]Group, error) {
	return q.groups(ctx, `SELECT `+groupColumns+` FROM dt_group ORDER BY id`)
}

// PersonByID returns a person; nil when unknown.
func (q Q) PersonByID(ctx context.Context, id int64) (*Person, error) {
	var p Person
	err := q.db.QueryRow(ctx, `SELECT id, name, plain FROM dt_person WHERE id = $1`, id).Scan(&p.ID, &p.Name, &p.Plain)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return &p, err
}

// StatementGroups is what is known about the groups of some statements:
// the groups, and the roles asked for on them.
type StatementGroups struct {
	Groups map[int64]Group
	roles  map[int64][]Role // by group ID
}

// GroupsOf loads the groups the statements are from or to, with the roles
// called one of roleNames on them, in two queries.
func (q Q) GroupsOf(ctx context.Context, ss []*Statement, roleNames ...string) (StatementGroups, error) {
	var ids []int64
	for _, s := range ss {
		ids = append(ids, s.FromGroups...)
		ids = append(ids, s.ToGroups...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	sg := StatementGroups{roles: map[int64][]Role{}}
	var err error
	if sg.Groups, err = q.GroupsByID(ctx, ids); err != nil {
		return sg, err
	}
	roles, err := q.RolesOn(ctx, ids, roleNames)
	if err != nil {
		return sg, err
	}
	for _, r := range roles {
		sg.roles[r.GroupID] = append(sg.roles[r.GroupID], r)
	}
	return sg, nil
}

// RolesOf lists the loaded roles called name on the groups, in group order.
func (sg StatementGroups) RolesOf(groupIDs []int64, name string) []Role {
	var out []Role
	for _, id := range groupIDs {
		for _, r := range sg.roles[id] {
			if r.Name == name {
				out = append(out, r)
			}
		}
	}
	return out
}

// Acronyms lists the acronyms of the known groups among groupIDs.
func (sg StatementGroups) Acronyms(groupIDs []int64) []string {
	var out []string
	for _, id := range groupIDs {
		if g, ok := sg.Groups[id]; ok {
			out = append(out, g.Acronym)
		}
	}
	return out
}
