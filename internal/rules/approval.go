package rules

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Approver is a person who may approve an outgoing statement.
type Approver struct {
	Email  string
	Person string // display name, "" when unknown
	// Role is the role that makes them an approver: "ad", "chair", or
	// "override" when it comes from the configuration.
	Role string
	// Group is the acronym the role is on (e.g. the WG, its area, "ietf",
	// "iab"), or the overridden From group.
	Group string
	// For lists the From groups this person may approve for.
	For []string
}

// ApprovalError says that a From group has no approver.
type ApprovalError struct {
	Group string // the From group's acronym
	Msg   string // the sentence for the user, citation included
}

func (e *ApprovalError) Error() string { return e.Msg }

// Approvers returns everyone who may approve an outgoing statement sent by
// the groups in from (acronyms), per 4053bis §4.1 as the product brief
// states it:
//
//   - a working group: an AD of that WG's area, i.e. the WG's responsible
//     AD (role "ad" on the WG) and the ADs of its parent area (role "ad" on
//     the area), without duplicates;
//   - an area: its ADs ("at least one of the responsible ADs");
//   - the IETF or the IESG: the IETF Chair (role "chair" on "ietf");
//   - the IAB: the IAB Chair (role "chair" on "iab"), who gives "IAB
//     approval";
//   - a research group, another SDO or any other group: nobody (see
//     [CanOriginate]).
//
// overrides (from the configuration, acronym → e-mail addresses) replaces
// the computed list for a group; it also covers groups missing from dir,
// but never makes a research group or an SDO a sender.
//
// With several From groups, every eligible approver of every From group is
// returned (all are asked), and the statement needs one approval for each
// group from that group's own approvers ([AwaitingApproval]). This
// deliberately differs from the Datatracker, which intersects the approver
// sets and so often notifies nobody (ietf-tools/datatracker#9457). A person
// who may approve for several From groups appears once, with all of them in
// For; the list is in From-group order, then role order.
//
// The error is non-nil when from is empty or when some From group cannot
// send or has no approver at all; it then joins one *[OriginError] or
// *[ApprovalError] per such group, each naming the group and, where the role
// data is the problem, the configuration key that can fix it. The approvers
// that were found are returned even then, so the caller can decide whether
// the others suffice.
func Approvers(dir Directory, from []string, overrides map[string][]string) ([]Approver, error) {
	from = dedupe(from)
	if len(from) == 0 {
		return nil, errors.New(cite("Name at least one From group", secContacts))
	}
	var out []Approver
	var errs []error
	for _, acr := range from {
		found, err := approversOf(dir, acr, overrides)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, a := range found {
			i := slices.IndexFunc(out, func(o Approver) bool { return key(o.Email) == key(a.Email) })
			if i < 0 {
				a.For = []string{acr}
				out = append(out, a)
			} else if !slices.ContainsFunc(out[i].For, func(f string) bool { return key(f) == key(acr) }) {
				out[i].For = append(out[i].For, acr)
			}
		}
	}
	return out, errors.Join(errs...)
}

// overrideFor finds a group's override, matching the acronym
// case-insensitively.
func overrideFor(overrides map[string][]string, acronym string) ([]string, bool) {
	if v, ok := overrides[acronym]; ok {
		return v, true
	}
	for k, v := range overrides {
		if key(k) == key(acronym) {
			return v, true
		}
	}
	return nil, false
}

// approversOf computes the approvers of one From group.
func approversOf(dir Directory, acronym string, overrides map[string][]string) ([]Approver, error) {
	g, known := dir.GroupByAcronym(acronym)
	if known {
		if err := CanOriginate(g); err != nil {
			return nil, err // no override makes a research group or an SDO a sender
		}
	}
	if emails, ok := overrideFor(overrides, acronym); ok && len(dedupe(emails)) > 0 {
		var out []Approver
		for _, e := range dedupe(emails) {
			out = append(out, Approver{Email: e, Person: dir.PersonName(e), Role: "override", Group: acronym})
		}
		return out, nil
	}
	if !known {
		return nil, &ApprovalError{Group: acronym, Msg: cite(fmt.Sprintf(
			"%s is not in the role data, so nobody can approve for it; check the acronym, or name its approvers under approvals.overrides.%s in the config",
			acronym, key(acronym)), secApproval)}
	}
	var roles []Role
	var where string
	switch levelOf(g) {
	case levelWG:
		roles = append(dir.RolesOf(g.Acronym, RoleAD), dir.RolesOf(g.Parent, RoleAD)...)
		if g.Parent != "" {
			where = fmt.Sprintf("the role data has no responsible AD for it and no AD for its area %s", strings.ToUpper(g.Parent))
		} else {
			where = "the role data has no responsible AD for it and no parent area"
		}
	case levelArea:
		where = "the role data has no AD for it"
		roles = dir.RolesOf(g.Acronym, RoleAD)
	case levelIETF:
		roles = dir.RolesOf("ietf", RoleChair)
		where = "the role data has no IETF Chair (chair of ietf)"
	case levelIAB:
		roles = dir.RolesOf("iab", RoleChair)
		where = "the role data has no IAB Chair (chair of iab)"
	}
	var out []Approver
	for _, r := range roles {
		if slices.ContainsFunc(out, func(o Approver) bool { return key(o.Email) == key(r.Email) }) {
			continue
		}
		out = append(out, Approver{Email: r.Email, Person: r.Person, Role: r.Name, Group: r.Group})
	}
	if len(out) == 0 {
		return nil, &ApprovalError{Group: acronym, Msg: cite(fmt.Sprintf(
			"Nobody can approve for %s: %s; list the approvers under approvals.overrides.%s in the config",
			DisplayAcronym(g), where, key(acronym)), secApproval)}
	}
	return out, nil
}

// AwaitingApproval lists the From groups of a statement that no approval
// in approvedBy (the e-mails of those who approved) covers yet. 4053bis
// §4.1 asks AD approval "to ensure that those writing such statements ...
// are truly representing IETF views": a joint statement speaks for each of
// its groups, so each needs an approval from its own approvers. A person
// who is an approver for several of the groups covers all of them with one
// approval. (The Datatracker instead asks one approver able to approve for
// every group at once, which often is nobody.) Groups without any approver
// are reported by [Approvers], not here.
func AwaitingApproval(dir Directory, from []string, overrides map[string][]string, approvedBy []string) []string {
	list, _ := Approvers(dir, from, overrides)
	var out []string
	for _, acr := range dedupe(from) {
		covered := slices.ContainsFunc(list, func(a Approver) bool {
			return slices.ContainsFunc(a.For, func(f string) bool { return key(f) == key(acr) }) &&
				slices.ContainsFunc(approvedBy, func(e string) bool { return key(e) == key(a.Email) })
		})
		hasApprover := slices.ContainsFunc(list, func(a Approver) bool {
			return slices.ContainsFunc(a.For, func(f string) bool { return key(f) == key(acr) })
		})
		if !covered && hasApprover {
			out = append(out, acr)
		}
	}
	return out
}

// CanApprove reports whether email is among the [Approvers] of a statement
// sent by from (4053bis §4.1). Groups without approvers are ignored, so a
// person who may approve for one From group may approve the statement.
func CanApprove(dir Directory, email string, from []string, overrides map[string][]string) bool {
	if key(email) == "" {
		return false
	}
	list, _ := Approvers(dir, from, overrides)
	return slices.ContainsFunc(list, func(a Approver) bool { return key(a.Email) == key(email) })
}

// CanSubmit reports whether email may draft, edit and submit an outgoing
// statement sent by the groups in from (4053bis §3.2: "IETF participants
// (usually WG chairs or ADs)"; chairs' FAQ: "WG chairs, Area Directors, and
// liaison managers can enter new outgoing liaison statements"; product
// brief). It is true when email
//
//   - is in admins, the bot administrators' e-mail addresses (the config
//     lists administrators as chat user IDs; a caller that has matched the
//     chat user itself can pass []string{email}), or
//   - holds the liaison_coordinator role (IAB liaison coordinators act for
//     any group), or
//   - is a liaison manager (role liaiman on any SDO), per the FAQ, or
//   - may speak for every From group: a chair or secretary of it, an AD of
//     it (for a WG also an AD of its parent area), or its approver under
//     [Approvers] without overrides (the IETF Chair for ietf and iesg, the
//     IAB Chair for iab).
//
// Every From group is required, not just one: otherwise the chair of one
// WG could add another WG as co-sender. Research groups, SDOs and unknown
// groups can never be spoken for. Whether the draft may be sent at all is
// [Check]'s business.
func CanSubmit(dir Directory, email string, from []string, admins []string) bool {
	return key(email) != "" && len(dedupe(from)) > 0 && CannotSpeakFor(dir, email, from, admins) == nil
}

// CannotSpeakFor lists the From groups that email may not speak for under
// the rules of [CanSubmit]: nil when it may submit for all of them, all of
// them for an unknown identity. A refusal can then name the groups that
// are missing rather than deny a role the person plainly holds in another.
func CannotSpeakFor(dir Directory, email string, from []string, admins []string) []string {
	from = dedupe(from)
	if key(email) == "" {
		return from
	}
	if slices.ContainsFunc(admins, func(a string) bool { return key(a) == key(email) }) ||
		dir.HasRole(email, RoleLiaisonCoordinator, "") || dir.HasRole(email, RoleLiaisonManager, "") {
		return nil
	}
	var out []string
	for _, acr := range from {
		if !speaksFor(dir, email, acr) {
			out = append(out, acr)
		}
	}
	return out
}

// speaksFor reports whether email holds a role that lets it draft for the
// group acronym.
func speaksFor(dir Directory, email, acronym string) bool {
	g, ok := dir.GroupByAcronym(acronym)
	if !ok || CanOriginate(g) != nil {
		return false
	}
	for _, r := range []string{RoleChair, RoleSecretary, RoleAD} {
		if dir.HasRole(email, r, g.Acronym) {
			return true
		}
	}
	return CanApprove(dir, email, []string{g.Acronym}, nil)
}

// PendingWindow: statements pending in the Datatracker that were submitted
// longer ago are not brought to their approvers (nor listed by `mine`).
// The Datatracker's pending list keeps forgotten statements for years; a
// first start must not message approvers about those.
const PendingWindow = 30 * 24 * time.Hour
