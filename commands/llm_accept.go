package commands

import (
	"fmt"

	"github.com/liaisonbot/liaisonbot/internal/store"
)

// /liaison accept applies the stored polishing proposal to the draft's
// body through the one draft edit path (ApplyDraftEdit): the sender must
// be allowed to edit the draft, the edit is a new revision and approvals
// of earlier revisions are voided (4053bis §4.1: approval binds to the
// exact text).

func acceptVerb(h *llmVerbs) *Verb {
	return &Verb{
		Name:    "accept",
		Args:    "<draft>",
		Summary: "make the body proposed by /liaison polish the draft's body",
		Help: "Applies the last proposal of /liaison polish to the draft, if the draft has not changed since. This is an " +
			"edit like /liaison edit: only those who may edit the draft can do it, it makes a new revision, and approvals " +
			"given on earlier revisions no longer count (4053bis §4.1).",
		Run: h.accept,
	}
}

func (h *llmVerbs) accept(r *Request) error {
	if off, err := h.off(r); off {
		return err
	}
	if len(r.Parsed.Args) != 1 {
		return Usagef("Give the draft's number, like D7.")
	}
	d, err := r.loadDraft(r.Parsed.Args[0])
	if err != nil {
		return err
	}
	p, err := r.Q.DraftProposalOf(r.Ctx, d.ID)
	if err != nil {
		return err
	}
	label := DraftLabel(d.ID)
	switch {
	case p == nil:
		r.Result = "not_found"
		return r.Replyf("There is no proposal for %s: run /liaison polish %s first.", label, label)
	case p.AcceptedAt != nil:
		r.Result = "refused"
		return r.Replyf("The proposal for %s was already accepted.", label)
	case p.Revision != d.Revision:
		r.Result = "refused"
		return r.Replyf("%s has changed since the proposal was made (revision %d, now %d), so it was not applied. Run /liaison polish %s again.",
			label, p.Revision, d.Revision, label)
	}
	err = ApplyDraftEdit(r, d, func(d *store.Draft) error {
		d.Body = p.Body
		return nil
	})
	if err != nil {
		return err
	}
	r.Detail = map[string]any{"draft": d.ID, "revision": d.Revision, "from_revision": p.Revision, "model": p.Model}
	if err := r.Q.MarkDraftProposalAccepted(r.Ctx, d.ID); err != nil {
		return fmt.Errorf("mark proposal accepted: %w", err)
	}
	return nil
}
