package commands

import (
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// The store spells the draft states as the lifecycle table does (store may
// not import rules; this keeps the one mapping true).
func TestStoreDraftStatesAreTheLifecycles(t *testing.T) {
	for s, r := range map[string]rules.DraftState{
		store.DraftOpen: rules.DraftDraft, store.DraftSubmitted: rules.DraftSubmitted, store.DraftApproved: rules.DraftApproved,
		store.DraftRejected: rules.DraftReturned, store.DraftWithdrawn: rules.DraftWithdrawn, store.DraftRecorded: rules.DraftRecorded,
	} {
		if got, err := rules.ParseDraftState(s); err != nil || got != r {
			t.Errorf("store state %q is lifecycle %q (%v), want %q", s, got, err, r)
		}
	}
	// The approval decisions are the lifecycle's events.
	if rules.DraftEvent("approve") != rules.EventApprove || rules.DraftEvent("reject") != rules.EventReject {
		t.Error("approval decisions and lifecycle events differ")
	}
}
