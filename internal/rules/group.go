package rules

import (
	"fmt"
	"slices"
	"strings"
)

// GroupType is a Datatracker group type slug.
type GroupType string

// Group types that matter to the liaison process. Others (team, dir, ag,
// program, ...) are just strings. Note that in the Datatracker the groups
// "ietf", "iesg" and "iab" all have type "ietf"; rules that depend on them
// go by acronym, and also accept the types iesg and iab when a caller sets
// them.
const (
	TypeWG   GroupType = "wg"
	TypeArea GroupType = "area"
	TypeIETF GroupType = "ietf"
	TypeIESG GroupType = "iesg"
	TypeIAB  GroupType = "iab"
	TypeRG   GroupType = "rg"
	TypeIRTF GroupType = "irtf"
	TypeSDO  GroupType = "sdo"
)

// Group is a Datatracker group as the rules need it.
type Group struct {
	Acronym string
	Type    GroupType
	// Parent is the acronym of the parent group: a WG's area, an area's
	// "iesg", an SDO sub-group's SDO. Empty when unknown.
	Parent string
	Name   string
	// State is the Datatracker group state slug (active, bof, proposed,
	// conclude, dormant, replaced, abandon, bof-conc, ...); empty when not
	// known, which is taken as active.
	State string
}

// activeStates are the Datatracker group states of a group that exists and
// works; any other (conclude, dormant, replaced, abandon, bof-conc) means
// the group no longer speaks for anyone.
var activeStates = []string{"", "active", "bof", "proposed"}

// Role names (Datatracker rolename slugs).
const (
	RoleChair              = "chair"
	RoleSecretary          = "secr"
	RoleAD                 = "ad"
	RoleLiaisonManager     = "liaiman"
	RoleLiaisonCoordinator = "liaison_coordinator"
)

// Role is one person's role in one group.
type Role struct {
	Name   string // chair, secr, ad, liaiman, liaison_coordinator, ...
	Group  string // acronym of the group the role is on
	Email  string // the role's e-mail address
	Person string // display name
}

// Directory answers lookups over groups and roles. Build it with
// [NewDirectory]; the zero Directory is empty. Acronyms, role names and
// e-mail addresses are compared case-insensitively. A Directory is
// read-only after construction and safe for concurrent use.
type Directory struct {
	groups  map[string]Group
	roles   []Role
	byGroup map[string][]int // key(acronym) → indexes into roles
	byEmail map[string][]int // key(email) → indexes into roles
}

// NewDirectory builds a Directory from groups and roles (for example the
// cached Datatracker role data). Later groups with the same acronym replace
// earlier ones; duplicate roles are dropped.
func NewDirectory(groups []Group, roles []Role) Directory {
	d := Directory{groups: make(map[string]Group, len(groups)), byGroup: map[string][]int{}, byEmail: map[string][]int{}}
	for _, g := range groups {
		d.groups[key(g.Acronym)] = g
	}
	seen := map[[3]string]bool{}
	for _, r := range roles {
		k := [3]string{key(r.Name), key(r.Group), key(r.Email)}
		if seen[k] || key(r.Email) == "" {
			continue
		}
		seen[k] = true
		d.byGroup[key(r.Group)] = append(d.byGroup[key(r.Group)], len(d.roles))
		d.byEmail[key(r.Email)] = append(d.byEmail[key(r.Email)], len(d.roles))
		d.roles = append(d.roles, r)
	}
	return d
}

func key(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// GroupByAcronym returns the group with that acronym.
func (d Directory) GroupByAcronym(acronym string) (Group, bool) {
	g, ok := d.groups[key(acronym)]
	return g, ok
}

// RolesOf returns the roles called name on group, in the order given to
// [NewDirectory]. An empty name matches every role on the group.
func (d Directory) RolesOf(group, name string) []Role {
	var out []Role
	for _, i := range d.byGroup[key(group)] {
		if r := d.roles[i]; name == "" || key(r.Name) == key(name) {
			out = append(out, r)
		}
	}
	return out
}

// RolesOfPerson returns every role held with e-mail address email.
func (d Directory) RolesOfPerson(email string) []Role {
	var out []Role
	for _, i := range d.byEmail[key(email)] {
		out = append(out, d.roles[i])
	}
	return out
}

// HasRole reports whether email holds role name on group. An empty group
// matches any group (e.g. "is this person a liaison coordinator at all").
func (d Directory) HasRole(email, name, group string) bool {
	if key(email) == "" {
		return false
	}
	for _, i := range d.byEmail[key(email)] {
		if r := d.roles[i]; key(r.Name) == key(name) && (group == "" || key(r.Group) == key(group)) {
			return true
		}
	}
	return false
}

// PersonName returns the display name recorded with any role of email, or
// "" when there is none.
func (d Directory) PersonName(email string) string {
	for _, i := range d.byEmail[key(email)] {
		if p := d.roles[i].Person; p != "" {
			return p
		}
	}
	return ""
}

// Display shows acronyms as [DisplayGroups] does, looking up each group's
// type; unknown acronyms are shown as given.
func (d Directory) Display(acronyms []string) string {
	gs := make([]Group, 0, len(acronyms))
	for _, a := range acronyms {
		g, ok := d.GroupByAcronym(a)
		if !ok {
			g = Group{Acronym: a}
		}
		gs = append(gs, g)
	}
	return DisplayGroups(gs)
}

// DisplayAcronym shows a group's acronym the way the Datatracker does
// (from_groups_display): working groups in lower case ("teas"), every other
// group in upper case ("RTG", "IAB", "ITU-T-SG-15"). The Datatracker's
// e-mails carry no group names (datatracker NOTES §5, issues #5221, #8458),
// so announcements always show these. A group without an acronym shows its
// name; a group of unknown type shows its acronym as given.
func DisplayAcronym(g Group) string {
	a := strings.TrimSpace(g.Acronym)
	switch {
	case a == "":
		return g.Name
	case g.Type == TypeWG:
		return strings.ToLower(a)
	case g.Type == "":
		return a
	}
	return strings.ToUpper(a)
}

// DisplayGroups joins [DisplayAcronym] of each group with ", ".
func DisplayGroups(gs []Group) string {
	parts := make([]string, 0, len(gs))
	for _, g := range gs {
		if s := DisplayAcronym(g); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// level is what a group is for the sending and approval rules.
type level int

const (
	levelNone level = iota
	levelWG
	levelArea
	levelIETF // the IETF or the IESG
	levelIAB
)

// levelOf classifies a group by acronym first (the Datatracker gives
// "ietf", "iesg" and "iab" the same type "ietf"), then by type.
func levelOf(g Group) level {
	switch key(g.Acronym) {
	case "ietf", "iesg":
		return levelIETF
	case "iab":
		return levelIAB
	}
	switch GroupType(key(string(g.Type))) {
	case TypeWG:
		return levelWG
	case TypeArea:
		return levelArea
	case TypeIESG:
		return levelIETF
	case TypeIAB:
		return levelIAB
	}
	return levelNone
}

// OriginError says why a group cannot send an IETF liaison statement.
type OriginError struct {
	Group string // acronym
	Msg   string // the sentence for the user, citation included
}

func (e *OriginError) Error() string { return e.Msg }

// CanOriginate returns nil when g may send an outgoing IETF liaison
// statement: a working group, an area, the IETF, the IESG or the IAB
// (4053bis §4: "Liaison Statements can be generated at a WG, Area, or IETF
// level"; §4.1 adds the IESG and the IAB and gives each its approver).
// Research groups "do not initiate sending of liaison statements" (4053bis
// §1); other SDOs are senders of incoming statements only; any other group
// (IRTF, team, directorate, ...) has no approval path in 4053bis §4.1.
// The error is an *[OriginError].
func CanOriginate(g Group) error {
	name := DisplayAcronym(g)
	if name == "" {
		name = "This group"
	}
	if levelOf(g) != levelNone {
		if !slices.Contains(activeStates, key(g.State)) {
			// A statement claims to represent the group (§4.1: "truly
			// representing IETF views"); a concluded group has no view to
			// represent and no chairs or AD who may speak for it.
			return &OriginError{Group: g.Acronym, Msg: cite(fmt.Sprintf(
				"%s is no longer active (Datatracker state %q) and cannot send liaison statements; send it from its area or ask its former AD", name, g.State), secApproval)}
		}
		return nil
	}
	var msg string
	switch GroupType(key(string(g.Type))) {
	case TypeRG:
		msg = cite(fmt.Sprintf("%s is a research group, and research groups do not send liaison statements; ask the IRTF Chair and the IAB", name), secIntro)
	case TypeIRTF:
		msg = cite(fmt.Sprintf("%s is part of the IRTF, which does not send liaison statements; ask the IAB", name), secIntro)
	case TypeSDO:
		msg = cite(fmt.Sprintf("%s is another organisation; IETF statements are sent by a WG, an area, the IETF, the IESG or the IAB", name), secSending)
	case "":
		msg = cite(fmt.Sprintf("%s is not a known group; IETF statements are sent by a WG, an area, the IETF, the IESG or the IAB", name), secApproval)
	default:
		msg = cite(fmt.Sprintf("%s (%s) cannot send liaison statements; they are sent by a WG, an area, the IETF, the IESG or the IAB", name, g.Type), secApproval)
	}
	return &OriginError{Group: g.Acronym, Msg: msg}
}

// dedupe returns ss without empty strings and without case-insensitive
// duplicates, keeping the first spelling and the order.
func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" || slices.ContainsFunc(out, func(o string) bool { return key(o) == key(s) }) {
			continue
		}
		out = append(out, s)
	}
	return out
}
