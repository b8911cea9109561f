package rules

import "fmt"

// The lifecycle of an outgoing statement's draft in the bot, before it is
// recorded in the Datatracker (4053bis §4: the sender drafts, the approver
// of the sending body approves, §4.1: an edit voids the approvals given so
// far). One table says which event moves a draft from which state to
// which, and who may cause it; the handlers ask it instead of comparing
// state strings.

// DraftState is a draft's state. The values are the text kept in the
// database (draft.state); this is the one place they are spelled.
type DraftState string

const (
	// DraftDraft is being written; it may be edited and submitted.
	DraftDraft DraftState = "draft"
	// DraftSubmitted waits for the approvers' decision (§4.1).
	DraftSubmitted DraftState = "submitted"
	// DraftApproved is approved and waits to be recorded in the Datatracker.
	DraftApproved DraftState = "approved"
	// DraftReturned was sent back by an approver (stored as "rejected").
	DraftReturned DraftState = "rejected"
	// DraftWithdrawn was abandoned by its author or the sending body.
	DraftWithdrawn DraftState = "withdrawn"
	// DraftRecorded is recorded in the Datatracker as a statement: final.
	DraftRecorded DraftState = "recorded"
)

// DraftStates lists every state, in lifecycle order.
func DraftStates() []DraftState {
	return []DraftState{DraftDraft, DraftSubmitted, DraftApproved, DraftReturned, DraftWithdrawn, DraftRecorded}
}

// ParseDraftState maps the database's text to a state.
func ParseDraftState(s string) (DraftState, error) {
	for _, st := range DraftStates() {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("rules: unknown draft state %q", s)
}

// Final reports whether nothing may happen to a draft in s any more.
func (s DraftState) Final() bool { return s == DraftWithdrawn || s == DraftRecorded }

// DraftEvent is something that happens to a draft.
type DraftEvent string

const (
	EventEdit     DraftEvent = "edit"     // a field or the body changes (§4.1 voids approvals)
	EventSubmit   DraftEvent = "submit"   // asked for approval (§4.1)
	EventApprove  DraftEvent = "approve"  // an approver approves (§4.1)
	EventReview   DraftEvent = "review"   // an IAB liaison coordinator reviews (approvals.coordinator_review)
	EventReject   DraftEvent = "reject"   // an approver sends it back
	EventUndecide DraftEvent = "undecide" // the approver withdraws their decision (reaction removed)
	EventWithdraw DraftEvent = "withdraw" // the draft is abandoned
	EventRecord   DraftEvent = "record"   // the statement appears in the Datatracker
)

// DraftEvents lists every event.
func DraftEvents() []DraftEvent {
	return []DraftEvent{EventEdit, EventSubmit, EventApprove, EventReview, EventReject, EventUndecide, EventWithdraw, EventRecord}
}

// Actor is who may cause a transition; several combine with |.
type Actor uint8

const (
	// ActorAuthor wrote the draft.
	ActorAuthor Actor = 1 << iota
	// ActorSubmitter may speak for the From groups (a chair, §4).
	ActorSubmitter
	// ActorApprover is an approver of the From groups (§4.1).
	ActorApprover
	// ActorAdmin is a configured bot admin.
	ActorAdmin
	// ActorDatatracker is the mirror seeing the statement recorded.
	ActorDatatracker
	// ActorCoordinator is an IAB liaison coordinator ([Coordinators]).
	ActorCoordinator
)

// Transition is one row of the lifecycle table.
type Transition struct {
	From  DraftState
	Event DraftEvent
	To    DraftState
	By    Actor
	// Section of 4053bis the rule follows (or the public source, for
	// the coordinator review).
	Section string
}

// Allows reports whether one of the actors may cause t.
func (t Transition) Allows(a Actor) bool { return t.By&a != 0 }

const (
	writers   = ActorAuthor | ActorSubmitter | ActorAdmin
	approvers = ActorApprover
)

// lifecycle is the table. A pair (state, event) not in it is not allowed.
var lifecycle = []Transition{
	{DraftDraft, EventEdit, DraftDraft, writers, "§4"},
	{DraftSubmitted, EventEdit, DraftDraft, writers, "§4.1"},
	{DraftApproved, EventEdit, DraftDraft, writers, "§4.1"},
	{DraftReturned, EventEdit, DraftDraft, writers, "§4.1"},

	{DraftDraft, EventSubmit, DraftSubmitted, ActorSubmitter | ActorAdmin, "§4.1"},
	{DraftReturned, EventSubmit, DraftSubmitted, ActorSubmitter | ActorAdmin, "§4.1"},

	// Approval and review lead to approved once the draft is ready
	// ([DraftReadiness]): every From group approved and, when the review
	// is on, the review given; until then the draft stays submitted.
	{DraftSubmitted, EventApprove, DraftApproved, approvers, "§4.1"},
	{DraftSubmitted, EventReview, DraftApproved, ActorCoordinator, "liaison-tooling-2025a"},
	{DraftSubmitted, EventReject, DraftReturned, approvers, "§4.1"},
	{DraftApproved, EventUndecide, DraftSubmitted, approvers | ActorCoordinator, "§4.1"},
	{DraftReturned, EventUndecide, DraftSubmitted, approvers, "§4.1"},

	{DraftDraft, EventWithdraw, DraftWithdrawn, writers, "§4"},
	{DraftSubmitted, EventWithdraw, DraftWithdrawn, writers, "§4"},
	{DraftApproved, EventWithdraw, DraftWithdrawn, writers, "§4"},
	{DraftReturned, EventWithdraw, DraftWithdrawn, writers, "§4"},

	{DraftApproved, EventRecord, DraftRecorded, ActorDatatracker, "§4.2"},
}

// Next looks up what event does to a draft in state from; ok is false when
// the event is not allowed in that state.
func Next(from DraftState, event DraftEvent) (Transition, bool) {
	for _, t := range lifecycle {
		if t.From == from && t.Event == event {
			return t, true
		}
	}
	return Transition{}, false
}
