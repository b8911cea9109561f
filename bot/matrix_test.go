package bot

import (
	"context"
	"fmt"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

var consoleUserForTests = chat.User{ID: "tester"}

// The walking skeleton end to end: a real Dendrite, separate accounts for
// the bot and the users, a real PostgreSQL; help in all its spellings; a
// restart in the middle of a conversation answers nothing twice and
// answers what was said while the bot was down.
func TestMatrixHelpAndRestart(t *testing.T) {
	w := newMatrixWorld(t)
	alice := w.HS.RegisterUser(t, "alice")
	ac := w.HS.Client(t, alice)
	room := createRoom(t, ac, w.Bot.ID)
	cfg := w.config(t, fmt.Sprintf("rooms:\n  - room: %q\n    groups: [teas]\n", room))

	r := start(t, cfg)
	testenv.Eventually(t, 30*time.Second, func() bool { return membership(t, ac, room, w.Bot.ID) == event.MembershipJoin },
		"bot did not join its configured room")

	say(t, ac, room, "!liaison help")
	say(t, ac, room, "/liaison help watch")
	say(t, ac, room, "!liaison")
	say(t, ac, room, "!liaison frobnicate")
	testenv.Eventually(t, 30*time.Second, func() bool { return len(notices(t, ac, room, w.Bot.ID)) >= 4 }, "no answers")
	if n := countNotices(t, ac, room, w.Bot.ID, "Details of one command"); n != 2 {
		t.Errorf("help answered %d times, want 2 (!liaison help and bare !liaison)", n)
	}
	if n := countNotices(t, ac, room, w.Bot.ID, "Usage: /liaison watch"); n != 1 {
		t.Errorf("help watch answered %d times", n)
	}
	if n := countNotices(t, ac, room, w.Bot.ID, "Unknown command frobnicate"); n != 1 {
		t.Errorf("unknown verb answered %d times", n)
	}
	// Answers are m.notice with HTML and explicit, empty mentions.
	for _, m := range notices(t, ac, room, w.Bot.ID) {
		if m.Format != event.FormatHTML || m.FormattedBody == "" || m.Mentions == nil || m.Mentions.Room {
			t.Errorf("notice without HTML or explicit mentions: %+v", m)
		}
	}

	// Restart: stop the bot, talk while it is down, start it again.
	r.stop()
	say(t, ac, room, "!liaison whoami")
	r2 := start(t, cfg)
	testenv.Eventually(t, 30*time.Second, func() bool {
		return countNotices(t, ac, room, w.Bot.ID, "You are "+string(alice.ID)) == 1
	}, "command sent while the bot was down was not answered")
	say(t, ac, room, "!liaison watching")
	testenv.Eventually(t, 30*time.Second, func() bool { return countNotices(t, ac, room, w.Bot.ID, "This room follows") == 1 },
		"no answer after restart")
	time.Sleep(2 * time.Second) // give a duplicate the chance to show up
	if n := countNotices(t, ac, room, w.Bot.ID, "Details of one command"); n != 2 {
		t.Errorf("after restart help was answered %d times in all, want 2 (no replay)", n)
	}
	if n := countNotices(t, ac, room, w.Bot.ID, "You are "+string(alice.ID)); n != 1 {
		t.Errorf("whoami answered %d times", n)
	}

	// Every command is in the audit log, with who, where, what and result.
	var verbs []string
	for _, a := range auditActions(t, r2.Bot.Store) {
		if a.Actor == string(alice.ID) && a.Room == string(room) {
			verbs = append(verbs, a.Action+"="+a.Result)
		}
	}
	want := []string{"command:help=ok", "command:help=ok", "command:help=ok", "command:frobnicate=unknown", "command:whoami=ok", "command:watching=ok"}
	if fmt.Sprint(verbs) != fmt.Sprint(want) {
		t.Errorf("audit log %v, want %v", verbs, want)
	}
}

// Invites are accepted only to configured rooms or from admins.
func TestMatrixInvites(t *testing.T) {
	w := newMatrixWorld(t)
	admin := w.HS.RegisterUser(t, "ops")
	mallory := w.HS.RegisterUser(t, "mallory")
	oc, mc := w.HS.Client(t, admin), w.HS.Client(t, mallory)
	cfg := w.config(t, fmt.Sprintf("admins: [%q]\n", admin.ID))
	start(t, cfg)

	stranger := createRoom(t, mc, w.Bot.ID)
	adminRoom := createRoom(t, oc, w.Bot.ID)
	testenv.Eventually(t, 30*time.Second, func() bool { return membership(t, oc, adminRoom, w.Bot.ID) == event.MembershipJoin },
		"bot did not accept the admin's invite")
	testenv.Eventually(t, 10*time.Second, func() bool { return membership(t, mc, stranger, w.Bot.ID) == event.MembershipLeave },
		"bot did not reject the stranger's invite")
	time.Sleep(time.Second)
	if m := membership(t, mc, stranger, w.Bot.ID); m == event.MembershipJoin {
		t.Fatalf("bot joined a room outside its config on a stranger's invite")
	}
	_ = context.Background
	_ = store.KindReply
}
