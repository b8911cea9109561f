package store_test

import (
	"context"
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// Each approval row records the role its giver acted under: approver by
// default (every row before the coordinator review), coordinator for the
// IAB liaison coordinator review, nothing else.
func TestApprovalActedAs(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	d := &store.Draft{Platform: "console", Room: "r", AuthorID: "a"}
	if err := st.CreateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*store.Approval{
		{DraftID: d.ID, Revision: 1, Decision: "approve", ApproverID: "ad", ApproverEmail: "ad@example.org"},
		{DraftID: d.ID, Revision: 1, Decision: "approve", ApproverID: "co", ApproverEmail: "co@example.org", ActedAs: store.ActedAsCoordinator},
	} {
		if err := st.AddApproval(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	aps, err := st.ActiveApprovals(ctx, d.ID, 1)
	if err != nil || len(aps) != 2 {
		t.Fatalf("%v %v", aps, err)
	}
	if aps[0].ActedAs != store.ActedAsApprover || aps[0].IsReview() || aps[1].ActedAs != store.ActedAsCoordinator || !aps[1].IsReview() {
		t.Errorf("roles read back: %q %q", aps[0].ActedAs, aps[1].ActedAs)
	}
	if err := st.AddApproval(ctx, &store.Approval{DraftID: d.ID, Revision: 1, Decision: "approve", ApproverID: "x", ApproverEmail: "x@example.org", ActedAs: "chair"}); err == nil {
		t.Error("a role other than approver or coordinator was stored")
	}
}
