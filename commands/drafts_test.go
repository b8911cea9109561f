package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// TestMain (testenv.Main, for the real PostgreSQL) is in llm_test.go.

// fakeDocs answers §4.3 lookups from a table (the Datatracker side is
// tested in internal/datatracker; here the verbs' use of the answers).
type fakeDocs map[string]rules.DocInfo

func (f fakeDocs) LookupDoc(_ context.Context, ref rules.DocRef) (rules.DocInfo, error) {
	if info, ok := f[ref.Name]; ok {
		return info, nil
	}
	return rules.DocInfo{Name: ref.Name, Kind: ref.Kind}, nil
}

// draftBench is a dispatcher with the drafting verbs on a real database
// holding a small directory: teas (WG in RTG) with a chair and the RTG AD,
// nmrg (a research group), ITU-T SG15 and an incoming statement.
type draftBench struct {
	t   *testing.T
	st  *store.Store
	d   *Dispatcher
	now time.Time
	n   int
}

const (
	benchChair = "chair@example.org"
	benchAD    = "ad@example.org"
	benchRoom  = "!wg:example.org"
)

func newDraftBench(t *testing.T) *draftBench {
	t.Helper()
	ctx := context.Background()
	st := testenv.Store(t)
	check(t, st.UpsertGroups(ctx, []store.Group{
		{ID: 2, Acronym: "iesg", Type: "ietf", State: "active"},
		{ID: 10, Acronym: "rtg", Name: "Routing Area", Type: "area", State: "active", ParentID: 2},
		{ID: 1985, Acronym: "teas", Name: "TEAS", Type: "wg", State: "active", ParentID: 10},
		{ID: 62, Acronym: "itu-t-sg-15", Name: "ITU-T SG 15", Type: "sdo", State: "active"},
		{ID: 77, Acronym: "nmrg", Name: "Network Management RG", Type: "rg", State: "active"},
		{ID: 1901, Acronym: "ccamp", Name: "CCAMP", Type: "wg", State: "active", ParentID: 10},
		{ID: 1900, Acronym: "oldwg", Name: "A concluded WG", Type: "wg", State: "conclude", ParentID: 10},
	}))
	check(t, st.UpsertPersons(ctx, []store.Person{{ID: 1, Name: "Carla Chair"}, {ID: 2, Name: "Adam AD"}}))
	check(t, st.ReplaceRoles(ctx, []store.Role{
		{ID: 1, Name: "chair", GroupID: 1985, PersonID: 1, Email: benchChair},
		{ID: 2, Name: "ad", GroupID: 10, PersonID: 2, Email: benchAD},
	}))
	posted := time.Now()
	check(t, st.UpsertStatement(ctx, &store.Statement{ID: 2043, Title: "LS on OTN YANG", FromGroups: []int64{62}, ToGroups: []int64{1985},
		FromContact: "Rapporteur <rapp@itu.example>", ResponseContacts: "sg15-replies@itu.example", Purpose: "action", State: "posted", PostedAt: &posted}))
	_, err := st.AddBinding(ctx, store.Binding{Platform: "console", Room: benchRoom, Group: "teas", Source: store.SourceConfig})
	check(t, err)
	b := &draftBench{t: t, st: st, now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	cfg := &config.Config{}
	cfg.Reminders.DeadlineTimezone = "America/Los_Angeles"
	cfg.Datatracker.URL = "https://datatracker.example"
	env := &Env{Platform: "console", Config: cfg, Now: func() time.Time { return b.now }, Log: zerolog.Nop(),
		Docs: fakeDocs{
			"draft-doe-teas-ideas": {Name: "draft-doe-teas-ideas", Kind: rules.DocDraft, Found: true, Stream: "ietf"},
			"rfc8795":              {Name: "rfc8795", Kind: rules.DocRFC, Found: true, WGDocument: true, Stream: "ietf", StdLevel: "ps"},
			"rfc5000":              {Name: "rfc5000", Kind: rules.DocRFC, Found: true, Stream: "ietf", StdLevel: "exp"},
		}}
	b.d = New(env, DraftVerbs()...)
	b.d.Register(StatementVerbs()...)
	return b
}

// run handles one command from email and returns the plain text of the
// replies it queued.
func (b *draftBench) run(email, text string) string {
	b.t.Helper()
	b.n++
	evt := chat.Event{Platform: "console", Kind: chat.EventMessage, ID: fmt.Sprintf("evt%d", b.n), Room: benchRoom,
		Sender: chat.User{ID: "user-" + email, Email: email}, Time: b.now, Text: text}
	ctx := context.Background()
	if err := b.st.Tx(ctx, func(q store.Q) error { _, err := b.d.Handle(ctx, q, evt); return err }); err != nil {
		b.t.Fatalf("%s: %v", text, err)
	}
	var out []string
	for _, msg := range b.queued(`txn_key LIKE $1`, "reply/"+evt.ID+"/%") {
		out = append(out, msg.Body.Plain())
	}
	return strings.Join(out, "\n---\n")
}

// queued lists the outbox's messages whose rows match where (SQL over
// outbox's columns), in the order they were queued.
func (b *draftBench) queued(where string, args ...any) []chat.Outgoing {
	b.t.Helper()
	rows, err := b.st.Pool.Query(context.Background(), `SELECT payload FROM outbox WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		b.t.Fatal(err)
	}
	defer rows.Close()
	var out []chat.Outgoing
	for rows.Next() {
		var raw []byte
		var msg chat.Outgoing
		if err := rows.Scan(&raw); err != nil {
			b.t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &msg); err != nil {
			b.t.Fatal(err)
		}
		out = append(out, msg)
	}
	if err := rows.Err(); err != nil {
		b.t.Fatal(err)
	}
	return out
}

func (b *draftBench) draft(id int64) *store.Draft {
	b.t.Helper()
	d, err := b.st.DraftByID(context.Background(), id, false)
	if err != nil || d == nil {
		b.t.Fatalf("draft %d: %v", id, err)
	}
	return d
}

func wantIn(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("reply lacks %q:\n%s", w, got)
		}
	}
}

// §2.1: a reply goes to the original's From groups, is sent to its
// Send-Reply-To, and names the original as related; From is this room's
// group, which the original was addressed to.
func TestReplyPrefill(t *testing.T) {
	b := newDraftBench(t)
	out := b.run(benchChair, "/liaison reply 2043")
	wantIn(t, out, "Reply to LS 2043 drafted", "D1")
	d := b.draft(1)
	if strings.Join(d.FromGroups, ",") != "teas" || strings.Join(d.ToGroups, ",") != "itu-t-sg-15" {
		t.Errorf("from %v to %v", d.FromGroups, d.ToGroups)
	}
	if d.SendTo != "sg15-replies@itu.example" || d.Related != 2043 || d.Purpose != "response" {
		t.Errorf("send_to %q related %d purpose %q", d.SendTo, d.Related, d.Purpose)
	}
	if !strings.Contains(d.ToContact, "rapp@itu.example") {
		t.Errorf("to_contact %q lacks the original's From-Contact", d.ToContact)
	}
	if !strings.HasPrefix(d.Subject, rules.ReplyPrefix) {
		t.Errorf("subject %q", d.Subject)
	}
	// The checklist ends every show: the body and consensus are missing.
	out = b.run(benchChair, "/liaison show D1")
	wantIn(t, out, "Checklist — still missing", "consensus")
}

// §2.2 and §1: purposes, deadlines and who may originate.
func TestDraftValidation(t *testing.T) {
	b := newDraftBench(t)
	cases := []struct {
		name, email, cmd string
		want             []string
		created          bool
	}{
		{"for comment is retired", benchChair, "/liaison draft to=itu-t-sg-15 purpose=comment", []string{"Usage: /liaison draft", "§2.2"}, false},
		{"action deadline in the past", benchChair, "/liaison draft to=itu-t-sg-15 purpose=action deadline=2026-11-01", []string{"not in the future", "§2.2"}, false},
		{"deadline today is not future", benchChair, "/liaison draft purpose=action deadline=2026-11-23", []string{"not in the future"}, false},
		{"bad date", benchChair, "/liaison draft deadline=next-week", []string{"YYYY-MM-DD"}, false},
		{"unknown field", benchChair, "/liaison draft colour=blue", []string{"Unknown field", "Usage:"}, false},
		{"research group cannot send", benchChair, "/liaison draft from=nmrg to=itu-t-sg-15", []string{"§1"}, false},
		{"concluded group cannot send", benchAD, "/liaison draft from=oldwg to=itu-t-sg-15", []string{"no longer active", "conclude", "§4.1"}, false},
		{"mistyped field", benchChair, "/liaison draft subjet=x", []string{`did you mean subject?`, "Usage:"}, false},
		{"typographic quotes", benchChair, "/liaison draft subject=\u201cTwo words\u201d to=itu-t-sg-15 subject=other", []string{"given twice", `"Two words"`}, false},
		{"unknown identity", "", "/liaison draft to=itu-t-sg-15", []string{"may read but not draft"}, false},
		{"no role", "someone@example.org", "/liaison draft to=itu-t-sg-15", []string{"Only the chairs", "is not a chair, secretary or AD of teas"}, false},
		{"chair of one of two groups", benchChair, "/liaison draft from=teas,ccamp to=itu-t-sg-15", []string{"not a chair, secretary or AD of ccamp", "You are chair of teas"}, false},
		{"chair drafts", benchChair, "/liaison draft to=itu-t-sg-15 purpose=action deadline=2026-12-31 subject=\"One line\"", []string{"New draft D1"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := b.run(c.email, c.cmd)
			wantIn(t, out, c.want...)
		})
	}
	// Only the last case made a draft; action without a deadline is
	// listed as missing.
	out := b.run(benchChair, "/liaison edit D1 deadline=none")
	wantIn(t, out, "revision 2", "deadline")
	if d := b.draft(1); d.Deadline != nil {
		t.Errorf("deadline not cleared")
	}
	out = b.run(benchChair, "/liaison submit D1")
	wantIn(t, out, "cannot be submitted yet", "deadline")
	// In Response needs the related statement.
	out = b.run(benchChair, "/liaison edit D1 purpose=response")
	wantIn(t, out, "Checklist — still missing", "which statement it answers")
}

// §2.3 and §4.3: proprietary attachments and the status of referenced
// documents draw warnings.
func TestDraftWarnings(t *testing.T) {
	b := newDraftBench(t)
	out := b.run(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus" attachments=slides.pptx,notes.docx,notes.pdf
See draft-doe-teas-ideas-02, RFC 8795 and RFC 5000.`)
	// The body and the attachment list show these names anyway: look for
	// the warnings themselves.
	wantIn(t, out, "New draft D1", "Warnings:", "slides.pptx is a", "draft-doe-teas-ideas is an individual Internet-Draft",
		"RFC 5000 is Experimental")
	if strings.Contains(out, "notes.docx is") {
		t.Errorf("notes.docx has a PDF alongside and should not be warned about:\n%s", out)
	}
	if strings.Contains(out, "RFC 8795 is") {
		t.Errorf("a standards-track WG RFC drew a warning:\n%s", out)
	}
	// Warnings do not block: the draft is complete and can be submitted;
	// the approval request goes out with ✅ and ❌ pre-seeded and names the
	// RTG AD (§4.1).
	out = b.run(benchChair, "/liaison submit D1")
	wantIn(t, out, "submitted")
	var react []string
	var raw []byte
	if err := b.st.Pool.QueryRow(context.Background(), `SELECT react, payload FROM outbox WHERE kind = 'approval' LIMIT 1`).Scan(&react, &raw); err != nil {
		t.Fatal(err)
	}
	if strings.Join(react, "") != chat.KeyApprove+chat.KeyReject {
		t.Errorf("pre-seeded reactions %v", react)
	}
	var msg chat.Outgoing
	_ = json.Unmarshal(raw, &msg)
	wantIn(t, msg.Body.Plain(), "Adam AD", "§4.1", "§4.2")
}

// A reaction delivered twice (a platform replaying it under another event
// ID) decides once and is not answered as a stray reaction; its removal
// withdraws the approval.
func TestApprovalReactionReplayedDecidesOnce(t *testing.T) {
	b := newDraftBench(t)
	b.run(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus"
The body.`)
	wantIn(t, b.run(benchChair, "/liaison submit D1"), "submitted")
	ctx := context.Background()
	var id int64
	if err := b.st.Pool.QueryRow(ctx, `SELECT id FROM outbox WHERE kind = 'approval' LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := b.st.MarkSent(ctx, id, chat.Sent{Room: benchRoom, ID: "$request"}); err != nil {
		t.Fatal(err)
	}
	h := &Approvals{Env: b.d.Env}
	react := func(evtID string, kind chat.EventKind) {
		t.Helper()
		evt := chat.Event{Platform: "console", Kind: kind, ID: evtID, Room: benchRoom, Target: "$request", Key: chat.KeyApprove,
			ReactionID: "reaction-1", Sender: chat.User{ID: "ad", Email: benchAD}}
		if err := b.st.Tx(ctx, func(q store.Q) error { return h.HandleReaction(NewRequest(ctx, q, b.d.Env, evt, "reaction")) }); err != nil {
			t.Fatal(err)
		}
	}
	react("e1", chat.EventReaction)
	react("e2", chat.EventReaction) // the same reaction again
	aps, err := b.st.ActiveApprovals(ctx, 1, 1)
	if err != nil || len(aps) != 1 {
		t.Fatalf("approvals after a replayed reaction: %v %v", aps, err)
	}
	if d := b.draft(1); d.State != rules.DraftApproved {
		t.Fatalf("state %s", d.State)
	}
	var explained int
	if err := b.st.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE txn_key LIKE 'explain/%'`).Scan(&explained); err != nil || explained != 0 {
		t.Errorf("the approver was told their replayed reaction did not count (%d, %v)", explained, err)
	}
	react("e3", chat.EventReactionRemove)
	if d := b.draft(1); d.State != rules.DraftSubmitted {
		t.Errorf("state after the reaction was removed: %s", d.State)
	}
}

// listerChat is a transport whose only working part is ReactionLister.
type listerChat struct {
	chat.Transport
	reactions map[string][]chat.Reaction
	err       error
}

func (l *listerChat) Reactions(_ context.Context, _, target string) ([]chat.Reaction, error) {
	return l.reactions[target], l.err
}

// Resync after a lost queue withdraws only decisions made by a reaction on
// the request that is gone: not a decision given by command, and nothing
// when the platform cannot show the request or cannot be asked.
func TestResyncTouchesOnlyLostReactions(t *testing.T) {
	ctx := context.Background()
	ad := chat.User{ID: "ad", Email: benchAD}
	for _, tc := range []struct {
		name      string
		byCommand bool
		lister    *listerChat
		wantErr   bool
		wantState rules.DraftState
	}{
		{"reaction gone: withdrawn", false, &listerChat{}, false, rules.DraftSubmitted},
		{"reaction still there: stands", false, &listerChat{reactions: map[string][]chat.Reaction{
			"$request": {{Sender: ad, Key: chat.KeyApprove, ReactionID: "reaction-1"}}}}, false, rules.DraftApproved},
		{"approved by command: stands", true, &listerChat{}, false, rules.DraftApproved},
		{"request gone: stands", false, &listerChat{err: fmt.Errorf("deleted: %w", chat.ErrMessageGone)}, false, rules.DraftApproved},
		{"platform unreachable: retried later", false, &listerChat{err: fmt.Errorf("503")}, true, rules.DraftApproved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newDraftBench(t)
			b.run(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus"
The body.`)
			b.run(benchChair, "/liaison submit D1")
			var id int64
			if err := b.st.Pool.QueryRow(ctx, `SELECT id FROM outbox WHERE kind = 'approval' LIMIT 1`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if err := b.st.MarkSent(ctx, id, chat.Sent{Room: benchRoom, ID: "$request"}); err != nil {
				t.Fatal(err)
			}
			b.d.Env.Chat = tc.lister
			h := &Approvals{Env: b.d.Env}
			b.d.Reactions = h
			if tc.byCommand {
				b.run(benchAD, "/liaison approve D1")
			} else {
				evt := chat.Event{Platform: "console", Kind: chat.EventReaction, ID: "e1", Room: benchRoom, Target: "$request",
					Key: chat.KeyApprove, ReactionID: "reaction-1", Sender: ad}
				if err := b.st.Tx(ctx, func(q store.Q) error { return h.HandleReaction(NewRequest(ctx, q, b.d.Env, evt, "reaction")) }); err != nil {
					t.Fatal(err)
				}
			}
			if d := b.draft(1); d.State != rules.DraftApproved {
				t.Fatalf("not approved before the resync: %s", d.State)
			}
			resync := chat.Event{Platform: "console", Kind: chat.EventResync, ID: "resync-1"}
			err := b.st.Tx(ctx, func(q store.Q) error { return b.d.HandleEvent(ctx, q, resync) })
			if (err != nil) != tc.wantErr {
				t.Fatalf("resync error %v, want error: %v", err, tc.wantErr)
			}
			if d := b.draft(1); d.State != tc.wantState {
				t.Errorf("after the resync D1 is %s, want %s", d.State, tc.wantState)
			}
		})
	}
}

// The hand-off links the configured Datatracker's outgoing form, and the
// field set is the text to paste: a body's "@room" stays as typed.
func TestHandoffUsesConfiguredDatatracker(t *testing.T) {
	b := newDraftBench(t)
	b.run(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus"
Please tell @room of SG15.`)
	b.run(benchChair, "/liaison submit D1")
	b.run(benchAD, "/liaison approve D1")
	var handoff *chat.Outgoing
	for _, msg := range b.queued(`true`) {
		if strings.Contains(msg.Body.Plain(), "/liaison/add/outgoing/") {
			handoff = &msg
		}
	}
	if handoff == nil {
		t.Fatal("no hand-off message")
	}
	var links, code []string
	for _, blk := range handoff.Body.Blocks {
		for _, sp := range blk.Spans {
			if sp.Kind == chat.SpanLink {
				links = append(links, sp.URL)
			}
			if blk.Kind == chat.BlockCode {
				code = append(code, sp.Text)
			}
		}
	}
	if len(links) != 1 || links[0] != "https://datatracker.example/liaison/add/outgoing/" {
		t.Errorf("hand-off links %q, want the configured Datatracker's form", links)
	}
	if len(code) != 1 || !strings.Contains(code[0], "Please tell @room of SG15.") || strings.Contains(code[0], "\u2060") {
		t.Errorf("field set %q is not the text as typed", code)
	}
}

// A 30 KB body is shown shortened in the draft, the approval request and
// the hand-off, and whole, in parts within every platform's limit, by
// show D1 full.
func TestLongBodyShortenedAndInParts(t *testing.T) {
	b := newDraftBench(t)
	var body strings.Builder
	for i := 0; body.Len() < 30000; i++ {
		fmt.Fprintf(&body, "Paragraph %d: the working group discussed the optical models at length.\n", i)
	}
	out := b.run(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus"
`+body.String())
	wantIn(t, out, "New draft D1", "Body (the first", "/liaison show D1 full")
	if len(out) > 8000 {
		t.Errorf("the draft echo is %d bytes", len(out))
	}
	full := b.run(benchChair, "/liaison show D1 full")
	parts := strings.Split(full, "\n---\n")
	if len(parts) < 5 {
		t.Fatalf("%d parts", len(parts))
	}
	var whole strings.Builder
	for i, p := range parts {
		head, text, _ := strings.Cut(p, "\n\n")
		if !strings.HasPrefix(head, fmt.Sprintf("Body of D1 (revision 1), part %d of %d:", i+1, len(parts))) {
			t.Errorf("part %d starts %q", i+1, head)
		}
		if len([]rune(text)) > bodyPart {
			t.Errorf("part %d has %d characters", i+1, len([]rune(text)))
		}
		whole.WriteString(text + "\n")
	}
	if strings.TrimSpace(whole.String()) != strings.TrimSpace(body.String()) {
		t.Errorf("the parts do not add up to the body")
	}
	out = b.run(benchChair, "/liaison submit D1")
	wantIn(t, out, "D1")
}

// The approval request says it informs only the From groups whose room
// gets it, and names those that have none (4053bis §4.2).
func TestSubmitInformsOnlyGroupsWithARoom(t *testing.T) {
	b := newDraftBench(t)
	b.run(benchAD, `/liaison draft from=teas,ccamp to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Joint" consensus="WG consensus"
The body.`)
	out := b.run(benchAD, "/liaison submit D1")
	wantIn(t, out, "submitted", "No room the bot is in follows ccamp")
	var payload []byte
	if err := b.st.Pool.QueryRow(context.Background(), `SELECT payload FROM outbox WHERE kind = 'approval' LIMIT 1`).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	var msg chat.Outgoing
	if err := json.Unmarshal(payload, &msg); err != nil {
		t.Fatal(err)
	}
	req := msg.Body.Plain()
	wantIn(t, req, "This informs teas before", "No room the bot is in follows ccamp, so this request does not inform it")
	if strings.Contains(req, "This informs teas and ccamp") || strings.Contains(req, "This informs ccamp") {
		t.Errorf("the request claims to inform ccamp:\n%s", req)
	}
}

// Every decision is said once, including an approval given again after a
// withdrawal; an approver's 👍 is explained once, a participant's is not.
func TestEveryDecisionIsSaid(t *testing.T) {
	ctx := context.Background()
	b := newDraftBench(t)
	b.run(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus"
The body.`)
	b.run(benchChair, "/liaison submit D1")
	var id int64
	if err := b.st.Pool.QueryRow(ctx, `SELECT id FROM outbox WHERE kind = 'approval' LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := b.st.MarkSent(ctx, id, chat.Sent{Room: benchRoom, ID: "$request"}); err != nil {
		t.Fatal(err)
	}
	h := &Approvals{Env: b.d.Env}
	ad := chat.User{ID: "ad", Email: benchAD}
	react := func(n int, who chat.User, kind chat.EventKind, key, reactionID string) {
		t.Helper()
		evt := chat.Event{Platform: "console", Kind: kind, ID: fmt.Sprintf("r%d", n), Room: benchRoom, Target: "$request",
			Key: key, ReactionID: reactionID, Sender: who}
		if err := b.st.Tx(ctx, func(q store.Q) error { return h.HandleReaction(NewRequest(ctx, q, b.d.Env, evt, "reaction")) }); err != nil {
			t.Fatal(err)
		}
	}
	count := func(substr string) int {
		t.Helper()
		var n int
		if err := b.st.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE payload::text LIKE '%' || $1 || '%'`, substr).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	react(1, ad, chat.EventReaction, "👍", "x1")
	react(2, ad, chat.EventReaction, "✔️", "x2")
	react(3, chat.User{ID: "someone", Email: "someone@example.org"}, chat.EventReaction, "👍", "x3")
	if n := count("only ✅ approves"); n != 1 {
		t.Errorf("the approver's other emoji explained %d times, want once", n)
	}
	if n := count("changes nothing"); n != 1 {
		t.Errorf("%d explanations, want only the approver's", n)
	}
	react(4, ad, chat.EventReaction, chat.KeyApprove, "ok1")
	react(5, ad, chat.EventReactionRemove, "", "ok1")
	b.run(benchAD, "/liaison approve D1")
	if n := count("/liaison/add/outgoing/"); n != 2 {
		t.Errorf("%d hand-offs, want one for each approval", n)
	}
	if n := count("withdrew the approval"); n != 1 {
		t.Errorf("%d withdrawal notices, want 1", n)
	}
}

// A joint statement (teas in RTG, lamps in SEC) needs one approval for
// each From group from that group's own approvers; one AD's ✅ is not
// enough, and a person approving for both covers both (4053bis §4.1).
func TestJointStatementNeedsEachGroup(t *testing.T) {
	ctx := context.Background()
	b := newDraftBench(t)
	check(t, b.st.UpsertGroups(ctx, []store.Group{
		{ID: 20, Acronym: "sec", Name: "Security Area", Type: "area", State: "active", ParentID: 2},
		{ID: 2000, Acronym: "lamps", Name: "LAMPS", Type: "wg", State: "active", ParentID: 20},
	}))
	check(t, b.st.UpsertPersons(ctx, []store.Person{{ID: 3, Name: "Sara Sec"}}))
	check(t, b.st.ReplaceRoles(ctx, []store.Role{
		{ID: 1, Name: "chair", GroupID: 1985, PersonID: 1, Email: benchChair},
		{ID: 2, Name: "ad", GroupID: 10, PersonID: 2, Email: benchAD},
		{ID: 3, Name: "ad", GroupID: 20, PersonID: 3, Email: "sec-ad@example.org"},
		{ID: 4, Name: "chair", GroupID: 2000, PersonID: 1, Email: benchChair},
	}))
	b.run(benchChair, `/liaison draft from=teas,lamps to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Joint" consensus="WG consensus"
The body.`)
	b.run(benchChair, "/liaison submit D1")
	b.run("sec-ad@example.org", "/liaison approve D1")
	if d := b.draft(1); d.State != rules.DraftSubmitted {
		t.Fatalf("one security AD's approval made the joint draft %s", d.State)
	}
	var notice []byte
	check(t, b.st.Pool.QueryRow(ctx, `SELECT payload FROM outbox WHERE txn_key LIKE 'draft/1/approve-for/%' LIMIT 1`).Scan(&notice))
	var msg chat.Outgoing
	check(t, json.Unmarshal(notice, &msg))
	wantIn(t, msg.Body.Plain(), "approved D1 (revision 1) for lamps", "Still waiting for an approval for teas", "Adam AD")
	// A second approval for lamps changes nothing; teas's AD completes it.
	b.run("sec-ad@example.org", "/liaison approve D1")
	if d := b.draft(1); d.State != rules.DraftSubmitted {
		t.Fatalf("two approvals for lamps made the draft %s", d.State)
	}
	b.run(benchAD, "/liaison approve D1")
	if d := b.draft(1); d.State != rules.DraftApproved {
		t.Fatalf("after an approval for each group the draft is %s", d.State)
	}

	// The RTG AD approves for two RTG WGs with one approval.
	b.run(benchAD, `/liaison draft from=teas,ccamp to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Two RTG WGs" consensus="WG consensus"
The body.`)
	b.run(benchAD, "/liaison submit D2")
	b.run(benchAD, "/liaison approve D2")
	if d := b.draft(2); d.State != rules.DraftApproved {
		t.Fatalf("the AD of both groups' area did not approve D2: %s", d.State)
	}
}

// The approval request is a live card: every outcome queues an edit of the
// request message that says where the draft stands.
func TestApprovalRequestIsALiveCard(t *testing.T) {
	ctx := context.Background()
	b := newDraftBench(t)
	b.run(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus"
The body.`)
	b.run(benchChair, "/liaison submit D1")
	var reqID int64
	if err := b.st.Pool.QueryRow(ctx, `SELECT id FROM outbox WHERE kind = 'approval' LIMIT 1`).Scan(&reqID); err != nil {
		t.Fatal(err)
	}
	cards := func() []string {
		t.Helper()
		var out []string
		for _, msg := range b.queued(`kind = 'edit' AND edit_of = $1`, reqID) {
			out = append(out, msg.Body.Plain())
		}
		return out
	}
	last := func() string {
		c := cards()
		if len(c) == 0 {
			t.Fatal("no card edit")
		}
		return c[len(c)-1]
	}
	b.run(benchAD, "/liaison reject D1 the deadline is too short")
	wantIn(t, last(), "❌ Status: returned to the author by Adam AD (AD rtg) on ", ": the deadline is too short", "Approval requested for outgoing statement D1")
	if n := strings.Count(last(), "Status:"); n != 1 {
		t.Errorf("the card has %d status lines:\n%s", n, last())
	}
	b.run(benchChair, `/liaison edit D1 subject="Models, v2"`)
	wantIn(t, last(), "⛔ Status: void", "now revision 2")
	b.run(benchChair, "/liaison submit D1")
	var req2 int64
	if err := b.st.Pool.QueryRow(ctx, `SELECT id FROM outbox WHERE kind = 'approval' ORDER BY id DESC LIMIT 1`).Scan(&req2); err != nil {
		t.Fatal(err)
	}
	reqID = req2
	b.run(benchAD, "/liaison approve D1")
	wantIn(t, last(), "✅ Status: approved by Adam AD (AD rtg) on ", "Next: the author enters it in the Datatracker")
	b.run(benchChair, "/liaison withdraw D1")
	wantIn(t, last(), "🗑 Status: withdrawn")
}

// An approved draft is linked to the statement entered for it even when
// the chair touched the subject up; otherwise `link` does it by hand.
func TestRecordLinkingToleratesSubjectChanges(t *testing.T) {
	ctx := context.Background()
	b := newDraftBench(t)
	for i, subject := range []string{"TE topology models", "Optical models"} {
		b.run(benchChair, fmt.Sprintf(`/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject=%q consensus="WG consensus"
The body.`, subject))
		b.run(benchChair, fmt.Sprintf("/liaison submit D%d", i+1))
		b.run(benchAD, fmt.Sprintf("/liaison approve D%d", i+1))
	}
	posted := time.Now()
	for _, s := range []*store.Statement{
		{ID: 3001, Title: "LS on TE Topology Models (final)", FromGroups: []int64{1985}, ToGroups: []int64{62}, Purpose: "info", State: "posted", PostedAt: &posted},
		{ID: 3002, Title: "Something else entirely", FromGroups: []int64{1985}, ToGroups: []int64{62}, Purpose: "info", State: "posted", PostedAt: &posted},
	} {
		if err := b.st.UpsertStatement(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	var linked int
	if err := b.st.Tx(ctx, func(q store.Q) error {
		var err error
		linked, err = RecordApprovedDrafts(ctx, q, b.d.Env)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if d := b.draft(1); linked != 1 || d.State != rules.DraftRecorded || d.RecordedStatement != 3001 {
		t.Fatalf("linked %d; D1 is %s as LS %d, want recorded as 3001", linked, d.State, d.RecordedStatement)
	}
	if d := b.draft(2); d.State != rules.DraftApproved {
		t.Fatalf("D2 linked to an unrelated subject: %s", d.State)
	}
	wantIn(t, b.run(benchChair, "/liaison link D2 3001"), "already linked to D1")
	wantIn(t, b.run(benchChair, "/liaison link D2 3002"), "D2 is linked to LS 3002")
	if d := b.draft(2); d.State != rules.DraftRecorded || d.RecordedStatement != 3002 {
		t.Fatalf("D2 after link: %s as LS %d", d.State, d.RecordedStatement)
	}
}

// show of a decided draft says who decided, when, and what comes next,
// not "ready to submit".
func TestShowDecidedDraft(t *testing.T) {
	b := newDraftBench(t)
	b.run(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus"
The body.`)
	wantIn(t, b.run(benchChair, "/liaison show D1"), "Checklist")
	b.run(benchChair, "/liaison submit D1")
	wantIn(t, b.run(benchChair, "/liaison show D1"), "Status: waiting for an approval for teas")
	b.run(benchAD, "/liaison reject D1 too vague")
	out := b.run(benchChair, "/liaison show D1")
	wantIn(t, out, "Status: returned to the author by Adam AD (AD rtg) on ", "too vague", "Next: edit and submit again")
	b.run(benchChair, "/liaison submit D1")
	b.run(benchAD, "/liaison approve D1")
	out = b.run(benchChair, "/liaison show D1")
	wantIn(t, out, "Status: approved by Adam AD (AD rtg) on ", "Next: the author enters it in the Datatracker")
	if strings.Contains(out, "ready to submit") {
		t.Errorf("an approved draft is shown as ready to submit:\n%s", out)
	}
}

// mine answers, for each person, what waits on them.
func TestMine(t *testing.T) {
	ctx := context.Background()
	b := newDraftBench(t)
	b.run(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus"
The body.`)
	b.run(benchChair, `/liaison draft to=itu-t-sg-15 subject="Half done"`)
	b.run(benchChair, "/liaison submit D1")
	// LS 2043 (For Action, from SG15 to teas) gets a deadline in 5 days.
	deadline := b.now.AddDate(0, 0, 5)
	s, err := b.st.StatementByID(ctx, 2043)
	if err != nil || s == nil {
		t.Fatal(s, err)
	}
	s.Deadline = &deadline
	if err := b.st.UpsertStatement(ctx, s); err != nil {
		t.Fatal(err)
	}

	// Two statements from teas pending in the Datatracker: one submitted
	// two days ago, one forgotten 40 days ago (outside the window).
	for _, p := range []struct {
		id   int64
		days int
	}{{3001, 2}, {3002, 40}} {
		at := b.now.AddDate(0, 0, -p.days)
		if err := b.st.UpsertStatement(ctx, &store.Statement{ID: p.id, Title: fmt.Sprintf("Pending %d", p.id), FromGroups: []int64{testenv.GroupTEAS},
			ToGroups: []int64{testenv.GroupSG15}, Purpose: "info", State: "pending", SubmittedAt: &at}); err != nil {
			t.Fatal(err)
		}
	}

	ad := b.run(benchAD, "/liaison mine")
	wantIn(t, ad, "Waiting for your approval", "D1 Models — from teas; your approval is needed for teas",
		"Pending in the Datatracker, waiting for your approval there", "LS 3001", "/liaison/3001/", "Pending 3001 — from teas (for 2 days): press Approve on its page.")
	if strings.Contains(ad, "LS 3002") {
		t.Errorf("a statement pending for 40 days is listed:\n%s", ad)
	}
	if strings.Contains(ad, "Your drafts") || strings.Contains(ad, "LS 2043") {
		t.Errorf("the AD is shown the chair's things:\n%s", ad)
	}
	chair := b.run(benchChair, "/liaison mine")
	wantIn(t, chair, "Unanswered For Action statements to your groups", "LS 2043", "Your drafts", "D1 Models — waiting for approval",
		"D2 Half done — a draft: complete it")
	if strings.Contains(chair, "Waiting for your approval") || strings.Contains(chair, "Pending in the Datatracker") {
		t.Errorf("the chair is asked to approve:\n%s", chair)
	}
	wantIn(t, b.run("someone@example.org", "/liaison mine"), "Nothing waits on you.")
	wantIn(t, b.run("", "/liaison mine"), "does not know your Datatracker e-mail")
	// Approved: nothing waits on the AD any more.
	b.run(benchAD, "/liaison approve D1")
	for _, id := range []int64{3001, 3002} {
		if _, err := b.st.Pool.Exec(ctx, `UPDATE statement SET state = 'posted' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
	}
	if out := b.run(benchAD, "/liaison mine"); !strings.Contains(out, "Nothing waits on you.") {
		t.Errorf("after approving, the AD still has:\n%s", out)
	}
}

// check fails the test on a setup error.
func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
