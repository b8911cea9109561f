package rules

import (
	"fmt"
	"slices"
	"strings"
)

// The IAB liaison coordinator review. 4053bis asks only for the approvals
// of §4.1; the next Datatracker liaison tool adds a review by an IAB
// liaison coordinator, in parallel (ietf-tools/liaison-tooling-2025a,
// README "Expected workflows"): "Approval and Review can happen in
// parallel. One is not dependent on the other, and only one Approver and
// one IAB Liaison Coordinator need to provide an affirmative", and "The
// role the person is acting under ... will be captured". The bot asks for
// the review only when the operator turns it on
// (approvals.coordinator_review).

// The roles under which a person gives an affirmative, as the database
// keeps them (approval.acted_as).
const (
	// ActingApprover approves for a From group (4053bis §4.1).
	ActingApprover = "approver"
	// ActingCoordinator gives the IAB liaison coordinator review.
	ActingCoordinator = "coordinator"
)

// Review is the configured coordinator review.
type Review struct {
	// Required turns the review on (approvals.coordinator_review).
	Required bool
	// Extra lists configured coordinators' e-mails
	// (approvals.coordinators), besides the Datatracker's liaison
	// coordinators.
	Extra []string
}

// Coordinators lists the IAB liaison coordinators: the holders of the
// Datatracker role liaison_coordinator on the group iab (the role the
// Datatracker added in 2025 for the IAB's liaison coordination; its mail
// alias is liaison-coordination@iab.org), then the configured extra
// e-mails, without duplicates. Role is "liaison_coordinator" or "config".
func Coordinators(dir Directory, extra []string) []Approver {
	var out []Approver
	add := func(a Approver) {
		if key(a.Email) == "" || slices.ContainsFunc(out, func(o Approver) bool { return key(o.Email) == key(a.Email) }) {
			return
		}
		out = append(out, a)
	}
	for _, r := range dir.RolesOf("iab", RoleLiaisonCoordinator) {
		add(Approver{Email: r.Email, Person: r.Person, Role: r.Name, Group: r.Group})
	}
	for _, e := range extra {
		add(Approver{Email: strings.TrimSpace(e), Person: dir.PersonName(e), Role: "config", Group: "iab"})
	}
	return out
}

// IsCoordinator reports whether email is one of the [Coordinators].
func IsCoordinator(dir Directory, email string, extra []string) bool {
	return key(email) != "" && slices.ContainsFunc(Coordinators(dir, extra), func(a Approver) bool { return key(a.Email) == key(email) })
}

// NoCoordinatorError is the sentence for a submit refused because the
// review is on and nobody can give it.
func NoCoordinatorError() error {
	return fmt.Errorf("coordinator review is on (approvals.coordinator_review) but nobody can give it: the role data has no %s of iab; "+
		"list the coordinators under approvals.coordinators in the config (ietf-tools/liaison-tooling-2025a)", RoleLiaisonCoordinator)
}

// Readiness says what a submitted draft still lacks before it may be sent.
type Readiness struct {
	// AwaitingGroups are the From groups without an approval (§4.1).
	AwaitingGroups []string
	// AwaitingReview is true while the review is on and no coordinator
	// has given it.
	AwaitingReview bool
}

// Ready reports whether nothing is missing.
func (r Readiness) Ready() bool { return len(r.AwaitingGroups) == 0 && !r.AwaitingReview }

// DraftReadiness decides whether a submitted draft sent by the groups in
// from is ready: every From group has an approval from its own approvers
// among approvedBy ([AwaitingApproval], 4053bis §4.1), and, when the
// review is on, one of reviewedBy is a coordinator now ([Coordinators]).
// approvedBy are the e-mails of the affirmatives given as approver,
// reviewedBy those given as coordinator: one affirmative counts in the
// role it was given in, never in both.
func DraftReadiness(dir Directory, from []string, overrides map[string][]string, review Review, approvedBy, reviewedBy []string) Readiness {
	r := Readiness{AwaitingGroups: AwaitingApproval(dir, from, overrides, approvedBy)}
	if review.Required {
		r.AwaitingReview = !slices.ContainsFunc(reviewedBy, func(e string) bool { return IsCoordinator(dir, e, review.Extra) })
	}
	return r
}

// ActAs decides in which role a ✅ from email on a submitted draft counts:
// [ActingApprover], [ActingCoordinator] or "" (it counts for nothing).
// One ✅ is one affirmative, given in one role (the tooling asks for "one
// Approver and one IAB Liaison Coordinator"), so a person who holds both
// roles gives them separately:
//
//   - an approver's ✅ is an approval while a From group they approve for
//     still waits for one (4053bis §4.1 comes first);
//   - otherwise a coordinator's ✅ is the review while the review is on
//     and not given yet;
//   - otherwise an approver's ✅ is one more approval (as without review:
//     it changes nothing, and withdrawing it changes nothing);
//   - anything else counts for nothing.
//
// A person who approved and is also a coordinator then gives the review
// explicitly (`/liaison review D7`), and the reverse with `approve`.
func ActAs(dir Directory, email string, from []string, overrides map[string][]string, review Review, approvedBy, reviewedBy []string) string {
	if key(email) == "" {
		return ""
	}
	approver := CanApprove(dir, email, from, overrides)
	coordinator := review.Required && IsCoordinator(dir, email, review.Extra)
	rd := DraftReadiness(dir, from, overrides, review, approvedBy, reviewedBy)
	if approver {
		notByThem := AwaitingApproval(dir, from, overrides, append(slices.Clone(approvedBy), email))
		if len(notByThem) < len(rd.AwaitingGroups) {
			return ActingApprover
		}
	}
	switch {
	case coordinator && rd.AwaitingReview:
		return ActingCoordinator
	case approver:
		return ActingApprover
	}
	return ""
}
