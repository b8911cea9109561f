package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// The whole bot in an encrypted room and an encrypted DM, with a chair
// whose client encrypts (like Element): commands are read, answers arrive
// encrypted and decrypt on the chair's client; in the DM the bare verb
// works although the chair is no admin.
func TestMatrixEncryptedRoomAndDM(t *testing.T) {
	w := newMatrixWorld(t, testenv.WithPostgres(testenv.Postgres(t)))
	chair := w.HS.RegisterUser(t, "chair")
	cc := w.HS.CryptoClient(t, chair)
	ctx := context.Background()
	room, err := cc.CreateEncryptedRoom(ctx, false, w.Bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg := w.config(t, fmt.Sprintf("rooms:\n  - room: %q\n    groups: [teas]\n", room))
	cfg.Matrix.PickleKey = "test pickle key"
	cfg.Matrix.Identities = append(cfg.Matrix.Identities, config.Identity{User: chair.ID.String(), Email: "chair@example.org"})
	start(t, cfg)

	botJoined := func(r id.RoomID) func() bool {
		return func() bool {
			m, err := cc.StateStore.GetMember(ctx, r, w.Bot.ID)
			return err == nil && m != nil && m.Membership == event.MembershipJoin
		}
	}
	answered := func(r id.RoomID, substr string) int {
		n := 0
		for _, e := range cc.Messages(r) {
			if mc := e.Content.AsMessage(); e.Sender == w.Bot.ID && e.Mautrix.WasEncrypted && mc != nil && strings.Contains(mc.Body, substr) {
				n++
			}
		}
		return n
	}
	sendEnc := func(r id.RoomID, body string) {
		if _, err := cc.SendMessageEvent(ctx, r, event.EventMessage, &event.MessageEventContent{MsgType: event.MsgText, Body: body}); err != nil {
			t.Fatal(err)
		}
	}

	testenv.Eventually(t, 30*time.Second, botJoined(room), "bot did not join the encrypted room")
	sendEnc(room, "!liaison whoami")
	testenv.Eventually(t, 30*time.Second, func() bool { return answered(room, "You are "+chair.ID.String()) == 1 },
		"no encrypted answer in the encrypted room")

	dm, err := cc.CreateEncryptedRoom(ctx, true, w.Bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, botJoined(dm), "bot did not join the chair's DM")
	sendEnc(dm, "whoami")
	testenv.Eventually(t, 30*time.Second, func() bool { return answered(dm, "You are "+chair.ID.String()) == 1 },
		"no encrypted answer to the bare verb in the DM")
	time.Sleep(2 * time.Second)
	if n := answered(room, "You are"); n != 1 {
		t.Errorf("room answered %d times", n)
	}
}
