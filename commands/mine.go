package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/render"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// mineVerb answers "what waits on me": one place for everything a person
// has to act on, which the Datatracker does not offer (an AD's pending
// approvals, a chair's deadlines and drafts are on different pages).
func mineVerb() *Verb {
	return &Verb{
		Name:    "mine",
		Summary: "what waits on you: approvals, deadlines of your groups, your drafts and reports",
		Help: "Lists, for you: chat drafts waiting for your approval (4053bis §4.1), or, for an IAB liaison coordinator while " +
			"approvals.coordinator_review is on, for your review; unanswered For Action statements " +
			"addressed to groups you chair or are secretary of, with their deadlines (§5.1: the chairs ensure a response); " +
			"your own drafts and where each stands; your reports of statements received outside the Datatracker that are " +
			"not yet recorded (§3.1). Needs your Datatracker identity.",
		Run: runMine,
	}
}

// mineDeadlineDays is how far ahead mine looks for deadlines; overdue ones
// are listed for as long as the reminders run.
const mineDeadlineDays = 30

func runMine(r *Request) error {
	if len(r.Parsed.Args) > 0 {
		return Usagef("mine takes no arguments.")
	}
	if err := r.requireIdentity("have things waiting on you"); err != nil {
		return err
	}
	doc, _, err := r.mine()
	if err != nil {
		return err
	}
	return r.Reply(doc)
}

// Mine is what waits on user (whose Email must be known): the answer to
// `mine`, and the body of the opt-in digest. Empty is true when nothing
// waits.
func Mine(ctx context.Context, q store.Q, env *Env, user chat.User) (doc chat.Doc, empty bool, err error) {
	r := &Request{Ctx: ctx, Q: q, Env: env, Event: chat.Event{Platform: env.Platform, Sender: user}, Log: env.Log}
	return r.mine()
}

func (r *Request) mine() (chat.Doc, bool, error) {
	email := r.Event.Sender.Email
	dir, err := LoadDirectory(r.Ctx, r.Q)
	if err != nil {
		return chat.Doc{}, false, err
	}
	drafts, err := r.Q.OpenDrafts(r.Ctx, r.Env.Platform, "")
	if err != nil {
		return chat.Doc{}, false, err
	}
	doc := chat.NewDoc(chat.P(chat.B("🗂 What waits on you"), chat.T(" ("+email+")")))
	empty := true
	section := func(title string, items [][]chat.Span) {
		if len(items) == 0 {
			return
		}
		empty = false
		doc.Add(chat.P(chat.B(title)), chat.List(items...))
	}

	// Approvals: submitted drafts where a From group the person approves
	// for still waits.
	var approvals [][]chat.Span
	for _, d := range drafts {
		if d.State != rules.DraftSubmitted || !rules.CanApprove(dir, email, d.FromGroups, r.Env.overrides()) {
			continue
		}
		missing, mineToGive, err := awaiting(r.Ctx, r.Q, r.Env, dir, d, email)
		if err != nil {
			return chat.Doc{}, false, err
		}
		var forGroups []string
		for _, g := range mineToGive {
			if slices.Contains(missing, g) {
				forGroups = append(forGroups, g)
			}
		}
		if len(forGroups) == 0 {
			continue
		}
		approvals = append(approvals, chat.Item(chat.B(DraftLabel(d.ID)), chat.T(fmt.Sprintf(" %s — from %s; your approval is needed for %s%s. ",
			oneLine(d.Subject), dir.Display(d.FromGroups), dir.Display(forGroups), since(d.SubmittedAt, r.Env.now()))),
			chat.C("/liaison show "+DraftLabel(d.ID))))
	}
	section("Waiting for your approval (4053bis §4.1)", approvals)

	// Statements pending in the Datatracker that the person may approve
	// there (the Datatracker's pending tab, which its own mail seldom
	// points anyone to: ietf-tools/datatracker#9457).
	pend, err := r.Q.PendingStatements(r.Ctx, r.Env.now().Add(-rules.PendingWindow))
	if err != nil {
		return chat.Doc{}, false, err
	}
	pg, err := r.Q.GroupsOf(r.Ctx, pend)
	if err != nil {
		return chat.Doc{}, false, err
	}
	var pendingItems [][]chat.Span
	for _, s := range pend {
		from := pg.Acronyms(s.FromGroups)
		if len(from) == 0 || !rules.CanApprove(dir, email, from, r.Env.overrides()) {
			continue
		}
		pendingItems = append(pendingItems, chat.Item(render.Ref(r.base(), s.ID), chat.T(fmt.Sprintf(" %s — from %s%s: press Approve on its page.",
			oneLine(s.Title), dir.Display(from), since(s.SubmittedAt, r.Env.now())))))
	}
	section("Pending in the Datatracker, waiting for your approval there (4053bis §4.1)", pendingItems)

	// Reviews: with approvals.coordinator_review on, submitted drafts no
	// coordinator has reviewed yet, for a coordinator.
	var reviews [][]chat.Span
	if rv := r.Env.review(); rv.Required && rules.IsCoordinator(dir, email, rv.Extra) {
		for _, d := range drafts {
			if d.State != rules.DraftSubmitted {
				continue
			}
			rd, _, _, err := readiness(r.Ctx, r.Q, r.Env, dir, d)
			if err != nil {
				return chat.Doc{}, false, err
			}
			if !rd.AwaitingReview {
				continue
			}
			reviews = append(reviews, chat.Item(chat.B(DraftLabel(d.ID)), chat.T(fmt.Sprintf(" %s — from %s%s. ",
				oneLine(d.Subject), dir.Display(d.FromGroups), since(d.SubmittedAt, r.Env.now()))),
				chat.C("/liaison review "+DraftLabel(d.ID))))
		}
	}
	section("Waiting for your review as IAB liaison coordinator (approvals.coordinator_review)", reviews)

	// Deadlines of For Action statements addressed to groups they chair.
	var chaired []string
	for _, role := range dir.RolesOfPerson(email) {
		if role.Name == rules.RoleChair || role.Name == rules.RoleSecretary {
			chaired = append(chaired, strings.ToLower(role.Group))
		}
	}
	var deadlines [][]chat.Span
	if len(chaired) > 0 {
		today := r.Env.Today()
		seen := map[int64]bool{}
		for _, acr := range chaired {
			g, err := r.Q.GroupByAcronym(r.Ctx, acr)
			if err != nil {
				return chat.Doc{}, false, err
			}
			if g == nil {
				continue
			}
			list, err := r.Q.Unanswered(r.Ctx, today.AddDays(-overdueHorizonDays).Time(time.UTC), today.AddDays(mineDeadlineDays).Time(time.UTC), g.ID)
			if err != nil {
				return chat.Doc{}, false, err
			}
			var ss []*store.Statement
			for _, tr := range list {
				if !seen[tr.Statement.ID] && slices.Contains(tr.Statement.ToGroups, g.ID) {
					seen[tr.Statement.ID] = true
					ss = append(ss, tr.Statement)
				}
			}
			c, err := r.Q.GroupsOf(r.Ctx, ss, rules.RoleChair, rules.RoleLiaisonManager)
			if err != nil {
				return chat.Doc{}, false, err
			}
			for _, s := range ss {
				deadlines = append(deadlines, r.trackedLine(s, today, c))
			}
		}
	}
	section(fmt.Sprintf("Unanswered For Action statements to your groups, due within %d days or overdue (4053bis §5.1)", mineDeadlineDays), deadlines)

	// Their own drafts.
	var own [][]chat.Span
	for _, d := range drafts {
		if !strings.EqualFold(d.AuthorID, r.Event.Sender.ID) {
			continue
		}
		own = append(own, chat.Item(chat.B(DraftLabel(d.ID)), chat.T(fmt.Sprintf(" %s — %s", oneLine(d.Subject), draftNext(d)))))
	}
	section("Your drafts", own)

	// Their open reports of statements received outside the Datatracker.
	reps, err := r.Q.OpenReceived(r.Ctx, r.Env.Platform)
	if err != nil {
		return chat.Doc{}, false, err
	}
	var reports [][]chat.Span
	for _, rep := range reps {
		if rep.Reporter != r.Event.Sender.ID {
			continue
		}
		reports = append(reports, chat.Item(chat.B(fmt.Sprintf("#%d", rep.ID)), chat.T(fmt.Sprintf(" from %s: %s — not yet in the Datatracker%s.",
			rep.FromBody, oneLine(rep.Subject), since(&rep.CreatedAt, r.Env.now())))))
	}
	section("Your reports of statements received directly, not yet recorded (4053bis §3.1)", reports)

	if empty {
		doc.Add(chat.P(chat.T("Nothing waits on you.")))
	}
	return doc, empty, nil
}

// draftNext says where a draft stands and what comes next, briefly.
func draftNext(d *store.Draft) string {
	switch d.State {
	case rules.DraftDraft:
		return "a draft: complete it and submit it (/liaison show " + DraftLabel(d.ID) + " lists what is missing)"
	case rules.DraftSubmitted:
		return "waiting for approval"
	case rules.DraftApproved:
		return "approved: enter it in the Datatracker"
	case rules.DraftReturned:
		return "returned: " + oneLine(d.RejectReason) + "; edit it and submit it again"
	}
	return string(d.State)
}

// since is " (submitted 3 days ago)"-style age of t, or "".
func since(t *time.Time, now time.Time) string {
	if t == nil {
		return ""
	}
	days := int(now.Sub(*t).Hours() / 24)
	switch {
	case days <= 0:
		return " (since today)"
	case days == 1:
		return " (since yesterday)"
	}
	return fmt.Sprintf(" (for %d days)", days)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
