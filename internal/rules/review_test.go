package rules

import (
	"slices"
	"strings"
	"testing"
)

func TestCoordinators(t *testing.T) {
	dir := testDir()
	got := Coordinators(dir, []string{" extra@example.org", "COORD@example.org"})
	var emails []string
	for _, a := range got {
		emails = append(emails, a.Email+"/"+a.Role)
	}
	if want := "coord@example.org/liaison_coordinator,extra@example.org/config"; strings.Join(emails, ",") != want {
		t.Errorf("coordinators %v, want %s", emails, want)
	}
	if !IsCoordinator(dir, "Coord@Example.org", nil) || !IsCoordinator(dir, "extra@example.org", []string{"extra@example.org"}) {
		t.Error("a coordinator is not recognised")
	}
	if IsCoordinator(dir, "ad-one@example.org", nil) || IsCoordinator(dir, "", []string{""}) {
		t.Error("a non-coordinator is recognised")
	}
	// The role counts on iab only (the Datatracker's IAB liaison
	// coordination), not on another group.
	other := NewDirectory(nil, []Role{{Name: RoleLiaisonCoordinator, Group: "ietf", Email: "x@example.org"}})
	if IsCoordinator(other, "x@example.org", nil) {
		t.Error("a liaison_coordinator role outside iab made a coordinator")
	}
}

// Readiness = the §4.1 approvals AND (review off OR one coordinator
// review), and in which role a ✅ counts (liaison-tooling-2025a: "only one
// Approver and one IAB Liaison Coordinator need to provide an
// affirmative"; one ✅ is one affirmative).
func TestReadinessAndActAs(t *testing.T) {
	base := testDir()
	var groups []Group
	for _, g := range base.groups {
		groups = append(groups, g)
	}
	// both@ is an AD of sec (approves for lamps) and, when configured, a
	// coordinator.
	dir := NewDirectory(groups, append(slices.Clone(base.roles), Role{Name: RoleAD, Group: "sec", Email: "both@example.org", Person: "Both Roles"}))
	on := Review{Required: true}
	both := Review{Required: true, Extra: []string{"both@example.org"}}
	cases := []struct {
		name       string
		from       []string
		review     Review
		approvedBy []string
		reviewedBy []string
		actor      string
		// what the state is, and what actor's ✅ would count as
		awaiting []string
		review_  bool
		ready    bool
		actAs    string
	}{
		{"review off: the AD's approval suffices", []string{"teas"}, Review{}, []string{"ad-one@example.org"}, nil, "coord@example.org",
			nil, false, true, ""},
		{"review off: a coordinator's ✅ counts for nothing", []string{"teas"}, Review{}, nil, nil, "coord@example.org",
			[]string{"teas"}, false, false, ""},
		{"review off: the AD approves", []string{"teas"}, Review{}, nil, nil, "ad-two@example.org",
			[]string{"teas"}, false, false, ActingApprover},
		{"review on: approved but not reviewed is not ready", []string{"teas"}, on, []string{"ad-one@example.org"}, nil, "coord@example.org",
			nil, true, false, ActingCoordinator},
		{"review on: reviewed but not approved is not ready", []string{"teas"}, on, nil, []string{"coord@example.org"}, "ad-two@example.org",
			[]string{"teas"}, false, false, ActingApprover},
		{"review on: approval and review make it ready", []string{"teas"}, on, []string{"ad-two@example.org"}, []string{"coord@example.org"}, "coord@example.org",
			nil, false, true, ""},
		{"review on: a review by a non-coordinator does not count", []string{"teas"}, on, []string{"ad-two@example.org"}, []string{"ad-two@example.org"}, "pat@example.org",
			nil, true, false, ""},
		{"review on: a configured coordinator reviews", []string{"teas"}, Review{Required: true, Extra: []string{"pat@example.org"}}, []string{"ad-one@example.org"}, nil, "pat@example.org",
			nil, true, false, ActingCoordinator},
		{"review on: a second review is not needed", []string{"teas"}, on, nil, []string{"coord@example.org"}, "coord@example.org",
			[]string{"teas"}, false, false, ""},
		{"review on: an approver's further ✅ is one more approval", []string{"teas"}, on, []string{"ad-one@example.org"}, nil, "ad-two@example.org",
			nil, true, false, ActingApprover},
		{"joint: review and one group are not enough", []string{"teas", "lamps"}, on, []string{"ad-one@example.org"}, []string{"coord@example.org"}, "coord@example.org",
			[]string{"lamps"}, false, false, ""},
		{"both roles: the ✅ approves while their group waits", []string{"lamps"}, both, nil, nil, "both@example.org",
			[]string{"lamps"}, true, false, ActingApprover},
		{"both roles: after approving, the ✅ reviews", []string{"teas", "lamps"}, both, []string{"both@example.org"}, nil, "both@example.org",
			[]string{"teas"}, true, false, ActingCoordinator},
		{"both roles: one person's approval and review make it ready", []string{"lamps"}, both, []string{"both@example.org"}, []string{"both@example.org"}, "both@example.org",
			nil, false, true, ActingApprover},
		{"both roles, review off: only an approver", []string{"lamps"}, Review{Extra: []string{"both@example.org"}}, []string{"both@example.org"}, nil, "both@example.org",
			nil, false, true, ActingApprover},
		{"unknown identity", []string{"teas"}, on, nil, nil, "",
			[]string{"teas"}, true, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rd := DraftReadiness(dir, c.from, nil, c.review, c.approvedBy, c.reviewedBy)
			if !slices.Equal(rd.AwaitingGroups, c.awaiting) || rd.AwaitingReview != c.review_ || rd.Ready() != c.ready {
				t.Errorf("readiness %+v ready=%v, want groups %v review %v ready %v", rd, rd.Ready(), c.awaiting, c.review_, c.ready)
			}
			if got := ActAs(dir, c.actor, c.from, nil, c.review, c.approvedBy, c.reviewedBy); got != c.actAs {
				t.Errorf("ActAs(%s) = %q, want %q", c.actor, got, c.actAs)
			}
		})
	}
}
