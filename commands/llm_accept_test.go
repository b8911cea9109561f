package commands

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/llm/llmfake"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// TestAcceptAppliesProposalThroughEdit: accept makes the proposal the
// body as a new revision through the edit path (approvals of the earlier
// revision voided), only for those who may edit, only while the draft is
// unchanged, and once.
func TestAcceptAppliesProposalThroughEdit(t *testing.T) {
	h := newLLMHarness(t, nil, false)
	fake := llmfake.New(t, "k")
	h.d = New(h.d.Env, LLMVerbs(llmTestClient(t, h.st, fake))...)
	ctx := context.Background()
	if err := h.st.UpsertGroups(ctx, []store.Group{
		{ID: 1, Acronym: "wit", Name: "Web and Internet Transport", Type: "area", State: "active"},
		{ID: 2, Acronym: "quic", Name: "QUIC", Type: "wg", State: "active", ParentID: 1},
		{ID: 3, Acronym: "3gpp-sa2", Name: "3GPP SA2", Type: "sdo", State: "active"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := h.st.ReplaceRoles(ctx, []store.Role{{ID: 1, Name: "chair", GroupID: 2, PersonID: 1, Email: "alice@example.org"}}); err != nil {
		t.Fatal(err)
	}
	h.emails = map[string]string{"@alice:example.org": "alice@example.org", "@bob:example.org": "bob@example.org"}
	d := h.draft("old body")
	if err := h.st.AddApproval(ctx, &store.Approval{DraftID: d.ID, Revision: d.Revision, Decision: "approve",
		ApproverID: "@ad:example.org", ApproverEmail: "ad@example.org"}); err != nil {
		t.Fatal(err)
	}
	label := fmt.Sprintf("D%d", d.ID)

	if got := llmPlainAll(h.run("/liaison accept " + label)); !strings.Contains(got, "There is no proposal for "+label) {
		t.Errorf("accept without a proposal: %s", got)
	}
	h.run("/liaison polish " + label)
	p, _ := h.st.DraftProposalOf(ctx, d.ID)
	if p == nil {
		t.Fatal("no proposal")
	}

	// Someone who may not edit the draft cannot accept it.
	got := llmPlainAll(h.runAs("@bob:example.org", h.room, "/liaison accept "+label))
	if !strings.Contains(got, "⛔") {
		t.Errorf("accept by a non-chair: %s", got)
	}
	if now, _ := h.st.DraftByID(ctx, d.ID, false); now.Body != "old body" {
		t.Errorf("draft changed by a refused accept: %q", now.Body)
	}

	got = llmPlainAll(h.run("/liaison accept " + label))
	now, _ := h.st.DraftByID(ctx, d.ID, false)
	if now.Body != p.Body || now.Revision != d.Revision+1 {
		t.Fatalf("after accept: revision %d body %q; reply %s", now.Revision, now.Body, got)
	}
	if as, _ := h.st.ActiveApprovals(ctx, d.ID, d.Revision); len(as) != 0 {
		t.Errorf("approvals of the earlier revision still stand: %+v", as)
	}
	if p2, _ := h.st.DraftProposalOf(ctx, d.ID); p2.AcceptedAt == nil {
		t.Error("proposal not marked accepted")
	}
	if got := llmPlainAll(h.run("/liaison accept " + label)); !strings.Contains(got, "already accepted") {
		t.Errorf("second accept: %s", got)
	}

	// A proposal made before an edit is not applied over it.
	h.run("/liaison polish " + label)
	now.Body = "edited by hand"
	if _, err := h.st.SaveDraftFields(ctx, now); err != nil {
		t.Fatal(err)
	}
	if got := llmPlainAll(h.run("/liaison accept " + label)); !strings.Contains(got, "has changed since the proposal") {
		t.Errorf("accept of a stale proposal: %s", got)
	}
	if d3, _ := h.st.DraftByID(ctx, d.ID, false); d3.Body != "edited by hand" {
		t.Errorf("stale proposal applied: %q", d3.Body)
	}
}
