package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"

	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// Two replicas on one encrypted device: only the leading replica syncs and
// sends (one process at a time holds the device's Olm and Megolm state),
// each encrypted command is answered once and decrypts on the chair's
// client, and when the leader stops the other takes the session over with
// the same device and keys from the shared store.
func TestMatrixEncryptedTwoReplicasOneDevice(t *testing.T) {
	w, chair, cc, room, cfg := newEncryptedRoom(t)
	ctx := context.Background()
	fast := func(b *Bot) { b.LeaderCheck, b.LeaderRetry = 300*time.Millisecond, 300*time.Millisecond }
	first := start(t, cfg, fast)
	testenv.Eventually(t, 30*time.Second, func() bool {
		m, err := cc.StateStore.GetMember(ctx, room, w.Bot.ID)
		return err == nil && m != nil && m.Membership == event.MembershipJoin
	}, "bot did not join the encrypted room")
	testenv.Eventually(t, 30*time.Second, first.Bot.Leading, "the first replica does not lead")
	second := start(t, cfg, fast)
	time.Sleep(time.Second)
	if second.Bot.Leading() || !second.Bot.exclusive() {
		t.Fatalf("second replica: leading %v, exclusive %v", second.Bot.Leading(), second.Bot.exclusive())
	}

	// whoami answers are alike: they are counted (each command answered
	// once makes the count exact).
	answers := func() int {
		c := 0
		for _, e := range cc.Messages(room) {
			if mc := e.Content.AsMessage(); e.Sender == w.Bot.ID && e.Mautrix.WasEncrypted && mc != nil && strings.Contains(mc.Body, "You are "+chair.ID.String()) {
				c++
			}
		}
		return c
	}
	asked := 0
	ask := func(n int) {
		t.Helper()
		for range n {
			if _, err := cc.SendMessageEvent(ctx, room, event.EventMessage, &event.MessageEventContent{MsgType: event.MsgText,
				Body: "!liaison whoami"}); err != nil {
				t.Fatal(err)
			}
		}
		asked += n
		testenv.Eventually(t, 60*time.Second, func() bool { return answers() >= asked },
			"%d of %d encrypted commands answered (and decrypted on the chair's client)", answers(), asked)
	}
	ask(5)
	if second.Bot.Chat.Connected() {
		t.Error("the replica that does not lead syncs as the bot's device too")
	}

	// The leader stops; the other replica takes the session over.
	first.stop()
	testenv.Eventually(t, 30*time.Second, second.Bot.Leading, "the second replica did not take over")
	ask(5)
	time.Sleep(3 * time.Second)
	if n := answers(); n != asked {
		t.Errorf("%d answers to %d commands", n, asked)
	}
	// One device for the bot throughout.
	resp, err := cc.QueryKeys(ctx, &mautrix.ReqQueryKeys{DeviceKeys: mautrix.DeviceKeysRequest{w.Bot.ID: {}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(resp.DeviceKeys[w.Bot.ID]); n != 1 {
		t.Errorf("the bot has %d devices, want 1", n)
	}
}
