package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// The IAB liaison coordinator review (approvals.coordinator_review, issue
// 16; ietf-tools/liaison-tooling-2025a: "only one Approver and one IAB
// Liaison Coordinator need to provide an affirmative").

const (
	benchCoord  = "ines@example.org" // liaison_coordinator of iab
	benchCoord2 = "jon@example.org"  // another one
)

// reviewBench is a draftBench with the IAB and two liaison coordinators,
// coordinator review on, and D1 (from teas) submitted, its request posted
// as message "$request".
type reviewBench struct {
	*draftBench
	h     *Approvals
	reqID int64
	n     int
}

func newReviewBench(t *testing.T, extra ...string) *reviewBench {
	t.Helper()
	ctx := context.Background()
	b := newDraftBench(t)
	check(t, b.st.UpsertGroups(ctx, []store.Group{{ID: 7, Acronym: "iab", Name: "Internet Architecture Board", Type: "ietf", State: "active"}}))
	check(t, b.st.UpsertPersons(ctx, []store.Person{{ID: 5, Name: "Ines Coord"}, {ID: 6, Name: "Jon Coord"}}))
	check(t, b.st.ReplaceRoles(ctx, []store.Role{
		{ID: 1, Name: "chair", GroupID: 1985, PersonID: 1, Email: benchChair},
		{ID: 2, Name: "ad", GroupID: 10, PersonID: 2, Email: benchAD},
		{ID: 5, Name: rules.RoleLiaisonCoordinator, GroupID: 7, PersonID: 5, Email: benchCoord},
		{ID: 6, Name: rules.RoleLiaisonCoordinator, GroupID: 7, PersonID: 6, Email: benchCoord2},
	}))
	b.d.Env.Config.Approvals.CoordinatorReview = true
	b.d.Env.Config.Approvals.Coordinators = extra
	b.run(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus"
The body.`)
	wantIn(t, b.run(benchChair, "/liaison submit D1"), "D1 (revision 1) submitted")
	rb := &reviewBench{draftBench: b, h: &Approvals{Env: b.d.Env}}
	check(t, b.st.Pool.QueryRow(ctx, `SELECT id FROM outbox WHERE kind = 'approval' LIMIT 1`).Scan(&rb.reqID))
	check(t, b.st.MarkSent(ctx, rb.reqID, chat.Sent{Room: benchRoom, ID: "$request"}))
	return rb
}

// react adds (or with remove, takes away) a reaction of email on the
// request.
func (b *reviewBench) react(email, key, reactionID string, remove bool) {
	b.t.Helper()
	b.n++
	kind := chat.EventReaction
	if remove {
		kind = chat.EventReactionRemove
	}
	evt := chat.Event{Platform: "console", Kind: kind, ID: fmt.Sprintf("react%d", b.n), Room: benchRoom, Target: "$request",
		Key: key, ReactionID: reactionID, Sender: chat.User{ID: "user-" + email, Email: email}}
	ctx := context.Background()
	if err := b.st.Tx(ctx, func(q store.Q) error { return b.h.HandleReaction(NewRequest(ctx, q, b.d.Env, evt, "reaction")) }); err != nil {
		b.t.Fatal(err)
	}
}

// card is the request as last edited (the live card).
func (b *reviewBench) card() string {
	b.t.Helper()
	var raw []byte
	if err := b.st.Pool.QueryRow(context.Background(), `SELECT payload FROM outbox WHERE kind = 'edit' AND edit_of = $1 ORDER BY id DESC LIMIT 1`,
		b.reqID).Scan(&raw); err != nil {
		b.t.Fatalf("no card edit: %v", err)
	}
	var msg chat.Outgoing
	if err := json.Unmarshal(raw, &msg); err != nil {
		b.t.Fatal(err)
	}
	return msg.Body.Plain()
}

// count counts queued messages containing substr.
func (b *reviewBench) count(substr string) int {
	b.t.Helper()
	var n int
	if err := b.st.Pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE payload::text LIKE '%' || $1 || '%'`, substr).Scan(&n); err != nil {
		b.t.Fatal(err)
	}
	return n
}

// roles lists the standing affirmatives as "email as role".
func (b *reviewBench) roles() string {
	b.t.Helper()
	aps, err := b.st.ActiveApprovals(context.Background(), 1, b.draft(1).Revision)
	if err != nil {
		b.t.Fatal(err)
	}
	var out []string
	for _, a := range aps {
		out = append(out, a.ApproverEmail+" as "+a.ActedAs)
	}
	return strings.Join(out, ", ")
}

// With the review on, a draft approved by its AD but not reviewed is not
// ready; the review completes it; the card shows both; the role each
// person acted under is recorded.
func TestCoordinatorReviewCompletesTheApproval(t *testing.T) {
	b := newReviewBench(t)
	var req []byte
	if err := b.st.Pool.QueryRow(context.Background(), `SELECT payload FROM outbox WHERE id = $1`, b.reqID).Scan(&req); err != nil {
		t.Fatal(err)
	}
	var msg chat.Outgoing
	if err := json.Unmarshal(req, &msg); err != nil {
		t.Fatal(err)
	}
	wantIn(t, msg.Body.Plain(), "Status: waiting for an approval for teas. IAB liaison coordinator review: waiting.",
		"IAB liaison coordinators, one of whom reviews it", "Ines Coord", "Jon Coord", "/liaison review D1")

	// The AD approves: not ready without the review.
	b.react(benchAD, chat.KeyApprove, "ad-ok", false)
	if d := b.draft(1); d.State != rules.DraftSubmitted {
		t.Fatalf("approved by its AD, not reviewed: the draft is %s, want submitted", d.State)
	}
	wantIn(t, b.card(), "⏳ Status: waiting for the IAB liaison coordinator review; approved by Adam AD (AD rtg) on ",
		"IAB liaison coordinator review: waiting.")
	if n := b.count("/liaison/add/outgoing/"); n != 0 {
		t.Errorf("%d hand-offs before the review", n)
	}
	if n := b.count("Still waiting for the IAB liaison coordinator review"); n != 1 {
		t.Errorf("the thread was told %d times what it waits for", n)
	}

	// Someone who is no coordinator cannot review.
	wantIn(t, b.run(benchChair, "/liaison review D1"), "Only the IAB liaison coordinators", "Ines Coord, Jon Coord", "changes nothing")

	// A coordinator's ✅ is the review: ready, and the author is told.
	b.react(benchCoord, chat.KeyApprove, "coord-ok", false)
	if d := b.draft(1); d.State != rules.DraftApproved {
		t.Fatalf("approved and reviewed: the draft is %s", d.State)
	}
	if got, want := b.roles(), benchAD+" as approver, "+benchCoord+" as coordinator"; got != want {
		t.Errorf("roles recorded: %s, want %s", got, want)
	}
	card := b.card()
	wantIn(t, card, "✅ Status: approved by Adam AD (AD rtg) on ",
		"IAB liaison coordinator review: given by Ines Coord (IAB liaison coordinator) on ", "Next: the author enters it")
	if n := strings.Count(card, "Status:"); n != 1 {
		t.Errorf("the card has %d status lines:\n%s", n, card)
	}
	if n := b.count("Adam AD approved D1 (revision 1) and Ines Coord reviewed it as IAB liaison coordinator"); n != 1 {
		t.Errorf("%d hand-offs naming both, want 1", n)
	}
	wantIn(t, b.run(benchChair, "/liaison show D1"), "Status: approved by Adam AD", "review: given by Ines Coord (IAB liaison coordinator)")

	// One review is enough: another coordinator is told so, once.
	b.react(benchCoord2, chat.KeyApprove, "jon-ok", false)
	if n := b.explained(benchCoord2); n != 1 {
		t.Errorf("a ✅ on an approved draft was explained %d times", n)
	}
	if got := b.roles(); strings.Contains(got, benchCoord2) {
		t.Errorf("a second review was recorded: %s", got)
	}

	// Redacting the review's ✅ withdraws it, as an approval's.
	b.react(benchCoord, "", "coord-ok", true)
	if d := b.draft(1); d.State != rules.DraftSubmitted {
		t.Fatalf("after the review was withdrawn the draft is %s", d.State)
	}
	if n := b.count("withdrew the IAB liaison coordinator review of D1 (revision 1); it is waiting for a coordinator review again"); n != 1 {
		t.Errorf("%d withdrawal notices", n)
	}
	wantIn(t, b.card(), "waiting for the IAB liaison coordinator review", "IAB liaison coordinator review: waiting.")

	// Now the other coordinator's review, by command, completes it again.
	wantIn(t, b.run(benchCoord2, "/liaison review"), "Usage: /liaison review <draft>")
	b.run(benchCoord2, "/liaison review D1")
	if d := b.draft(1); d.State != rules.DraftApproved {
		t.Fatalf("after /liaison review the draft is %s", d.State)
	}
	wantIn(t, b.card(), "review: given by Jon Coord (IAB liaison coordinator)")
	wantIn(t, b.run(benchCoord, "/liaison review D1"), "D1 is approved, not waiting for review")
}

// The review may come first; the approval then completes the draft. A
// coordinator's second ✅ or ❌ is told once why it changes nothing.
func TestCoordinatorReviewFirst(t *testing.T) {
	b := newReviewBench(t)
	b.react(benchCoord, "👍", "thumbs", false)
	if n := b.count("only ✅ counts as your review"); n != 1 {
		t.Errorf("the coordinator's 👍 explained %d times", n)
	}
	b.run(benchCoord, "/liaison review D1")
	if d := b.draft(1); d.State != rules.DraftSubmitted {
		t.Fatalf("reviewed but not approved: %s", d.State)
	}
	wantIn(t, b.card(), "⏳ Status: waiting for an approval for teas.", "IAB liaison coordinator review: given by Ines Coord")
	wantIn(t, b.run(benchCoord, "/liaison review D1"), "already given by Ines Coord")
	b.react(benchCoord2, chat.KeyReject, "jon-no", false)
	b.react(benchCoord2, chat.KeyApprove, "jon-ok", false)
	if n := b.explained(benchCoord2); n != 1 {
		t.Errorf("the second coordinator was told %d times, want once", n)
	}
	wantIn(t, b.run(benchCoord2, "/liaison approve D1"), "Only the approvers of teas", "As IAB liaison coordinator you give the review")
	b.run(benchAD, "/liaison approve D1")
	if d := b.draft(1); d.State != rules.DraftApproved {
		t.Fatalf("reviewed, then approved: %s", d.State)
	}
	if got, want := b.roles(), benchCoord+" as coordinator, "+benchAD+" as approver"; got != want {
		t.Errorf("roles recorded: %s, want %s", got, want)
	}
}

// explained counts the messages telling email why a reaction changed
// nothing.
func (b *reviewBench) explained(email string) int {
	b.t.Helper()
	var n int
	if err := b.st.Pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE txn_key = $1`, "explain/1/user-"+email).Scan(&n); err != nil {
		b.t.Fatal(err)
	}
	return n
}

// A person who is both an approver and a coordinator gives the two
// separately: their ✅ is the approval; the review takes `review`.
func TestApproverWhoIsCoordinatorGivesBothSeparately(t *testing.T) {
	b := newReviewBench(t, benchAD)
	b.react(benchAD, chat.KeyApprove, "ad-ok", false)
	if d := b.draft(1); d.State != rules.DraftSubmitted {
		t.Fatalf("one ✅ from a person holding both roles made the draft %s", d.State)
	}
	if got := b.roles(); got != benchAD+" as approver" {
		t.Errorf("roles: %s", got)
	}
	b.run(benchAD, "/liaison review D1")
	if d := b.draft(1); d.State != rules.DraftApproved {
		t.Fatalf("approval and review by one person, explicitly: %s", d.State)
	}
	if got, want := b.roles(), benchAD+" as approver, "+benchAD+" as coordinator"; got != want {
		t.Errorf("roles: %s, want %s", got, want)
	}
	wantIn(t, b.card(), "approved by Adam AD (AD rtg)", "review: given by Adam AD (IAB liaison coordinator)")
}

// Nobody to review: the submit is refused naming the key; with the review
// off the verb says so and nothing else changes.
func TestCoordinatorReviewWithoutCoordinatorsAndOff(t *testing.T) {
	b := newDraftBench(t)
	b.d.Env.Config.Approvals.CoordinatorReview = true
	b.run(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus"
The body.`)
	wantIn(t, b.run(benchChair, "/liaison submit D1"), "cannot be submitted", "approvals.coordinators", "liaison_coordinator")
	if d := b.draft(1); d.State != rules.DraftDraft {
		t.Fatalf("submitted without anyone to review: %s", d.State)
	}
	b.d.Env.Config.Approvals.CoordinatorReview = false
	b.run(benchChair, "/liaison submit D1")
	wantIn(t, b.run(benchAD, "/liaison review D1"), "Coordinator review is off")
	b.run(benchAD, "/liaison approve D1")
	if d := b.draft(1); d.State != rules.DraftApproved {
		t.Fatalf("review off: the AD's approval left the draft %s", d.State)
	}
}

// mine lists the drafts waiting for a coordinator's review.
func TestMineListsReviews(t *testing.T) {
	b := newReviewBench(t)
	wantIn(t, b.run(benchCoord, "/liaison mine"), "Waiting for your review as IAB liaison coordinator", "D1", "/liaison review D1")
	b.run(benchCoord2, "/liaison review D1")
	if out := b.run(benchCoord, "/liaison mine"); strings.Contains(out, "Waiting for your review") {
		t.Errorf("a reviewed draft is still listed:\n%s", out)
	}
}

// The store spells the acting roles as the rules do.
func TestStoreActingRolesAreTheRules(t *testing.T) {
	if store.ActedAsApprover != rules.ActingApprover || store.ActedAsCoordinator != rules.ActingCoordinator {
		t.Error("store and rules spell the acting roles differently")
	}
}
