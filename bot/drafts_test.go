package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// approvalWorld: the announce world plus an AD of the WG's area (RTG), an
// AD of another area (SEC) and a participant without a Datatracker role,
// all mapped to their Datatracker e-mails, and an approvals room.
type approvalWorld struct {
	*announceWorld
	AD, OtherAD, Participant *mautrix.Client
	ApprovalsRoom            id.RoomID
	bot                      *running
}

const (
	chairEmail   = "maria.lindqvist@example.net" // teas chair (fixtures)
	adEmail      = "ad-two@example.org"          // RTG AD: teas is in RTG
	otherADEmail = "sec-ad@example.org"          // SEC AD
)

func newApprovalWorld(t *testing.T) *approvalWorld {
	t.Helper()
	w := &approvalWorld{announceWorld: newAnnounceWorld(t)}
	ad := w.HS.RegisterUser(t, "rtgad")
	other := w.HS.RegisterUser(t, "secad")
	part := w.HS.RegisterUser(t, "participant")
	w.AD, w.OtherAD, w.Participant = w.HS.Client(t, ad), w.HS.Client(t, other), w.HS.Client(t, part)
	w.ApprovalsRoom = createRoom(t, w.Chair, w.Bot.ID, ad.ID)
	for _, u := range []id.UserID{ad.ID, other.ID, part.ID} {
		if _, err := w.Chair.InviteUser(context.Background(), w.WGRoom, &mautrix.ReqInviteUser{UserID: u}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*mautrix.Client{w.AD, w.OtherAD, w.Participant} {
		if _, err := c.JoinRoomByID(context.Background(), w.WGRoom); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.AD.JoinRoomByID(context.Background(), w.ApprovalsRoom); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *approvalWorld) start(t *testing.T) { w.startWith(t, "") }

// startWith starts the bot with more YAML in its config.
func (w *approvalWorld) startWith(t *testing.T, more string) {
	t.Helper()
	extra := w.cfg(t) + fmt.Sprintf("approvals_room: %q\n", w.ApprovalsRoom) + more
	cfg := w.config(t, extra)
	cfg.Matrix.Identities = append(cfg.Matrix.Identities,
		identity(w.Chair.UserID, chairEmail), identity(w.AD.UserID, adEmail), identity(w.OtherAD.UserID, otherADEmail))
	w.bot = start(t, cfg, func(b *Bot) { b.PollInterval = pollFast })
	testenv.Eventually(t, waitAnnnce, func() bool { n, _ := w.bot.Bot.Store.CountStatements(t.Context()); return n == 3 }, "no backfill")
	for _, room := range []id.RoomID{w.WGRoom, w.CoordRoom, w.ApprovalsRoom} {
		testenv.Eventually(t, 30*time.Second, func() bool { return membership(t, w.Chair, room, w.Bot.ID) == event.MembershipJoin },
			"bot did not join %s", room)
	}
}

func (w *approvalWorld) draft(t *testing.T, id int64) *store.Draft {
	t.Helper()
	d, err := w.bot.Bot.Store.DraftByID(context.Background(), id, false)
	if err != nil || d == nil {
		t.Fatalf("draft %d: %v", id, err)
	}
	return d
}

func (w *approvalWorld) waitState(t *testing.T, id int64, state rules.DraftState, rev int) {
	t.Helper()
	testenv.Eventually(t, 30*time.Second, func() bool {
		d := w.draft(t, id)
		return d.State == state && (rev == 0 || d.Revision == rev)
	}, "D%d never reached %s (rev %d); it is %s", id, state, rev, w.draft(t, id).State)
}

// waitNotice waits for a bot notice in room containing substr and returns
// its event ID.
func (w *approvalWorld) waitNotice(t *testing.T, room id.RoomID, substr string, n int) id.EventID {
	t.Helper()
	var found id.EventID
	testenv.Eventually(t, 30*time.Second, func() bool {
		count := 0
		for _, evt := range timeline(t, w.Chair, room) {
			if evt.Sender != w.Bot.ID || evt.Type != event.EventMessage {
				continue
			}
			// An edit (the live card's m.replace) is not a message of its
			// own: a person sees, and reacts to, the message it edits.
			if rel := evt.Content.AsMessage().RelatesTo; rel != nil && rel.Type == event.RelReplace {
				continue
			}
			if strings.Contains(evt.Content.AsMessage().Body, substr) {
				count++
				found = evt.ID
			}
		}
		return count >= n
	}, "no notice %q (%d) in %s", substr, n, room)
	return found
}

func identity(u id.UserID, email string) config.Identity {
	return config.Identity{User: u.String(), Email: email}
}

func react(t *testing.T, cli *mautrix.Client, room id.RoomID, target id.EventID, key string) id.EventID {
	t.Helper()
	resp, err := cli.SendReaction(context.Background(), room, target, key)
	if err != nil {
		t.Fatal(err)
	}
	return resp.EventID
}

func (w *approvalWorld) audits(t *testing.T, action, result string) int {
	n := 0
	for _, a := range auditActions(t, w.bot.Bot.Store) {
		if a.Action == action && (result == "" || a.Result == result) {
			n++
		}
	}
	return n
}

// The acceptance test: a chair drafts and submits; only the right
// AD's ✅ approves; the other AD's and a participant's reactions change
// nothing, are audited and explained once; redacting the ✅ withdraws it;
// an edit after submit voids the approval; the recorded statement is
// linked.
func TestMatrixDraftApproveByReaction(t *testing.T) {
	w := newApprovalWorld(t)
	w.start(t)
	deadline := time.Now().AddDate(0, 0, 40).Format("2006-01-02")

	// A participant without a mapped identity may not draft.
	say(t, w.Participant, w.WGRoom, `!liaison draft to=itu-t-sg-15 subject="sneaky"`)
	w.waitNotice(t, w.WGRoom, "may read but not draft", 1)

	say(t, w.Chair, w.WGRoom, fmt.Sprintf(`!liaison draft to=itu-t-sg-15 to_contact=sg15-reply@example.org purpose=action deadline=%s subject="TE topology models"
We ask SG15 to review RFC 8795 and draft-doe-teas-topology-ideas-01.`, deadline))
	w.waitNotice(t, w.WGRoom, "New draft D1", 1)
	// The checklist names what is missing (the consensus line, §4.2) and
	// warns about the individual draft (§4.3).
	w.waitNotice(t, w.WGRoom, "Checklist — still missing", 1)
	w.waitNotice(t, w.WGRoom, "draft-doe-teas-topology-ideas", 1)

	say(t, w.Chair, w.WGRoom, "!liaison submit D1")
	w.waitNotice(t, w.WGRoom, "cannot be submitted yet", 1)
	say(t, w.Chair, w.WGRoom, `!liaison edit D1 consensus="WG consensus"`)
	w.waitState(t, 1, rules.DraftDraft, 2)
	say(t, w.Chair, w.WGRoom, "!liaison submit D1")
	w.waitState(t, 1, rules.DraftSubmitted, 2)
	req := w.waitNotice(t, w.WGRoom, "Approval requested for outgoing statement D1 (revision 2)", 1)
	w.waitNotice(t, w.ApprovalsRoom, "Approval requested for outgoing statement D1 (revision 2)", 1)

	// The wrong people and the wrong emoji change nothing.
	react(t, w.Participant, w.WGRoom, req, "✅")
	react(t, w.OtherAD, w.WGRoom, req, "✅")
	react(t, w.AD, w.WGRoom, req, "👍")
	react(t, w.OtherAD, w.WGRoom, req, "❌")
	// The AD's 👍 is explained too: it was most likely meant as approval.
	w.waitNotice(t, w.WGRoom, "changes nothing", 3)
	testenv.Eventually(t, 30*time.Second, func() bool { return w.audits(t, "reaction", "ignored") >= 4 }, "ignored reactions not audited")
	time.Sleep(time.Second)
	if d := w.draft(t, 1); d.State != rules.DraftSubmitted {
		t.Fatalf("a wrong reaction changed the draft to %s", d.State)
	}
	if n := countNotices(t, w.Chair, w.WGRoom, w.Bot.ID, "changes nothing"); n != 3 {
		t.Errorf("explained %d times, want once for each of the three people", n)
	}

	// The right AD approves with ✅; the hand-off follows.
	ok := react(t, w.AD, w.WGRoom, req, "✅")
	w.waitState(t, 1, rules.DraftApproved, 2)
	w.waitNotice(t, w.WGRoom, "liaison/add/outgoing", 1)

	// Redacting the ✅ before the statement is recorded withdraws it.
	if _, err := w.AD.RedactEvent(context.Background(), w.WGRoom, ok); err != nil {
		t.Fatal(err)
	}
	w.waitState(t, 1, rules.DraftSubmitted, 2)
	w.waitNotice(t, w.WGRoom, "withdrew the approval", 1)

	// Approve again, then an edit voids it and says so in the thread.
	react(t, w.AD, w.ApprovalsRoom, w.waitNotice(t, w.ApprovalsRoom, "Approval requested for outgoing statement D1 (revision 2)", 1), "✅")
	w.waitState(t, 1, rules.DraftApproved, 2)
	// The approval given again is said again: a second hand-off.
	w.waitNotice(t, w.WGRoom, "liaison/add/outgoing", 2)
	say(t, w.Chair, w.WGRoom, `!liaison edit D1 subject="TE topology YANG models"`)
	w.waitState(t, 1, rules.DraftDraft, 3)
	w.waitNotice(t, w.WGRoom, "approval decision(s) given on it are void", 1)
	aps, err := w.bot.Bot.Store.ActiveApprovals(context.Background(), 1, 2)
	if err != nil || len(aps) != 0 {
		t.Errorf("approvals of revision 2 still standing after the edit: %v %v", aps, err)
	}

	// Resubmit; the old request no longer counts; the text command works.
	say(t, w.Chair, w.WGRoom, "!liaison submit D1")
	w.waitState(t, 1, rules.DraftSubmitted, 3)
	say(t, w.OtherAD, w.WGRoom, "!liaison approve D1")
	w.waitNotice(t, w.WGRoom, "Only the approvers of teas", 1)
	say(t, w.AD, w.WGRoom, "!liaison approve D1")
	w.waitState(t, 1, rules.DraftApproved, 3)

	// The statement appears in the Datatracker: the draft is recorded.
	ls := w.DT.AddStatement(datatracker.Statement{Title: "TE topology YANG models", FromGroups: []int64{groupTEAS}, ToGroups: []int64{groupSG15},
		Purpose: "action", Body: "We ask SG15 to review RFC 8795."})
	w.DT.Post(ls)
	w.waitState(t, 1, rules.DraftRecorded, 3)
	if d := w.draft(t, 1); d.RecordedStatement != ls {
		t.Errorf("recorded as LS %d, want %d", d.RecordedStatement, ls)
	}
	for _, action := range []string{"draft:created", "draft:edited", "draft:submitted", "draft:approved", "draft:recorded"} {
		if w.audits(t, action, "") == 0 {
			t.Errorf("no %s in the audit log", action)
		}
	}
	if w.audits(t, "reaction_removed", "withdrawn") != 1 {
		t.Errorf("the withdrawn approval is not audited")
	}
}
