package commands

import (
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/rules"
)

// The draft states the store and commands use are the lifecycle table's
// own (no second spelling), and each round-trips through the text kept in
// draft.state.
func TestStoreDraftStatesAreTheLifecycles(t *testing.T) {
	for _, s := range []rules.DraftState{rules.DraftDraft, rules.DraftSubmitted, rules.DraftApproved, rules.DraftReturned,
		rules.DraftWithdrawn, rules.DraftRecorded} {
		if got, err := rules.ParseDraftState(string(s)); err != nil || got != s {
			t.Errorf("store state %q is not a lifecycle state (%v)", s, err)
		}
	}
	// The approval decisions are the lifecycle's events.
	if rules.DraftEvent("approve") != rules.EventApprove || rules.DraftEvent("reject") != rules.EventReject {
		t.Error("approval decisions and lifecycle events differ")
	}
}
