package rules

import "testing"

// Every state × event pair: what it leads to ("" = not allowed) and who
// may cause it.
func TestLifecycleEveryStateAndEvent(t *testing.T) {
	const (
		W = ActorAuthor | ActorSubmitter | ActorAdmin
		S = ActorSubmitter | ActorAdmin
		A = ActorApprover
		D = ActorDatatracker
		C = ActorCoordinator
	)
	type cell struct {
		to DraftState
		by Actor
	}
	want := map[DraftState]map[DraftEvent]cell{
		DraftDraft: {
			EventEdit: {DraftDraft, W}, EventSubmit: {DraftSubmitted, S}, EventWithdraw: {DraftWithdrawn, W},
		},
		DraftSubmitted: {
			EventEdit: {DraftDraft, W}, EventApprove: {DraftApproved, A}, EventReview: {DraftApproved, C},
			EventReject: {DraftReturned, A}, EventWithdraw: {DraftWithdrawn, W},
		},
		DraftApproved: {
			EventEdit: {DraftDraft, W}, EventUndecide: {DraftSubmitted, A | C}, EventWithdraw: {DraftWithdrawn, W},
			EventRecord: {DraftRecorded, D},
		},
		DraftReturned: {
			EventEdit: {DraftDraft, W}, EventSubmit: {DraftSubmitted, S}, EventUndecide: {DraftSubmitted, A},
			EventWithdraw: {DraftWithdrawn, W},
		},
		DraftWithdrawn: {},
		DraftRecorded:  {},
	}
	if len(want) != len(DraftStates()) {
		t.Fatalf("the test covers %d states, the lifecycle has %d", len(want), len(DraftStates()))
	}
	pairs := 0
	for _, s := range DraftStates() {
		for _, e := range DraftEvents() {
			pairs++
			w, allowed := want[s][e]
			tr, ok := Next(s, e)
			if ok != allowed {
				t.Errorf("%s × %s: allowed=%v, want %v", s, e, ok, allowed)
				continue
			}
			if !ok {
				continue
			}
			if tr.To != w.to || tr.By != w.by {
				t.Errorf("%s × %s → %s by %b, want %s by %b", s, e, tr.To, tr.By, w.to, w.by)
			}
			if tr.Section == "" {
				t.Errorf("%s × %s cites no section", s, e)
			}
			for _, a := range []Actor{ActorAuthor, ActorSubmitter, ActorApprover, ActorAdmin, ActorDatatracker, ActorCoordinator} {
				if tr.Allows(a) != (w.by&a != 0) {
					t.Errorf("%s × %s: Allows(%b) = %v", s, e, a, tr.Allows(a))
				}
			}
		}
	}
	if pairs != 6*8 {
		t.Errorf("%d pairs checked", pairs)
	}
	for _, s := range DraftStates() {
		if got, err := ParseDraftState(string(s)); err != nil || got != s {
			t.Errorf("ParseDraftState(%q) = %q, %v", s, got, err)
		}
		if s.Final() != (len(want[s]) == 0) {
			t.Errorf("%s.Final() = %v", s, s.Final())
		}
	}
	if _, err := ParseDraftState("returned"); err == nil {
		t.Error("the database's text for a returned draft is \"rejected\"; \"returned\" parsed")
	}
}
