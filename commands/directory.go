package commands

import (
	"context"
	"strings"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/render"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// DocLookup looks up a referenced document in the Datatracker (4053bis
// §4.3); the bot provides one built on the Datatracker client. Found is
// false for a document the Datatracker does not know.
type DocLookup interface {
	LookupDoc(ctx context.Context, ref rules.DocRef) (rules.DocInfo, error)
}

// LoadDirectory builds the process rules' view of groups and roles from
// the mirror.
func LoadDirectory(ctx context.Context, q store.Q) (rules.Directory, error) {
	gs, err := q.AllGroups(ctx)
	if err != nil {
		return rules.Directory{}, err
	}
	acr := make(map[int64]string, len(gs))
	for _, g := range gs {
		acr[g.ID] = g.Acronym
	}
	groups := make([]rules.Group, 0, len(gs))
	for _, g := range gs {
		groups = append(groups, rules.Group{Acronym: g.Acronym, Type: rules.GroupType(g.Type), Parent: acr[g.ParentID], Name: g.Name, State: g.State})
	}
	rs, err := q.AllRoles(ctx)
	if err != nil {
		return rules.Directory{}, err
	}
	roles := make([]rules.Role, 0, len(rs))
	for _, r := range rs {
		roles = append(roles, rules.Role{Name: r.Name, Group: r.GroupAcronym, Email: r.Email, Person: r.PersonName})
	}
	return rules.NewDirectory(groups, roles), nil
}

// Identities maps Datatracker e-mails to chat users to mention.
func (e *Env) Identities() render.Identities {
	return render.IdentitiesOf(e.Config, e.Platform)
}

func orStr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// deadlineZone names the zone deadlines (dates) are read in.
func (e *Env) deadlineZone() string {
	if e.Config != nil && e.Config.Reminders.DeadlineTimezone != "" {
		return e.Config.Reminders.DeadlineTimezone
	}
	return "America/Los_Angeles"
}

// deadlineLoc is that zone (UTC if it cannot be loaded).
func (e *Env) deadlineLoc() *time.Location {
	loc, err := time.LoadLocation(e.deadlineZone())
	if err != nil {
		return time.UTC
	}
	return loc
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Today is the current date in the deadline zone.
func (e *Env) Today() rules.Date { return rules.DateOf(e.now(), e.deadlineLoc()) }
