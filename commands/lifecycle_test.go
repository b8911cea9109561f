package commands

import (
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// The store's draft states are the lifecycle table's (one spelling, the
// text kept in draft.state).
func TestStoreDraftStatesAreTheLifecycles(t *testing.T) {
	for _, s := range []rules.DraftState{store.DraftOpen, store.DraftSubmitted, store.DraftApproved, store.DraftRejected,
		store.DraftWithdrawn, store.DraftRecorded} {
		if got, err := rules.ParseDraftState(string(s)); err != nil || got != s {
			t.Errorf("store state %q is not a lifecycle state (%v)", s, err)
		}
	}
	// The approval decisions are the lifecycle's events.
	if rules.DraftEvent("approve") != rules.EventApprove || rules.DraftEvent("reject") != rules.EventReject {
		t.Error("approval decisions and lifecycle events differ")
	}
}
