package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// The approval request is a live card: after every outcome the bot edits
// each request message of the draft so that its first line says where the
// draft stands (waiting for which groups, approved by whom and when,
// returned with the reason, withdrawn, void after an edit, recorded as
// LS n). The thread under it keeps the history; the card shows the state
// at a glance. Edits notify nobody; the thread's messages do.

// reviewWaiting is the card's note while the IAB liaison coordinator
// review (approvals.coordinator_review) is not given.
const reviewWaiting = "IAB liaison coordinator review: waiting"

// updateCards queues an edit of every approval request of d. key names the
// outcome (the same outcome queues each edit once).
func updateCards(ctx context.Context, q store.Q, env *Env, d *store.Draft, key string) error {
	reqs, err := q.ApprovalRequestsOf(ctx, d.ID)
	if err != nil || len(reqs) == 0 {
		return err
	}
	dir, err := LoadDirectory(ctx, q)
	if err != nil {
		return err
	}
	for _, req := range reqs {
		item, err := q.OutboxByID(ctx, req.OutboxID)
		if err != nil {
			return err
		}
		if item == nil {
			continue
		}
		status, err := cardStatus(ctx, q, env, dir, d, req)
		if err != nil {
			return err
		}
		card := chat.NewDoc(status)
		card.Blocks = append(card.Blocks, withoutStatus(item.Msg.Body).Blocks...)
		if err := q.EnqueueEdit(ctx, env.Platform, req.OutboxID, req.Room, card,
			fmt.Sprintf("card/%d/%s", req.OutboxID, key)); err != nil {
			return err
		}
	}
	return nil
}

// withoutStatus is a request's text as first posted (the outbox keeps it)
// without its status line, which the card replaces.
func withoutStatus(d chat.Doc) chat.Doc {
	if len(d.Blocks) > 0 && len(d.Blocks[0].Spans) > 0 && strings.Contains(d.Blocks[0].Spans[0].Text, "Status:") {
		d.Blocks = d.Blocks[1:]
	}
	return d
}

// cardStatus is the card's first line for the request req of d.
func cardStatus(ctx context.Context, q store.Q, env *Env, dir rules.Directory, d *store.Draft, req store.ApprovalRequest) (chat.Block, error) {
	label := DraftLabel(d.ID)
	when := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return " on " + t.UTC().Format("2006-01-02 15:04 UTC")
	}
	switch {
	case d.State == rules.DraftRecorded:
		return chat.P(chat.B("📚 Status: recorded"), chat.T(fmt.Sprintf(" in the Datatracker as LS %d%s.", d.RecordedStatement, when(d.RecordedAt)))), nil
	case d.State == rules.DraftWithdrawn:
		return chat.P(chat.B("🗑 Status: withdrawn"), chat.T(fmt.Sprintf(" by its author%s; nothing to approve.", when(d.DecidedAt)))), nil
	case req.Revision != d.Revision:
		return chat.P(chat.B("⛔ Status: void"), chat.T(fmt.Sprintf(": %s was edited after this request (it is now revision %d, %s); "+
			"decisions given here no longer count (4053bis §4.1).", label, d.Revision, d.State))), nil
	}
	aps, err := q.ActiveApprovals(ctx, d.ID, d.Revision)
	if err != nil {
		return chat.Block{}, err
	}
	var approvedBy, reviewedBy []string
	var names, reviewers []string
	for _, a := range aps {
		switch {
		case a.Decision != "approve":
		case a.IsReview():
			reviewedBy = append(reviewedBy, a.ApproverEmail)
			reviewers = append(reviewers, orStr(dir.PersonName(a.ApproverEmail), a.ApproverEmail)+" (IAB liaison coordinator)"+when(&a.At))
		default:
			approvedBy = append(approvedBy, a.ApproverEmail)
			names = append(names, approverName(dir, d, env, a.ApproverEmail)+when(&a.At))
		}
	}
	// Both parts of readiness, each under its role, when the review is on
	// (or was given while it was).
	review := ""
	switch {
	case len(reviewers) > 0:
		review = " IAB liaison coordinator review: given by " + strings.Join(reviewers, "; ") + "."
	case env.review().Required:
		review = " " + reviewWaiting + "."
	}
	switch d.State {
	case rules.DraftApproved:
		return chat.P(chat.B("✅ Status: approved"), chat.T(" by "+strings.Join(names, "; ")+"."+review+
			" Next: the author enters it in the Datatracker, and the bot links it when it appears.")), nil
	case rules.DraftReturned:
		by := d.DecidedBy
		for _, a := range aps {
			if a.Decision == "reject" {
				by = approverName(dir, d, env, a.ApproverEmail) + when(&a.At)
			}
		}
		reason := ""
		if d.RejectReason != "" {
			reason = ": " + d.RejectReason
		}
		return chat.P(chat.B("❌ Status: returned to the author"), chat.T(" by "+by+reason+". Next: edit and submit again.")), nil
	}
	rd := rules.DraftReadiness(dir, d.FromGroups, env.overrides(), env.review(), approvedBy, reviewedBy)
	spans := []chat.Span{chat.B("⏳ Status: waiting"), chat.T(fmt.Sprintf(" for an approval for %s", dir.Display(rd.AwaitingGroups)))}
	so := "so far "
	if len(rd.AwaitingGroups) == 0 && rd.AwaitingReview {
		spans[1], so = chat.T(" for the IAB liaison coordinator review"), ""
	}
	if len(names) > 0 {
		spans = append(spans, chat.T("; approved "+so+"by "+strings.Join(names, "; ")))
	}
	return chat.P(append(spans, chat.T("."+review))...), nil
}

// approverName is "Name (AD rtg)": the person and the role that makes them
// an approver of d.
func approverName(dir rules.Directory, d *store.Draft, env *Env, email string) string {
	name := orStr(dir.PersonName(email), email)
	list, _ := rules.Approvers(dir, d.FromGroups, env.overrides())
	for _, a := range list {
		if strings.EqualFold(a.Email, email) {
			return fmt.Sprintf("%s (%s %s)", name, strings.ToUpper(a.Role), a.Group)
		}
	}
	return name
}
