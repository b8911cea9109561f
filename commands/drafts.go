package commands

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// Outgoing statements drafted in chat (4053bis §2), submitted for approval
// and approved per §4.1. A draft is numbered D<n> so it is never confused
// with a Datatracker statement number.

// outgoingFormPath is where, under datatracker.url, an approved statement
// is entered.
const outgoingFormPath = "/liaison/add/outgoing/"

const fieldsHelp = "Fields (key=value, quote values with spaces): from, to, to_contact, send_to, from_contact, send_reply_to, " +
	"purpose (info, action, response), deadline (YYYY-MM-DD), subject, attachments (comma-separated file names or URLs), " +
	"related (statement number), consensus (e.g. \"WG consensus\", \"based on RFC 9110\", \"collected comments, not consensus\"). " +
	"The lines after the command are the body."

// DraftVerbs are the drafting and approval verbs.
func DraftVerbs() []*Verb {
	return []*Verb{
		{
			Name: "draft", Args: "[from=<acronym>] [field=value ...]", Body: "body",
			Summary: "start an outgoing liaison statement for this room's group",
			Help: "Starts an outgoing statement with the fields of 4053bis §2. From defaults to the group this room follows. " +
				fieldsHelp + " For Comment is retired (§2.2); For Action needs a future deadline (§2.2); In Response needs the related statement (§2.2); " +
				"research groups cannot send statements (§1). Chairs, secretaries and ADs of the From group may draft.",
			RequiresIdentity: "draft statements",
			Run:              runDraft,
		},
		{
			Name: "edit", Args: "<draft> field=value ...", Body: "new body (optional)",
			Summary: "change fields of a draft (voids approvals)",
			Help: "Changes fields of a draft; lines after the command replace the body. " + fieldsHelp +
				" Approval binds to the exact text (4053bis §4.1): an edit after submit voids pending and given approvals, and the draft must be submitted again.",
			Run: runEdit,
		},
		{
			Name: "drafts", Args: "[acronym]",
			Summary: "list open drafts",
			Help:    "Lists drafts not yet recorded or withdrawn, of one From group or of the groups this room follows (all when it follows none).",
			Run:     runDrafts,
		},
		{
			Name: "link", Args: "<draft> <statement id>",
			Summary: "link an approved draft to the statement it became in the Datatracker",
			Help: "Every sent statement is recorded in the Datatracker (4053bis §3). The bot links an approved draft by itself when " +
				"a statement from its group with a similar subject is posted; when it cannot tell, link them by hand: the draft is " +
				"then recorded and its reminders stop. Those who may submit the draft, its approvers and admins.",
			Run: runLink,
		},
		{
			Name: "withdraw", Args: "<draft>",
			Summary: "withdraw a draft",
			Help:    "Withdraws a draft that has not been recorded; its approval request no longer counts.",
			Run:     runWithdraw,
		},
		{
			Name: "reply", Args: "<statement id>",
			Summary: "start an In Response draft answering a statement",
			Help: "Starts an In Response draft pre-filled per 4053bis §2.1: To = the original's From groups, Send-To = the original's " +
				"Send-Reply-To (response contacts), related = the original; From is this room's group when it was addressed.",
			Run: runReply,
		},
		{
			Name: "submit", Args: "<draft>",
			Summary: "ask the approvers to approve a draft",
			Help: "Checks the draft (4053bis §2, §4.2, §4.3), works out who may approve it (§4.1: a WG's responsible AD and the ADs of its " +
				"area; an area's ADs; the IETF Chair for ietf/iesg; the IAB Chair for iab), and posts the approval request in the group's room " +
				"(informing the group before transmission, §4.2) and the approvals room. An approver approves by reacting ✅ (or ❌ to return it). " +
				"A joint statement needs an approval for each From group from that group's own approvers; one person who approves for " +
				"several of them covers them all. (The Datatracker instead waits for one person who may approve for every group at once.) " +
				"With approvals.coordinator_review on, the request also names the IAB liaison coordinators, one of whom must review it (help review).",
			Run: runSubmit,
		},
		{
			Name: "approve", Args: "<draft>",
			Summary: "approve a submitted draft (text alternative to ✅)",
			Help: "Approves the submitted revision of a draft; only its approvers may (4053bis §4.1). For a joint statement your " +
				"approval counts for the From groups you are an approver of; the others still need theirs.",
			Run: runApprove,
		},
		{
			Name: "review", Args: "<draft>",
			Summary: "give the IAB liaison coordinator review of a submitted draft (when the review is on)",
			Help: "When the operator turns on approvals.coordinator_review, a submitted draft is ready only with the approvals of " +
				"4053bis §4.1 and one review by an IAB liaison coordinator (the Datatracker role liaison_coordinator of iab, or " +
				"approvals.coordinators), given in parallel, as in the next Datatracker liaison tool (ietf-tools/liaison-tooling-2025a: " +
				"\"only one Approver and one IAB Liaison Coordinator need to provide an affirmative\"). A coordinator reviews by reacting ✅ " +
				"on the approval request or with this command; removing the ✅ withdraws the review. One ✅ counts once, in one role: " +
				"a coordinator who is also an approver of the draft approves with ✅ while a group of theirs waits, and reviews with this command.",
			RequiresIdentity: "review statements",
			Run:              runReview,
		},
		{
			Name: "reject", Args: "<draft> <reason>",
			Summary: "return a submitted draft to its author, with a reason",
			Help:    "Returns the draft to its author with the reason; only its approvers may (4053bis §4.1).",
			Run:     runReject,
		},
		mineVerb(),
		notifyVerb(),
		statusVerb(),
	}
}

// ParseDraftID reads a draft number ("D7", "d7", "7").
func ParseDraftID(s string) (int64, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "D"), "d")
	s = strings.TrimPrefix(s, "#")
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// DraftLabel is how a draft is named in chat.
func DraftLabel(id int64) string { return fmt.Sprintf("D%d", id) }

// ---- verbs ----

func runDraft(r *Request) error {
	kv, err := FieldArgs(r.Parsed, r.Parsed.Args, draftFieldNames)
	if err != nil {
		return err
	}
	d := &store.Draft{
		Platform: r.Env.Platform, Room: r.Event.Room, Thread: r.Event.Thread,
		AuthorID: r.Event.Sender.ID, AuthorEmail: r.Event.Sender.Email,
		FromContact: r.Event.Sender.Email, Body: strings.TrimSpace(r.Parsed.Body),
	}
	if err := applyFields(d, kv, r.Env.Today()); err != nil {
		return err
	}
	if len(d.FromGroups) == 0 {
		gs, err := r.roomGroups()
		if err != nil {
			return err
		}
		if len(gs) != 1 {
			return Usagef("This room follows %d groups; say which one sends the statement with from=<acronym>.", len(gs))
		}
		d.FromGroups = gs
	}
	return r.createDraft(d, "📝 New draft")
}

// createDraft checks the sender may speak for the From groups, stores the
// draft and shows it.
func (r *Request) createDraft(d *store.Draft, headline string) error {
	dir, err := LoadDirectory(r.Ctx, r.Q)
	if err != nil {
		return err
	}
	for _, a := range d.FromGroups {
		g, ok := dir.GroupByAcronym(a)
		if !ok {
			if msg := r.unreached(); msg != "" {
				return Usagef("%s", msg)
			}
			return Usagef("%q is not a group the bot knows from the Datatracker.", a)
		}
		if err := rules.CanOriginate(g); err != nil {
			r.Result = "denied"
			return Deniedf("%s", err.Error())
		}
	}
	if err := r.requireSubmitter(dir, d.FromGroups, "draft"); err != nil {
		return err
	}
	// Ask the §4.3 look-ups before the insert: a pass that is rolled back
	// for them would otherwise use up a draft number (sequences do not
	// roll back), and the first draft would be D2.
	r.checkDraft(dir, d)
	if incomplete(r.Ctx) {
		return errNeedNetwork
	}
	if err := r.Q.CreateDraft(r.Ctx, d); err != nil {
		return err
	}
	if err := r.audit("draft:created", d, nil); err != nil {
		return err
	}
	r.Detail = map[string]any{"draft": d.ID}
	return r.Reply(r.draftDoc(dir, d, headline))
}

func runReply(r *Request) error {
	if len(r.Parsed.Args) < 1 {
		return Usagef("Name the statement to answer, e.g. 2043.")
	}
	id, ok := ParseID(r.Parsed.Args[0])
	if !ok {
		return Usagef("%q is not a statement number.", r.Parsed.Args[0])
	}
	if err := r.requireIdentity("draft statements"); err != nil {
		return err
	}
	kv, err := FieldArgs(r.Parsed, r.Parsed.Args[1:], draftFieldNames)
	if err != nil {
		return err
	}
	s, err := r.Q.StatementByID(r.Ctx, id)
	if err != nil {
		return err
	}
	if s == nil {
		r.Result = "not_found"
		return r.replyEmpty("LS %d is not in the bot's mirror of the Datatracker (yet).", id)
	}
	groups, err := r.Q.GroupsByID(r.Ctx, append(append([]int64{}, s.FromGroups...), s.ToGroups...))
	if err != nil {
		return err
	}
	acr := func(ids []int64) []string {
		var out []string
		for _, g := range ids {
			if gr, ok := groups[g]; ok {
				out = append(out, strings.ToLower(gr.Acronym))
			}
		}
		return out
	}
	orig := rules.Incoming{ID: s.ID, FromGroups: acr(s.FromGroups), ToGroups: acr(s.ToGroups),
		ResponseContacts: s.ResponseContacts, FromContact: s.FromContact, TechnicalContacts: s.TechnicalContacts, Title: s.Title}
	// From: this room's group when the original was addressed to it.
	var from []string
	if rg, err := r.roomGroups(); err == nil {
		for _, g := range rg {
			if slices.Contains(orig.ToGroups, g) {
				from = append(from, g)
			}
		}
	}
	rd := rules.ReplyDraft(orig, from)
	d := &store.Draft{
		Platform: r.Env.Platform, Room: r.Event.Room, Thread: r.Event.Thread,
		AuthorID: r.Event.Sender.ID, AuthorEmail: r.Event.Sender.Email,
		FromGroups: rd.From, ToGroups: rd.To, ToContact: rd.ToContact, SendTo: rd.SendTo,
		FromContact: r.Event.Sender.Email, Purpose: string(rd.Purpose), Subject: rd.Subject, Related: rd.Related,
		Body: strings.TrimSpace(r.Parsed.Body),
	}
	if err := applyFields(d, kv, r.Env.Today()); err != nil {
		return err
	}
	if len(d.FromGroups) == 0 {
		return Usagef("LS %d was not addressed to a group this room follows; say which group answers with from=<acronym>.", id)
	}
	return r.createDraft(d, fmt.Sprintf("📝 Reply to LS %d drafted:", id))
}

func runEdit(r *Request) error {
	if len(r.Parsed.Args) < 1 {
		return Usagef("Name the draft to edit, e.g. D7.")
	}
	d, err := r.loadDraft(r.Parsed.Args[0])
	if err != nil {
		return err
	}
	kv, err := FieldArgs(r.Parsed, r.Parsed.Args[1:], draftFieldNames)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(r.Parsed.Body)
	if len(kv) == 0 && body == "" {
		return Usagef("Say what to change: field=value, or the new body on the lines after the command.")
	}
	return ApplyDraftEdit(r, d, func(d *store.Draft) error {
		if body != "" {
			d.Body = body
		}
		return applyFields(d, kv, r.Env.Today())
	})
}

// ApplyDraftEdit changes a draft through the one edit path: permission,
// a new revision, approvals of earlier revisions voided (4053bis §4.1:
// approval binds to the exact text) and the approval threads told.
// Used by edit and by accepting a language-model proposal.
func ApplyDraftEdit(r *Request, d *store.Draft, change func(*store.Draft) error) error {
	if !draftAllows(d, rules.EventEdit) {
		return Usagef("%s is %s and can no longer be edited.", DraftLabel(d.ID), d.State)
	}
	dir, err := LoadDirectory(r.Ctx, r.Q)
	if err != nil {
		return err
	}
	if err := r.requireSubmitter(dir, d.FromGroups, "edit"); err != nil {
		return err
	}
	oldFrom := slices.Clone(d.FromGroups)
	if err := change(d); err != nil {
		return err
	}
	if !slices.Equal(oldFrom, d.FromGroups) {
		if err := r.requireSubmitter(dir, d.FromGroups, "edit"); err != nil {
			return err
		}
		for _, a := range d.FromGroups {
			g, ok := dir.GroupByAcronym(a)
			if !ok {
				return Usagef("%q is not a group the bot knows from the Datatracker.", a)
			}
			if err := rules.CanOriginate(g); err != nil {
				return Deniedf("%s", err.Error())
			}
		}
	}
	prevState := d.State
	if _, err := r.Q.SaveDraftFields(r.Ctx, d); err != nil {
		return err
	}
	voided, err := r.Q.VoidApprovals(r.Ctx, d.ID, d.Revision)
	if err != nil {
		return err
	}
	wasPending := prevState == rules.DraftSubmitted || prevState == rules.DraftApproved || prevState == rules.DraftReturned
	if wasPending {
		if err := r.Q.SetDraftState(r.Ctx, d.ID, rules.DraftDraft, "", ""); err != nil {
			return err
		}
		d.State = rules.DraftDraft
		msg := fmt.Sprintf("✏ %s was edited (now revision %d). The approval request for the earlier revision no longer counts", DraftLabel(d.ID), d.Revision)
		if voided > 0 {
			msg += fmt.Sprintf("; %d approval decision(s) given on it are void", voided)
		}
		msg += fmt.Sprintf(" (4053bis §4.1: approval is for the exact text). Submit it again with /liaison submit %s.", DraftLabel(d.ID))
		if err := postInApprovalThreads(r.Ctx, r.Q, r.Env, d, chat.Text(msg), fmt.Sprintf("draft/%d/edited/%d", d.ID, d.Revision)); err != nil {
			return err
		}
		if err := updateCards(r.Ctx, r.Q, r.Env, d, fmt.Sprintf("edited/%d", d.Revision)); err != nil {
			return err
		}
	}
	if err := r.audit("draft:edited", d, map[string]any{"voided": voided, "previous_state": prevState}); err != nil {
		return err
	}
	return r.Reply(r.draftDoc(dir, d, "✏ Edited"))
}

func runShowDraft(r *Request, arg string) error {
	d, err := r.loadDraft(arg)
	if err != nil {
		return err
	}
	dir, err := LoadDirectory(r.Ctx, r.Q)
	if err != nil {
		return err
	}
	return r.Reply(r.draftDoc(dir, d, "📝 Draft"))
}

// runShowDraftFull shows a draft's whole body, in parts that each fit in
// a message.
func runShowDraftFull(r *Request, arg string) error {
	d, err := r.loadDraft(arg)
	if err != nil {
		return err
	}
	parts := bodyParts(d.Body)
	for i, p := range parts {
		head := fmt.Sprintf("Body of %s (revision %d), part %d of %d:", DraftLabel(d.ID), d.Revision, i+1, len(parts))
		if err := r.Reply(chat.NewDoc(chat.P(chat.B(head)), chat.Pre(p))); err != nil {
			return err
		}
	}
	return nil
}

func runDrafts(r *Request) error {
	var groups []string
	if len(r.Parsed.Args) > 0 {
		groups = []string{strings.ToLower(r.Parsed.Args[0])}
	} else {
		gs, err := r.roomGroups()
		if err != nil {
			return err
		}
		groups = gs
	}
	if len(groups) == 0 {
		groups = []string{""}
	}
	var ds []*store.Draft
	for _, g := range groups {
		got, err := r.Q.OpenDrafts(r.Ctx, r.Env.Platform, g)
		if err != nil {
			return err
		}
		for _, d := range got {
			if !slices.ContainsFunc(ds, func(e *store.Draft) bool { return e.ID == d.ID }) {
				ds = append(ds, d)
			}
		}
	}
	if len(ds) == 0 {
		return r.Replyf("No open drafts.")
	}
	items := make([][]chat.Span, 0, len(ds))
	for _, d := range ds {
		items = append(items, chat.Item(chat.B(DraftLabel(d.ID)), chat.T(fmt.Sprintf(" [%s, rev %d] %s → %s: %s",
			d.State, d.Revision, strings.Join(d.FromGroups, ","), strings.Join(d.ToGroups, ","), fieldOr(d.Subject)))))
	}
	return r.Reply(chat.NewDoc(chat.P(chat.B("Open drafts:")), chat.List(items...)))
}

func runWithdraw(r *Request) error {
	if len(r.Parsed.Args) != 1 {
		return Usagef("Name the draft to withdraw, e.g. D7.")
	}
	d, err := r.loadDraft(r.Parsed.Args[0])
	if err != nil {
		return err
	}
	if !draftAllows(d, rules.EventWithdraw) {
		return Usagef("%s is already %s.", DraftLabel(d.ID), d.State)
	}
	dir, err := LoadDirectory(r.Ctx, r.Q)
	if err != nil {
		return err
	}
	if !strings.EqualFold(d.AuthorID, r.Event.Sender.ID) {
		if err := r.requireSubmitter(dir, d.FromGroups, "withdraw"); err != nil {
			return err
		}
	}
	if err := r.Q.SetDraftState(r.Ctx, d.ID, rules.DraftWithdrawn, r.Event.Sender.ID, ""); err != nil {
		return err
	}
	d.State = rules.DraftWithdrawn
	if err := postInApprovalThreads(r.Ctx, r.Q, r.Env, d, chat.Text(fmt.Sprintf("🗑 %s was withdrawn; its approval request no longer counts.", DraftLabel(d.ID))),
		fmt.Sprintf("draft/%d/withdrawn", d.ID)); err != nil {
		return err
	}
	if err := updateCards(r.Ctx, r.Q, r.Env, d, "withdrawn"); err != nil {
		return err
	}
	if err := r.audit("draft:withdrawn", d, nil); err != nil {
		return err
	}
	return r.Replyf("%s withdrawn.", DraftLabel(d.ID))
}

func runSubmit(r *Request) error {
	if len(r.Parsed.Args) != 1 {
		return Usagef("Name the draft to submit, e.g. D7.")
	}
	d, err := r.loadDraft(r.Parsed.Args[0])
	if err != nil {
		return err
	}
	switch {
	case draftState(d) == rules.DraftSubmitted:
		return r.Replyf("%s (revision %d) is already waiting for approval.", DraftLabel(d.ID), d.Revision)
	case !draftAllows(d, rules.EventSubmit):
		return Usagef("%s is %s; it cannot be submitted.", DraftLabel(d.ID), d.State)
	}
	dir, err := LoadDirectory(r.Ctx, r.Q)
	if err != nil {
		return err
	}
	if err := r.requireSubmitter(dir, d.FromGroups, "submit"); err != nil {
		return err
	}
	check := r.checkDraft(dir, d)
	if !check.Complete() {
		r.Result = "incomplete"
		blocks := append([]chat.Block{chat.P(chat.T(fmt.Sprintf("⚠ %s cannot be submitted yet (4053bis §2, §4.2).", DraftLabel(d.ID))))}, checklistBlocks(check)...)
		blocks = append(blocks, chat.P(chat.T("Fix it with "), chat.C(fmt.Sprintf("/liaison edit %s field=value", DraftLabel(d.ID)))))
		return r.Reply(chat.NewDoc(blocks...))
	}
	approvers, err := rules.Approvers(dir, d.FromGroups, r.Env.overrides())
	if len(approvers) == 0 {
		r.Result = "no_approver"
		msg := "nobody may approve it"
		if err != nil {
			msg = err.Error()
		}
		return r.Replyf("⚠ %s cannot be submitted: %s", DraftLabel(d.ID), msg)
	}
	var coordinators []rules.Approver
	if r.Env.review().Required {
		if coordinators = rules.Coordinators(dir, r.Env.review().Extra); len(coordinators) == 0 {
			r.Result = "no_coordinator"
			return r.Replyf("⚠ %s cannot be submitted: %s.", DraftLabel(d.ID), rules.NoCoordinatorError())
		}
	}
	if err := r.Q.SetDraftState(r.Ctx, d.ID, rules.DraftSubmitted, "", ""); err != nil {
		return err
	}
	d.State = rules.DraftSubmitted
	rooms, err := r.Q.RoomsFor(r.Ctx, r.Env.Platform, d.FromGroups)
	if err != nil {
		return err
	}
	if !slices.Contains(rooms, d.Room) {
		rooms = append([]string{d.Room}, rooms...)
	}
	if r.Env.Config != nil && r.Env.Config.ApprovalsRoom != "" && !slices.Contains(rooms, r.Env.Config.ApprovalsRoom) {
		rooms = append(rooms, r.Env.Config.ApprovalsRoom)
	}
	emails := make([]string, 0, len(approvers))
	for _, a := range approvers {
		emails = append(emails, a.Email)
	}
	informed, uninformed, err := r.informedGroups(d.FromGroups, rooms)
	if err != nil {
		return err
	}
	doc := r.approvalRequestDoc(dir, d, approvers, coordinators, check, informed, uninformed)
	for _, room := range rooms {
		id, err := r.Send(store.KindApproval, chat.Outgoing{
			Room: room, NewThread: fmt.Sprintf("%s: %s", DraftLabel(d.ID), d.Subject), Body: doc, Alert: true,
			TxnKey: fmt.Sprintf("approval/%d/%d/%s", d.ID, d.Revision, room),
		}, chat.KeyApprove, chat.KeyReject)
		if err != nil {
			return err
		}
		if err := r.Q.AddApprovalRequest(r.Ctx, store.ApprovalRequest{DraftID: d.ID, Revision: d.Revision, Platform: r.Env.Platform,
			Room: room, OutboxID: id, Approvers: emails}); err != nil {
			return err
		}
	}
	detail := map[string]any{"approvers": emails, "rooms": rooms}
	if r.Env.review().Required {
		var cs []string
		for _, c := range coordinators {
			cs = append(cs, c.Email)
		}
		detail["coordinators"] = cs
	}
	if err := r.audit("draft:submitted", d, detail); err != nil {
		return err
	}
	reply := chat.NewDoc(chat.P(chat.T(fmt.Sprintf("📤 %s (revision %d) submitted. The approval request is being posted in %d room(s); "+
		"if the chat server refuses it, the room is told.", DraftLabel(d.ID), d.Revision, len(rooms)))))
	if len(uninformed) > 0 {
		reply.Add(chat.P(chat.T(fmt.Sprintf("⚠ No room the bot is in follows %s: inform the group yourself before the statement is sent (4053bis §4.2).",
			dir.Display(uninformed)))))
	}
	return r.Reply(reply)
}

// informedGroups splits the From groups into those with a room among rooms
// (the approval request informs them, 4053bis §4.2) and those without.
func (r *Request) informedGroups(from, rooms []string) (informed, uninformed []string, err error) {
	bs, err := r.Q.AllBindings(r.Ctx, r.Env.Platform)
	if err != nil {
		return nil, nil, err
	}
	for _, g := range from {
		if slices.ContainsFunc(bs, func(b store.Binding) bool { return strings.EqualFold(b.Group, g) && slices.Contains(rooms, b.Room) }) {
			informed = append(informed, g)
		} else {
			uninformed = append(uninformed, g)
		}
	}
	return informed, uninformed, nil
}

// approvalRequestDoc is the message approvers (and, with the review on,
// coordinators: nil when off) react to.
func (r *Request) approvalRequestDoc(dir rules.Directory, d *store.Draft, approvers, coordinators []rules.Approver, check rules.Checklist, informed, uninformed []string) chat.Doc {
	ids := r.Env.Identities()
	onlyWho := " Only the approvers' reactions count."
	if coordinators != nil {
		onlyWho = " Only the approvers' and the coordinators' reactions count."
	}
	who := []chat.Span{chat.T("Approvers (4053bis §4.1): ")}
	for i, a := range approvers {
		if i > 0 {
			who = append(who, chat.T(", "))
		}
		who = append(who, ids.Person(store.Role{Email: a.Email, PersonName: a.Person}, true))
		who = append(who, chat.T(fmt.Sprintf(" (%s %s)", strings.ToUpper(a.Role), a.Group)))
	}
	status := fmt.Sprintf(" for an approval for %s.", dir.Display(d.FromGroups))
	if coordinators != nil {
		status += " " + reviewWaiting + "."
	}
	blocks := []chat.Block{
		chat.P(chat.B("⏳ Status: waiting"), chat.T(status)),
		chat.P(chat.T("🗳 Approval requested for outgoing statement "), chat.B(fmt.Sprintf("%s (revision %d)", DraftLabel(d.ID), d.Revision)),
			chat.T(": "), chat.T(d.Subject)),
		draftFields(dir, d),
	}
	if len(informed) > 0 {
		blocks = append(blocks[:2], append([]chat.Block{chat.P(chat.T(fmt.Sprintf("This informs %s before the statement is sent (4053bis §4.2).",
			dir.Display(informed))))}, blocks[2:]...)...)
	}
	if len(uninformed) > 0 {
		blocks = append(blocks, chat.P(chat.T(fmt.Sprintf("⚠ No room the bot is in follows %s, so this request does not inform it (4053bis §4.2).",
			dir.Display(uninformed)))))
	}
	blocks = append(blocks, bodyBlocks(d.ID, d.Body)...)
	if len(check.Warnings) > 0 {
		blocks = append(blocks, checklistBlocks(check)...)
	}
	blocks = append(blocks,
		chat.P(who...),
		chat.P(chat.T("React ✅ to approve or ❌ to return it to the author (or "), chat.C(fmt.Sprintf("/liaison approve %s", DraftLabel(d.ID))),
			chat.T(" / "), chat.C(fmt.Sprintf("/liaison reject %s <reason>", DraftLabel(d.ID))), chat.T(")."+onlyWho)),
	)
	if coordinators != nil {
		// The review, in parallel with the approvals
		// (ietf-tools/liaison-tooling-2025a).
		rev := []chat.Span{chat.T("IAB liaison coordinators, one of whom reviews it (approvals.coordinator_review): ")}
		for i, c := range coordinators {
			if i > 0 {
				rev = append(rev, chat.T(", "))
			}
			rev = append(rev, ids.Person(store.Role{Email: c.Email, PersonName: c.Person}, true))
		}
		blocks = append(blocks, chat.P(rev...),
			chat.P(chat.T("A coordinator reviews with ✅ (or "), chat.C(fmt.Sprintf("/liaison review %s", DraftLabel(d.ID))),
				chat.T(fmt.Sprintf("); %s is ready with the approvals and one review, in either order.", DraftLabel(d.ID)))))
	}
	return chat.NewDoc(blocks...)
}

func runApprove(r *Request) error {
	if len(r.Parsed.Args) != 1 {
		return Usagef("Name the draft to approve, e.g. D7.")
	}
	d, err := r.loadDraft(r.Parsed.Args[0])
	if err != nil {
		return err
	}
	return r.decide(d, "approve", "")
}

func runReject(r *Request) error {
	if len(r.Parsed.Args) < 2 {
		return Usagef("Name the draft and give a reason, e.g. D7 the deadline is too short.")
	}
	d, err := r.loadDraft(r.Parsed.Args[0])
	if err != nil {
		return err
	}
	return r.decide(d, "reject", strings.Join(r.Parsed.Args[1:], " "))
}

// decide applies an approver's decision given by command.
func (r *Request) decide(d *store.Draft, decision, reason string) error {
	if !draftAllows(d, rules.DraftEvent(decision)) {
		return Usagef("%s is %s, not waiting for approval.", DraftLabel(d.ID), d.State)
	}
	if err := r.requireIdentity("approve statements"); err != nil {
		return err
	}
	dir, err := LoadDirectory(r.Ctx, r.Q)
	if err != nil {
		return err
	}
	if !rules.CanApprove(dir, r.Event.Sender.Email, d.FromGroups, r.Env.overrides()) {
		r.Result = "denied"
		if err := r.audit("draft:decision_ignored", d, map[string]any{"decision": decision, "why": "not an approver"}); err != nil {
			return err
		}
		return Deniedf("%s", notApproverText(r.Env, dir, d, r.Event.Sender.Email))
	}
	return applyDecision(r.Ctx, r.Q, r.Env, d, r.Event.Sender, decision, rules.ActingApprover, reason, nil)
}

// notApproverText tells someone who is not an approver of d that their
// approval or rejection changes nothing; a coordinator, while the review
// is on, is told how to give it instead.
func notApproverText(env *Env, dir rules.Directory, d *store.Draft, email string) string {
	list, _ := rules.Approvers(dir, d.FromGroups, env.overrides())
	names := make([]string, 0, len(list))
	for _, a := range list {
		names = append(names, orStr(a.Person, a.Email))
	}
	msg := fmt.Sprintf("Only the approvers of %s may approve or reject %s (4053bis §4.1): %s. %s is not one of them, so this changes nothing.",
		dir.Display(d.FromGroups), DraftLabel(d.ID), strings.Join(names, ", "), email)
	if env.review().Required && rules.IsCoordinator(dir, email, env.review().Extra) {
		msg += fmt.Sprintf(" As IAB liaison coordinator you give the review: ✅ on the request or /liaison review %s.", DraftLabel(d.ID))
	}
	return msg
}

// runReview gives the IAB liaison coordinator review of a submitted draft
// (approvals.coordinator_review; ietf-tools/liaison-tooling-2025a). It is
// recorded as an affirmative given as coordinator, so a person who is
// also an approver gives the two separately.
func runReview(r *Request) error {
	if len(r.Parsed.Args) != 1 {
		return Usagef("Name the draft to review, e.g. D7.")
	}
	d, err := r.loadDraft(r.Parsed.Args[0])
	if err != nil {
		return err
	}
	if !r.Env.review().Required {
		r.Result = "off"
		return r.Replyf("Coordinator review is off (approvals.coordinator_review): %s needs only the approvals of 4053bis §4.1.", DraftLabel(d.ID))
	}
	if !draftAllows(d, rules.EventReview) {
		return Usagef("%s is %s, not waiting for review.", DraftLabel(d.ID), d.State)
	}
	dir, err := LoadDirectory(r.Ctx, r.Q)
	if err != nil {
		return err
	}
	if !rules.IsCoordinator(dir, r.Event.Sender.Email, r.Env.review().Extra) {
		r.Result = "denied"
		if err := r.audit("draft:decision_ignored", d, map[string]any{"decision": "review", "why": "not a coordinator"}); err != nil {
			return err
		}
		var names []string
		for _, c := range rules.Coordinators(dir, r.Env.review().Extra) {
			names = append(names, orStr(c.Person, c.Email))
		}
		return Deniedf("Only the IAB liaison coordinators (the Datatracker role %s of iab, or approvals.coordinators) review %s: %s. %s is not one of them, so this changes nothing.",
			rules.RoleLiaisonCoordinator, DraftLabel(d.ID), orStr(strings.Join(names, ", "), "nobody"), r.Event.Sender.Email)
	}
	_, reviews, err := standing(r.Ctx, r.Q, d)
	if err != nil {
		return err
	}
	if len(reviews) > 0 {
		r.Result = "already"
		return r.Replyf("Nothing to do: %s", reviewGivenText(dir, d, reviews))
	}
	return applyDecision(r.Ctx, r.Q, r.Env, d, r.Event.Sender, "approve", rules.ActingCoordinator, "", nil)
}

func runLink(r *Request) error {
	if len(r.Parsed.Args) != 2 {
		return Usagef("Name the draft and the statement, e.g. D7 2043.")
	}
	d, err := r.loadDraft(r.Parsed.Args[0])
	if err != nil {
		return err
	}
	id, ok := ParseID(r.Parsed.Args[1])
	if !ok {
		return Usagef("%q is not a statement number.", r.Parsed.Args[1])
	}
	if d.State != rules.DraftApproved {
		return Usagef("%s is %s; only an approved draft is linked to the statement it became.", DraftLabel(d.ID), d.State)
	}
	dir, err := LoadDirectory(r.Ctx, r.Q)
	if err != nil {
		return err
	}
	if !rules.CanApprove(dir, r.Event.Sender.Email, d.FromGroups, r.Env.overrides()) {
		if err := r.requireSubmitter(dir, d.FromGroups, "link"); err != nil {
			return err
		}
	}
	s, err := r.Q.StatementByID(r.Ctx, id)
	if err != nil {
		return err
	}
	if s == nil || s.State != "posted" {
		r.Result = "not_found"
		return r.Replyf("LS %d is not a posted statement in the bot's mirror of the Datatracker (yet).", id)
	}
	if other, err := r.Q.DraftRecordedAs(r.Ctx, id); err != nil {
		return err
	} else if other != 0 {
		return Usagef("LS %d is already linked to %s.", id, DraftLabel(other))
	}
	if err := linkRecorded(r.Ctx, r.Q, r.Env, d, id, r.Actor()); err != nil {
		return err
	}
	return r.Replyf("📚 %s is linked to LS %d and recorded.", DraftLabel(d.ID), id)
}

// draftState is the draft's state in the lifecycle table (the database
// keeps the same text, see rules.DraftDraft…).
func draftState(d *store.Draft) rules.DraftState { return d.State }

// draftAllows asks the lifecycle table whether event may happen to d now.
func draftAllows(d *store.Draft, event rules.DraftEvent) bool {
	_, ok := rules.Next(draftState(d), event)
	return ok
}
