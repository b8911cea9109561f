package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/metrics"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// Approvals handles reactions on approval requests (4053bis §4.1): ✅ from
// an approver approves the revision the request is for, ❌ returns the
// draft to its author, removing the ✅ before the statement is recorded
// withdraws the approval. With approvals.coordinator_review on, a ✅ from
// an IAB liaison coordinator is the review the draft also needs
// (rules.ActAs says in which role a ✅ counts). Anything else changes
// nothing, is audited, and the reactor is told why once.
type Approvals struct{ Env *Env }

// HandleReaction implements ReactionHandler.
func (a *Approvals) HandleReaction(r *Request) error {
	ctx, q, evt := r.Ctx, r.Q, r.Event
	if evt.Kind == chat.EventReactionRemove {
		return a.removed(r)
	}
	req, err := q.ApprovalRequestByMessage(ctx, a.Env.Platform, evt.Target)
	if err != nil || req == nil {
		return err // not a reaction on an approval request
	}
	// The same reaction delivered again (a platform replaying it under
	// another event ID) must not decide twice.
	if evt.ReactionID != "" {
		prev, err := q.ApprovalByReaction(ctx, evt.ReactionID)
		if err != nil {
			return err
		}
		if prev != nil && prev.WithdrawnAt == nil && prev.VoidedAt == nil {
			return nil
		}
	}
	d, err := q.DraftByID(ctx, req.DraftID, true)
	if err != nil || d == nil {
		return err
	}
	auditReaction := func(result, why string) error {
		return q.AddAudit(ctx, store.Audit{Platform: a.Env.Platform, Actor: evt.Sender.ID, ActorEmail: evt.Sender.Email, Room: evt.Room,
			Action: "reaction", Args: evt.Key, Result: result,
			Detail: map[string]any{"draft": d.ID, "revision": req.Revision, "draft_revision": d.Revision, "state": d.State, "why": why, "reaction_id": evt.ReactionID}})
	}
	decision := ""
	switch evt.Key {
	case chat.KeyApprove:
		decision = "approve"
	case chat.KeyReject:
		decision = "reject"
	}
	dir, err := LoadDirectory(ctx, q)
	if err != nil {
		return err
	}
	email := evt.Sender.Email
	approver := rules.CanApprove(dir, email, d.FromGroups, a.Env.overrides())
	coordinator := a.Env.review().Required && rules.IsCoordinator(dir, email, a.Env.review().Extra)
	actAs := rules.ActingApprover
	why := ""
	switch {
	case decision == "":
		// Any other emoji is an ordinary reaction, audited; only an
		// approver (or reviewing coordinator) who may still decide is
		// told what counts (a 👍 or ✔️ from them is most likely meant as
		// an approval).
		if d.State != rules.DraftSubmitted || req.Revision != d.Revision || email == "" || (!approver && !coordinator) {
			return auditReaction("ignored", "not ✅ or ❌")
		}
		if approver {
			why = "only ✅ approves (and ❌ returns the draft to its author); react with ✅ if you approve " + DraftLabel(d.ID) + "."
		} else {
			why = "only ✅ counts as your review as IAB liaison coordinator; react with ✅ if you have reviewed " + DraftLabel(d.ID) + "."
		}
	case d.State != rules.DraftSubmitted || req.Revision != d.Revision:
		why = fmt.Sprintf("%s is %s (revision %d); this request was for revision %d, so reactions on it no longer count.", DraftLabel(d.ID), d.State, d.Revision, req.Revision)
	case email == "":
		why = "the bot does not know your Datatracker e-mail, so your reaction cannot count as an approval."
	case decision == "reject" && !approver:
		why = notApproverText(a.Env, dir, d, email)
	case decision == "approve":
		approvals, reviews, err := standing(ctx, q, d)
		if err != nil {
			return err
		}
		actAs = rules.ActAs(dir, email, d.FromGroups, a.Env.overrides(), a.Env.review(), emailsOf(approvals), emailsOf(reviews))
		switch {
		case actAs != "":
		case coordinator:
			why = reviewGivenText(dir, d, reviews)
		default:
			why = notApproverText(a.Env, dir, d, email)
		}
	}
	if why != "" {
		if err := auditReaction("ignored", why); err != nil {
			return err
		}
		first, err := q.NoteReactionExplained(ctx, d.ID, evt.Sender.ID)
		if err != nil || !first {
			return err
		}
		thread, err := requestThread(ctx, q, req)
		if err != nil {
			return err
		}
		_, err = q.Enqueue(ctx, a.Env.Platform, store.KindNotice, chat.Outgoing{
			Room: req.Room, Thread: thread, Notice: true,
			Body:   chat.NewDoc(chat.P(chat.MSilent(chat.User{ID: evt.Sender.ID, DisplayName: orStr(evt.Sender.DisplayName, evt.Sender.ID)}), chat.T(": your "+evt.Key+" changes nothing: "+why))),
			TxnKey: fmt.Sprintf("explain/%d/%s", d.ID, evt.Sender.ID),
		})
		return err
	}
	if err := auditReaction("counted", decision+" as "+actAs); err != nil {
		return err
	}
	return applyDecision(ctx, q, a.Env, d, evt.Sender, decision, actAs, "", &evt)
}

// removed handles a removed reaction: a standing approval or rejection
// made by that reaction is withdrawn, unless the statement is recorded.
func (a *Approvals) removed(r *Request) error {
	ctx, q, evt := r.Ctx, r.Q, r.Event
	ap, err := q.ApprovalByReaction(ctx, evt.ReactionID)
	if err != nil || ap == nil || ap.WithdrawnAt != nil || ap.VoidedAt != nil {
		return err
	}
	d, err := q.DraftByID(ctx, ap.DraftID, true)
	if err != nil || d == nil {
		return err
	}
	audit := func(result string) error {
		return q.AddAudit(ctx, store.Audit{Platform: a.Env.Platform, Actor: evt.Sender.ID, ActorEmail: evt.Sender.Email, Room: evt.Room,
			Action: "reaction_removed", Result: result,
			Detail: map[string]any{"draft": d.ID, "revision": d.Revision, "state": d.State, "decision": ap.Decision, "approval": ap.ID}})
	}
	if draftState(d).Final() || ap.Revision != d.Revision {
		return audit("ignored")
	}
	if err := q.WithdrawApproval(ctx, ap.ID); err != nil {
		return err
	}
	// What stands without the withdrawn one: an approved draft stays
	// approved only if the approvals (and review) left still make it
	// ready, e.g. a second approval for the same group was withdrawn.
	dir, err := LoadDirectory(ctx, q)
	if err != nil {
		return err
	}
	rd, _, _, err := readiness(ctx, q, a.Env, dir, d)
	if err != nil {
		return err
	}
	name := orStr(evt.Sender.DisplayName, evt.Sender.ID)
	what := "approval"
	switch {
	case ap.Decision == "reject":
		what = "rejection"
	case ap.IsReview():
		what = "IAB liaison coordinator review"
	}
	msg := ""
	switch {
	case ap.Decision == "approve" && d.State == rules.DraftApproved && rd.Ready():
		msg = fmt.Sprintf("↩ %s withdrew their %s of %s (revision %d); the approvals and review still standing keep it approved.",
			name, what, DraftLabel(d.ID), d.Revision)
	case (ap.Decision == "approve" && d.State == rules.DraftApproved) || (ap.Decision == "reject" && d.State == rules.DraftReturned):
		if err := q.SetDraftState(ctx, d.ID, rules.DraftSubmitted, "", ""); err != nil {
			return err
		}
		d.State = rules.DraftSubmitted
		waitsFor := "approval"
		if ap.Decision == "approve" && len(rd.AwaitingGroups) == 0 && rd.AwaitingReview {
			waitsFor = "a coordinator review"
		}
		msg = fmt.Sprintf("↩ %s withdrew the %s of %s (revision %d); it is waiting for %s again. Do not enter it in the Datatracker.",
			name, what, DraftLabel(d.ID), d.Revision, waitsFor)
	case ap.Decision == "approve" && d.State == rules.DraftSubmitted && ap.IsReview():
		msg = fmt.Sprintf("↩ %s withdrew the IAB liaison coordinator review of %s (revision %d); it still needs one.", name, DraftLabel(d.ID), d.Revision)
	case ap.Decision == "approve" && d.State == rules.DraftSubmitted && len(d.FromGroups) > 1:
		// A joint statement's approval for some of its groups (§4.1).
		msg = fmt.Sprintf("↩ %s withdrew their approval of %s (revision %d) for part of its From groups; it still needs an approval for each.",
			name, DraftLabel(d.ID), d.Revision)
	case ap.Decision == "approve" && d.State == rules.DraftSubmitted:
		// Approved, still waiting for the review.
		msg = fmt.Sprintf("↩ %s withdrew their approval of %s (revision %d); it still needs one (4053bis §4.1).", name, DraftLabel(d.ID), d.Revision)
	}
	if err := audit("withdrawn"); err != nil {
		return err
	}
	if msg == "" {
		return nil
	}
	if err := postInApprovalThreads(ctx, q, a.Env, d, chat.Text(msg), fmt.Sprintf("draft/%d/withdrawn-approval/%d", d.ID, ap.ID)); err != nil {
		return err
	}
	return updateCards(ctx, q, a.Env, d, fmt.Sprintf("withdrawn/%d", ap.ID))
}

// Resync implements Resyncer. After the transport lost reaction events
// (a Zulip event queue the server dropped), it reads the reactions that
// stand now on every open approval request and applies what changed, as
// the lost events would have (§4.1): a decision whose reaction is gone is
// withdrawn, then a ✅ or ❌ not yet counted is handled like a new one.
// A reaction added and removed within the gap leaves no trace, as it
// should. The reads happen inside the event's transaction: there are
// only as many as there are drafts waiting.
func (a *Approvals) Resync(r *Request) error {
	ctx, q, evt := r.Ctx, r.Q, r.Event
	lister, ok := a.Env.Chat.(chat.ReactionLister)
	if !ok {
		return nil
	}
	reqs, err := q.OpenApprovalRequests(ctx, a.Env.Platform)
	if err != nil {
		return err
	}
	withdrawn, handled := 0, 0
	for _, req := range reqs {
		// Read back outside the transaction (prepare, then commit).
		now, err := fetch(ctx, "reactions/"+req.Room+"/"+req.MessageID, false, func(ctx context.Context) ([]chat.Reaction, error) {
			return lister.Reactions(ctx, req.Room, req.MessageID)
		})
		if needsNetwork(err) {
			continue
		}
		if errors.Is(err, chat.ErrMessageGone) {
			r.Log.Warn().Err(err).Int64("draft", req.DraftID).Msg("approval request gone; its reactions cannot be read back")
			continue
		}
		if err != nil {
			return err
		}
		standing := map[string]bool{}
		for _, rc := range now {
			standing[rc.ReactionID] = true
		}
		decided, err := q.ReactionApprovals(ctx, req.DraftID, req.Revision, req.MessageID)
		if err != nil {
			return err
		}
		for _, ap := range decided {
			if standing[ap.ReactionID] {
				continue
			}
			who := chat.User{ID: ap.ApproverID, DisplayName: ap.ApproverEmail, Email: ap.ApproverEmail}
			if err := a.removed(r.about(a.lostReaction(evt, req, chat.EventReactionRemove, who, "", ap.ReactionID))); err != nil {
				return err
			}
			withdrawn++
		}
		for _, rc := range now {
			if rc.Key != chat.KeyApprove && rc.Key != chat.KeyReject {
				continue // other emoji change nothing
			}
			if err := a.HandleReaction(r.about(a.lostReaction(evt, req, chat.EventReaction, rc.Sender, rc.Key, rc.ReactionID))); err != nil {
				return err
			}
			handled++
		}
	}
	return q.AddAudit(ctx, store.Audit{Platform: a.Env.Platform, Action: "reactions_resync", Result: "ok",
		Detail: map[string]any{"event": evt.ID, "requests": len(reqs), "gone": withdrawn, "checked": handled}})
}

// lostReaction is the reaction event a transport lost, rebuilt for Resync.
func (a *Approvals) lostReaction(resync chat.Event, req store.ApprovalRequest, kind chat.EventKind, who chat.User, key, reactionID string) chat.Event {
	return chat.Event{Platform: a.Env.Platform, Kind: kind, ID: resync.ID + "/" + reactionID + "/" + string(kind),
		Room: req.Room, Sender: who, Time: resync.Time, Target: req.MessageID, Key: key, ReactionID: reactionID}
}

func (e *Env) overrides() map[string][]string {
	if e.Config == nil {
		return nil
	}
	return e.Config.Approvals.Overrides
}

// review is the configured IAB liaison coordinator review (off without a
// config).
func (e *Env) review() rules.Review {
	if e.Config == nil {
		return rules.Review{}
	}
	return rules.Review{Required: e.Config.Approvals.CoordinatorReview, Extra: e.Config.Approvals.Coordinators}
}

// standing lists the standing affirmatives on d's current revision, split
// by the role they were given in: approvals (4053bis §4.1) and reviews
// (IAB liaison coordinator).
func standing(ctx context.Context, q store.Q, d *store.Draft) (approvals, reviews []store.Approval, err error) {
	aps, err := q.ActiveApprovals(ctx, d.ID, d.Revision)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range aps {
		switch {
		case a.Decision != "approve":
		case a.IsReview():
			reviews = append(reviews, a)
		default:
			approvals = append(approvals, a)
		}
	}
	return approvals, reviews, nil
}

func emailsOf(aps []store.Approval) []string {
	out := make([]string, 0, len(aps))
	for _, a := range aps {
		out = append(out, a.ApproverEmail)
	}
	return out
}

// readiness is what d's current revision still lacks (rules.DraftReadiness),
// with the standing approvals and reviews it was computed from.
func readiness(ctx context.Context, q store.Q, env *Env, dir rules.Directory, d *store.Draft) (rules.Readiness, []store.Approval, []store.Approval, error) {
	approvals, reviews, err := standing(ctx, q, d)
	if err != nil {
		return rules.Readiness{}, nil, nil, err
	}
	return rules.DraftReadiness(dir, d.FromGroups, env.overrides(), env.review(), emailsOf(approvals), emailsOf(reviews)), approvals, reviews, nil
}

// applyDecision records a decision on the current revision, given by
// reaction (the reaction's event) or by command (nil): an approver's
// approval or rejection, or (actedAs coordinator) the IAB liaison
// coordinator review. The draft is approved once it is ready
// (rules.DraftReadiness): every From group approved and, with
// approvals.coordinator_review, the review given, in either order.
func applyDecision(ctx context.Context, q store.Q, env *Env, d *store.Draft, who chat.User, decision, actedAs, reason string, reaction *chat.Event) error {
	ap := &store.Approval{DraftID: d.ID, Revision: d.Revision, Decision: decision, ApproverID: who.ID, ApproverEmail: who.Email, ActedAs: actedAs}
	if reaction != nil {
		ap.ReactionID, ap.ReactionTarget = reaction.ReactionID, reaction.Target
	}
	reactionID := ap.ReactionID
	if err := q.AddApproval(ctx, ap); err != nil {
		return err
	}
	dir, err := LoadDirectory(ctx, q)
	if err != nil {
		return err
	}
	var approvals, reviews []store.Approval
	if decision == "approve" {
		// A joint statement needs an approval for each From group
		// (§4.1), and the review when it is on.
		var rd rules.Readiness
		rd, approvals, reviews, err = readiness(ctx, q, env, dir, d)
		if err != nil {
			return err
		}
		if !rd.Ready() {
			action, head, key := "draft:approved_for", "", fmt.Sprintf("draft/%d/approve-for/%d/%d", d.ID, d.Revision, ap.ID)
			var covered []string
			if ap.IsReview() {
				action, key = "draft:reviewed", fmt.Sprintf("draft/%d/review/%d/%d", d.ID, d.Revision, ap.ID)
				head = fmt.Sprintf("🔎 %s reviewed %s (revision %d) as IAB liaison coordinator. ", orStr(who.DisplayName, who.ID), DraftLabel(d.ID), d.Revision)
			} else {
				if _, covered, err = awaiting(ctx, q, env, dir, d, who.Email); err != nil {
					return err
				}
				head = fmt.Sprintf("✅ %s approved %s (revision %d) for %s. ", orStr(who.DisplayName, who.ID), DraftLabel(d.ID), d.Revision, dir.Display(covered))
			}
			if err := q.AddAudit(ctx, store.Audit{Platform: env.Platform, Actor: who.ID, ActorEmail: who.Email,
				Action: action, Result: "ok",
				Detail: map[string]any{"draft": d.ID, "revision": d.Revision, "for": covered, "awaiting": rd.AwaitingGroups,
					"awaiting_review": rd.AwaitingReview, "acted_as": ap.ActedAs, "reaction_id": reactionID}}); err != nil {
				return err
			}
			doc := chat.NewDoc(chat.P(chat.T(head)))
			doc.Blocks = append(doc.Blocks, awaitingBlocks(env, dir, d, rd)...)
			if err := postInApprovalThreads(ctx, q, env, d, doc, key); err != nil {
				return err
			}
			return updateCards(ctx, q, env, d, fmt.Sprintf("decision/%d", ap.ID))
		}
	}
	state := rules.DraftApproved
	if decision == "reject" {
		state = rules.DraftReturned
	}
	if err := q.SetDraftState(ctx, d.ID, state, who.ID, reason); err != nil {
		return err
	}
	d.State, d.DecidedBy, d.RejectReason = state, who.ID, reason
	if err := q.AddAudit(ctx, store.Audit{Platform: env.Platform, Actor: who.ID, ActorEmail: who.Email,
		Action: "draft:" + map[string]string{"approve": "approved", "reject": "rejected"}[decision], Result: "ok",
		Detail: map[string]any{"draft": d.ID, "revision": d.Revision, "state": d.State, "reason": reason, "reaction_id": reactionID, "acted_as": ap.ActedAs}}); err != nil {
		return err
	}
	author := chat.M(chat.User{ID: d.AuthorID, DisplayName: d.AuthorID, Email: d.AuthorEmail})
	name := orStr(who.DisplayName, who.ID)
	var doc chat.Doc
	if decision == "reject" {
		spans := []chat.Span{chat.T("❌ "), author, chat.T(fmt.Sprintf(": %s returned %s (revision %d) to you", name, DraftLabel(d.ID), d.Revision))}
		if reason != "" {
			spans = append(spans, chat.T(": "+reason))
		}
		spans = append(spans, chat.T(". Edit it and submit it again."))
		doc = chat.NewDoc(chat.P(spans...))
	} else {
		if d.SubmittedAt != nil {
			metrics.ApprovalLatency.Observe(env.Now().Sub(*d.SubmittedAt).Seconds())
		}
		decided := fmt.Sprintf("%s approved %s (revision %d)", name, DraftLabel(d.ID), d.Revision)
		if env.review().Required || len(reviews) > 0 {
			// Both affirmatives, each under its role.
			decided = fmt.Sprintf("%s approved %s (revision %d) and %s reviewed it as IAB liaison coordinator",
				peopleOf(dir, approvals), DraftLabel(d.ID), d.Revision, peopleOf(dir, reviews))
		}
		doc = handoffDoc(dir, d, author, decided, env.datatrackerURL()+outgoingFormPath)
	}
	// The key names the decision itself: an approval given again after a
	// withdrawal is a new decision and is said again.
	if err := postInApprovalThreads(ctx, q, env, d, doc, fmt.Sprintf("draft/%d/%s/%d/%d", d.ID, decision, d.Revision, ap.ID)); err != nil {
		return err
	}
	return updateCards(ctx, q, env, d, fmt.Sprintf("decision/%d", ap.ID))
}

// linkRecorded records that approved draft d became statement sid, says so
// in its approval threads and on its card.
func linkRecorded(ctx context.Context, q store.Q, env *Env, d *store.Draft, sid int64, actor string) error {
	if err := q.MarkDraftRecorded(ctx, d.ID, sid); err != nil {
		return err
	}
	d.State, d.RecordedStatement = rules.DraftRecorded, sid
	if err := q.AddAudit(ctx, store.Audit{Platform: env.Platform, Actor: actor, Action: "draft:recorded", Result: "ok",
		Detail: map[string]any{"draft": d.ID, "revision": d.Revision, "state": d.State, "statement": sid}}); err != nil {
		return err
	}
	if err := postInApprovalThreads(ctx, q, env, d, chat.Text(fmt.Sprintf("📚 %s is recorded in the Datatracker as LS %d. Details: /liaison show %d", DraftLabel(d.ID), sid, sid)),
		fmt.Sprintf("draft/%d/recorded", d.ID)); err != nil {
		return err
	}
	return updateCards(ctx, q, env, d, "recorded")
}

// recordedAs finds the statement an approved draft became: from one of its
// From groups, posted after the approval (a day's slack for the clocks),
// with the most similar subject if similar enough (rules.SameSubject: the
// chair may have touched the subject up when entering it); 0 when none.
// `link D7 <id>` does it by hand.
func recordedAs(ctx context.Context, q store.Q, d *store.Draft) (int64, error) {
	since := d.UpdatedAt
	if d.DecidedAt != nil {
		since = *d.DecidedAt
	}
	cands, err := q.RecordCandidates(ctx, d.FromGroups, since.Add(-24*time.Hour))
	if err != nil {
		return 0, err
	}
	var best int64
	bestSim := 0.0
	for _, c := range cands {
		if sim := rules.SubjectSimilarity(d.Subject, c.Title); rules.SameSubject(d.Subject, c.Title) && sim > bestSim {
			best, bestSim = c.ID, sim
		}
	}
	return best, nil
}

// awaiting works out, from the standing approvals of the draft's current
// revision, which From groups still need an approval (§4.1) and which the
// approver email covers.
func awaiting(ctx context.Context, q store.Q, env *Env, dir rules.Directory, d *store.Draft, email string) (missing, covered []string, err error) {
	approvals, _, err := standing(ctx, q, d)
	if err != nil {
		return nil, nil, err
	}
	missing = rules.AwaitingApproval(dir, d.FromGroups, env.overrides(), emailsOf(approvals))
	if email != "" {
		all := rules.AwaitingApproval(dir, d.FromGroups, env.overrides(), nil)
		notByThem := rules.AwaitingApproval(dir, d.FromGroups, env.overrides(), []string{email})
		for _, g := range all {
			if !slices.Contains(notByThem, g) {
				covered = append(covered, g)
			}
		}
	}
	return missing, covered, nil
}

// awaitingBlocks names what a draft still waits for: the From groups
// without an approval, mentioning their approvers, and the IAB liaison
// coordinator review, mentioning the coordinators: they must act.
func awaitingBlocks(env *Env, dir rules.Directory, d *store.Draft, rd rules.Readiness) []chat.Block {
	ids := env.Identities()
	people := func(spans []chat.Span, list []rules.Approver) chat.Block {
		for i, a := range list {
			if i > 0 {
				spans = append(spans, chat.T(", "))
			}
			spans = append(spans, ids.Person(store.Role{Email: a.Email, PersonName: a.Person}, true))
		}
		return chat.P(append(spans, chat.T("."))...)
	}
	var out []chat.Block
	if len(rd.AwaitingGroups) > 0 {
		list, _ := rules.Approvers(dir, rd.AwaitingGroups, env.overrides())
		out = append(out, people([]chat.Span{chat.T(fmt.Sprintf("Still waiting for an approval for %s (4053bis §4.1: each group's own approvers) from ",
			dir.Display(rd.AwaitingGroups)))}, list))
	}
	if rd.AwaitingReview {
		out = append(out, people([]chat.Span{chat.T("Still waiting for the IAB liaison coordinator review (approvals.coordinator_review, " +
			"as in ietf-tools/liaison-tooling-2025a) from ")}, rules.Coordinators(dir, env.review().Extra)))
	}
	return out
}

// peopleOf names the people who gave aps, as the directory knows them.
func peopleOf(dir rules.Directory, aps []store.Approval) string {
	var names []string
	for _, a := range aps {
		if n := orStr(dir.PersonName(a.ApproverEmail), a.ApproverEmail); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// reviewGivenText tells a coordinator that the one review needed is given.
func reviewGivenText(dir rules.Directory, d *store.Draft, reviews []store.Approval) string {
	return fmt.Sprintf("the IAB liaison coordinator review of %s (revision %d) is already given by %s; one is enough (ietf-tools/liaison-tooling-2025a).",
		DraftLabel(d.ID), d.Revision, peopleOf(dir, reviews))
}

// handoffDoc is the complete field set, ready to paste into the
// Datatracker's outgoing form (every sent statement is recorded there,
// 4053bis §3). decided says who approved (and reviewed) which revision.
func handoffDoc(dir rules.Directory, d *store.Draft, author chat.Span, decided, form string) chat.Doc {
	// A reply's Send-To is the other body's Send-Reply-To; the form has
	// one field for where the statement goes ("To contacts").
	toContacts := d.ToContact
	if strings.TrimSpace(d.SendTo) != "" {
		toContacts = d.SendTo
	}
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%-18s %s\n", k+":", fieldOr(v)) }
	line("From groups", dir.Display(d.FromGroups))
	line("From contact", d.FromContact)
	line("Reply to", d.SendReplyTo)
	line("To groups", dir.Display(d.ToGroups))
	line("To contacts", toContacts)
	if strings.TrimSpace(d.SendTo) != "" {
		line("Cc", d.ToContact)
	}
	line("Purpose", purposeText(d.Purpose))
	line("Deadline", deadlineText(d))
	line("Related to", relatedText(d.Related))
	line("Title", d.Subject)
	line("Attachments", strings.Join(d.Attachments, ", "))
	b.WriteString("Body:\n")
	if utf8.RuneCountInString(d.Body) > bodyPreview {
		// Too long for one message: the chair pastes it from the parts.
		fmt.Fprintf(&b, "(%d characters: paste it from /liaison show %s full)", utf8.RuneCountInString(d.Body), DraftLabel(d.ID))
	} else {
		b.WriteString(d.Body)
	}
	if c := strings.TrimSpace(d.Consensus); c != "" && !strings.Contains(strings.ToLower(d.Body), strings.ToLower(c)) {
		b.WriteString("\n\nThis statement represents: " + c + ".")
	}
	return chat.NewDoc(
		chat.P(chat.T("✅ "), author, chat.T(fmt.Sprintf(": %s. Enter it in the Datatracker so it is recorded and sent (4053bis §3): ",
			decided)), chat.L(form, form)),
		chat.Pre(b.String()),
		chat.P(chat.T("The bot watches the Datatracker and links this draft when the statement appears.")),
	)
}

// requestThread is the thread an approval request opened (on Matrix its
// own event; on Zulip its topic); "" while it is not sent yet.
func requestThread(ctx context.Context, q store.Q, req *store.ApprovalRequest) (string, error) {
	it, err := q.OutboxByID(ctx, req.OutboxID)
	if err != nil || it == nil {
		return "", err
	}
	if it.SentThread != "" {
		return it.SentThread, nil
	}
	return it.SentID, nil
}

// postInApprovalThreads posts doc in the thread of the draft's latest
// approval request in every room it went to; a draft never submitted gets
// it in its own room. A doc that names someone for real (the returned
// draft, the hand-off to its author) is an Alert: that person must act.
func postInApprovalThreads(ctx context.Context, q store.Q, env *Env, d *store.Draft, doc chat.Doc, key string) error {
	reqs, err := q.ApprovalRequestsOf(ctx, d.ID)
	if err != nil {
		return err
	}
	latest := map[string]store.ApprovalRequest{}
	for _, r := range reqs {
		if cur, ok := latest[r.Room]; !ok || r.Revision > cur.Revision {
			latest[r.Room] = r
		}
	}
	if len(latest) == 0 {
		_, err := q.Enqueue(ctx, env.Platform, store.KindNotice, chat.Outgoing{Room: d.Room, Thread: d.Thread, Body: doc, Notice: true, Alert: len(doc.Mentions()) > 0, TxnKey: key + "/" + d.Room})
		return err
	}
	for room, r := range latest {
		thread, err := requestThread(ctx, q, &r)
		if err != nil {
			return err
		}
		if _, err := q.Enqueue(ctx, env.Platform, store.KindNotice, chat.Outgoing{Room: room, Thread: thread, Body: doc, Notice: true, Alert: len(doc.Mentions()) > 0, TxnKey: key + "/" + room}); err != nil {
			return err
		}
	}
	return nil
}

// RecordApprovedDrafts links approved drafts to the statements they became
// once those appear in the mirror (4053bis §3: every sent statement is
// recorded). (Authors of drafts that do not appear are reminded by the
// reminder schedule, internal/reminder.) It returns how many were linked.
func RecordApprovedDrafts(ctx context.Context, q store.Q, env *Env) (int, error) {
	ds, err := q.ApprovedDrafts(ctx)
	if err != nil {
		return 0, err
	}
	linked := 0
	for _, d := range ds {
		if d.Platform != env.Platform {
			continue
		}
		sid, err := recordedAs(ctx, q, d)
		if err != nil {
			return linked, err
		}
		if sid != 0 {
			if err := linkRecorded(ctx, q, env, d, sid, "datatracker"); err != nil {
				return linked, err
			}
			linked++
		}
	}
	return linked, nil
}
