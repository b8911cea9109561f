package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// shiftClock is a clock the test moves forward (the next day's reminder).
type shiftClock struct{ offset atomic.Int64 }

func (c *shiftClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *shiftClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// waitInvite waits until cli is invited to a room by inviter as a direct
// message (is_direct on the invite) and joins it.
func waitDirectInvite(t *testing.T, cli *mautrix.Client, inviter id.UserID) id.RoomID {
	t.Helper()
	var room id.RoomID
	testenv.Eventually(t, 60*time.Second, func() bool {
		resp, err := cli.SyncRequest(context.Background(), 0, "", "", false, event.PresenceOffline)
		if err != nil {
			return false
		}
		for rid, inv := range resp.Rooms.Invite {
			for _, evt := range inv.State.Events {
				if evt.Type != event.StateMember || evt.GetStateKey() != cli.UserID.String() || evt.Sender != inviter {
					continue
				}
				_ = evt.Content.ParseRaw(evt.Type)
				if mc := evt.Content.AsMember(); mc.Membership == event.MembershipInvite && mc.IsDirect {
					room = rid
					return true
				}
			}
		}
		return false
	}, "%s was never invited to a direct room by %s", cli.UserID, inviter)
	if _, err := cli.JoinRoomByID(context.Background(), room); err != nil {
		t.Fatal(err)
	}
	return room
}

// messagesWith counts the bot's messages in room, as cli sees them, whose
// body contains substr, and returns the last one's ID.
func messagesWith(t *testing.T, cli *mautrix.Client, room id.RoomID, bot id.UserID, substr string) (int, id.EventID) {
	t.Helper()
	n := 0
	var last id.EventID
	for _, evt := range timeline(t, cli, room) {
		if evt.Sender != bot || evt.Type != event.EventMessage {
			continue
		}
		if strings.Contains(evt.Content.AsMessage().Body, substr) {
			n++
			last = evt.ID
		}
	}
	return n, last
}

func waitMessages(t *testing.T, cli *mautrix.Client, room id.RoomID, bot id.UserID, substr string, want int) id.EventID {
	t.Helper()
	var last id.EventID
	testenv.Eventually(t, 60*time.Second, func() bool {
		var n int
		n, last = messagesWith(t, cli, room, bot, substr)
		return n >= want
	}, "no %d× %q in %s", want, substr, room)
	return last
}

// The acceptance test for statements pending in the Datatracker,
// through Dendrite: a statement submitted from teas and left pending makes
// the bot open a direct room with the RTG AD who has a chat identity (the
// invite is a direct one; the request mentions and notifies them), and
// ask in the approvals room for teas's responsible AD who has none. The
// next day it reminds them once; when the statement is posted it says so
// once and stops. A killed statement likewise. No group room ever sees a
// pending statement.
func TestMatrixPendingStatementReachesApprovers(t *testing.T) {
	w := newApprovalWorld(t)
	clk := &shiftClock{}
	extra := w.cfg(t) + fmt.Sprintf("approvals_room: %q\n", w.ApprovalsRoom)
	cfg := w.config(t, extra)
	cfg.Matrix.Identities = append(cfg.Matrix.Identities,
		identity(w.Chair.UserID, chairEmail), identity(w.AD.UserID, adEmail), identity(w.OtherAD.UserID, otherADEmail),
		// teas's responsible AD is mapped to an account that does not
		// exist (a typo in the config): the homeserver refuses the room.
		identity(id.UserID("@ghost:localhost"), "ad-one@example.org"))
	w.bot = start(t, cfg, func(b *Bot) { b.PollInterval = pollFast; b.Now = clk.Now })
	testenv.Eventually(t, waitAnnnce, func() bool { n, _ := w.bot.Bot.Store.CountStatements(t.Context()); return n == 3 }, "no backfill")

	w.DT.SetClock(clk.Now) // submitted today (the fake's default dates follow its 2025 fixtures)
	ls := w.DT.AddStatement(datatracker.Statement{Title: "TE topology models for transport networks",
		FromGroups: []int64{groupTEAS}, ToGroups: []int64{groupSG15},
		FromContact: "Maria Lindqvist <maria.lindqvist@example.net>", ToContacts: "tsbsg15@itu.int", Purpose: "info",
		Body: "We would like to inform you of draft-ietf-teas-nonexistent-model, a work in progress."})
	ref := fmt.Sprintf("LS %d", ls)

	dm := waitDirectInvite(t, w.AD, w.Bot.ID)
	req := waitMessages(t, w.AD, dm, w.Bot.ID, "your approval is needed for "+ref, 1)
	evt, err := w.AD.GetEvent(context.Background(), dm, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := evt.Content.ParseRaw(evt.Type); err != nil {
		t.Fatal(err)
	}
	msg := evt.Content.AsMessage()
	body := msg.Body
	// It was sent before the AD joined (the invite is what notifies
	// then: .m.rule.invite_for_me), so it is checked to be an alert that
	// mentions them; the reminder below, once they are in the room, must
	// notify and highlight.
	if msg.MsgType != event.MsgText || msg.Mentions == nil || !slices.Contains(msg.Mentions.UserIDs, w.AD.UserID) {
		t.Errorf("the request is %s with m.mentions %+v, want m.text mentioning %s", msg.MsgType, msg.Mentions, w.AD.UserID)
	}
	for _, want := range []string{"TE topology models", "From:", "To:", "/liaison/" + fmt.Sprint(ls) + "/", "Approve", "draft-ietf-teas-nonexistent-model"} {
		if !strings.Contains(body, want) {
			t.Errorf("the request lacks %q:\n%s", want, body)
		}
	}
	ad := &person{name: "RTG AD", cli: w.AD}
	ad.before = unreadCounts(t, w.AD, dm)

	// The responsible AD cannot be reached directly: asked in the
	// approvals room.
	waitMessages(t, w.AD, w.ApprovalsRoom, w.Bot.ID, "ad-one@example.org", 1)

	// Next day: one reminder, however often the bot polls.
	clk.Advance(25 * time.Hour)
	w.bot.Bot.PollNow()
	reminder := waitMessages(t, w.AD, dm, w.Bot.ID, "Reminder 1 of 5", 1)
	observe(t, dm, reminder, 2, true, []*person{ad}, nil)
	w.bot.Bot.PollNow()
	time.Sleep(2 * time.Second)
	if n, _ := messagesWith(t, w.AD, dm, w.Bot.ID, "Reminder"); n != 1 {
		t.Errorf("%d reminders after one day, want 1", n)
	}

	// Posted: said once in the DM and in the approvals room, then silence.
	w.DT.Approve(ls)
	w.DT.Post(ls)
	waitMessages(t, w.AD, dm, w.Bot.ID, "was approved and posted", 1)
	waitMessages(t, w.AD, w.ApprovalsRoom, w.Bot.ID, "was approved and posted", 1)
	clk.Advance(25 * time.Hour)
	w.bot.Bot.PollNow()
	time.Sleep(3 * time.Second)
	if n, _ := messagesWith(t, w.AD, dm, w.Bot.ID, "was approved and posted"); n != 1 {
		t.Errorf("the end was said %d times, want 1", n)
	}
	if n, _ := messagesWith(t, w.AD, dm, w.Bot.ID, "Reminder"); n != 1 {
		t.Errorf("%d reminders after it was posted, want 1", n)
	}

	// A second one, killed: the same DM is used, and the kill is said once.
	killed := w.DT.AddStatement(datatracker.Statement{Title: "An abandoned liaison",
		FromGroups: []int64{groupTEAS}, ToGroups: []int64{groupSG15}, ToContacts: "tsbsg15@itu.int", Purpose: "info", Body: "Never mind."})
	waitMessages(t, w.AD, dm, w.Bot.ID, fmt.Sprintf("your approval is needed for LS %d", killed), 1)
	w.DT.Kill(killed)
	waitMessages(t, w.AD, dm, w.Bot.ID, "was marked dead (killed)", 1)

	// The group rooms never saw the pending statements (the posted one is
	// announced, as every posted statement is).
	for _, room := range []id.RoomID{w.WGRoom, w.CoordRoom} {
		if n, _ := messagesWith(t, w.Chair, room, w.Bot.ID, fmt.Sprintf("LS %d", killed)); n != 0 {
			t.Errorf("%s saw the killed pending statement %d times", room, n)
		}
		if n, _ := messagesWith(t, w.Chair, room, w.Bot.ID, "approval is needed"); n != 0 {
			t.Errorf("%s saw an approval request for a pending statement", room)
		}
	}
	// One direct room for both statements.
	resp, err := w.AD.JoinedRooms(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	direct := 0
	for _, r := range resp.JoinedRooms {
		if r != w.WGRoom && r != w.ApprovalsRoom && r != w.CoordRoom {
			direct++
		}
	}
	if direct != 1 {
		t.Errorf("the AD is in %d rooms besides the group rooms, want the one direct room", direct)
	}
}
