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
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// newEncryptedRoom is a Dendrite with the bot's account, a chair whose
// client encrypts (like Element), and an encrypted room following teas
// that the chair created and invited the bot to; cfg has a pickle key and
// the chair's identity.
func newEncryptedRoom(t *testing.T) (w *matrixWorld, chair testenv.User, cc *testenv.CryptoClient, room id.RoomID, cfg *config.Config) {
	t.Helper()
	w = newMatrixWorld(t, testenv.WithPostgres(testenv.Postgres(t)))
	chair = w.HS.RegisterUser(t, "chair")
	cc = w.HS.CryptoClient(t, chair)
	room, err := cc.CreateEncryptedRoom(context.Background(), false, w.Bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg = w.config(t, fmt.Sprintf("rooms:\n  - room: %q\n    groups: [teas]\n", room))
	cfg.Matrix.PickleKey = "test pickle key"
	cfg.Matrix.Identities = append(cfg.Matrix.Identities, config.Identity{User: chair.ID.String(), Email: "chair@example.org"})
	return w, chair, cc, room, cfg
}

// The whole bot in an encrypted room and an encrypted DM, with a chair
// whose client encrypts (like Element): commands are read, answers arrive
// encrypted and decrypt on the chair's client; in the DM the bare verb
// works although the chair is no admin.
func TestMatrixEncryptedRoomAndDM(t *testing.T) {
	w, chair, cc, room, cfg := newEncryptedRoom(t)
	ctx := context.Background()
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

// An approval by ✅ in an encrypted room: the chair drafts and submits,
// the AD's encrypted reaction on the (encrypted) approval request counts.
func TestMatrixEncryptedApprovalByReaction(t *testing.T) {
	w := newApprovalWorld(t)
	ctx := context.Background()
	// The WG room turns encryption on (as Element does for private rooms).
	if _, err := w.Chair.SendStateEvent(ctx, w.WGRoom, event.StateEncryption, "",
		&event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}); err != nil {
		t.Fatal(err)
	}
	cc := w.HS.CryptoClient(t, testenv.User{ID: w.Chair.UserID, Localpart: "chair", AccessToken: w.Chair.AccessToken, DeviceID: w.Chair.DeviceID})
	adc := w.HS.CryptoClient(t, testenv.User{ID: w.AD.UserID, Localpart: "rtgad", AccessToken: w.AD.AccessToken, DeviceID: w.AD.DeviceID})

	extra := w.cfg(t) + fmt.Sprintf("approvals_room: %q\n", w.ApprovalsRoom)
	cfg := w.config(t, extra)
	cfg.Matrix.PickleKey = "test pickle key"
	cfg.Matrix.Identities = append(cfg.Matrix.Identities,
		identity(w.Chair.UserID, chairEmail), identity(w.AD.UserID, adEmail), identity(w.OtherAD.UserID, otherADEmail))
	w.bot = start(t, cfg, func(b *Bot) { b.PollInterval = pollFast })
	testenv.Eventually(t, 30*time.Second, func() bool {
		m, err := cc.StateStore.GetMember(ctx, w.WGRoom, w.Bot.ID)
		return err == nil && m != nil && m.Membership == event.MembershipJoin
	}, "bot not in the WG room")

	sendEnc := func(body string) {
		t.Helper()
		resp, err := cc.SendMessageEvent(ctx, w.WGRoom, event.EventMessage, &event.MessageEventContent{MsgType: event.MsgText, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		// Dendrite indexes a sent event asynchronously: a read right after
		// the send can answer 404 for a moment.
		var evt *event.Event
		testenv.Eventually(t, 10*time.Second, func() bool {
			evt, err = cc.GetEvent(ctx, w.WGRoom, resp.EventID)
			return err == nil
		}, "the sent command cannot be read back: %v", err)
		if evt.Type != event.EventEncrypted {
			t.Fatalf("the command was not sent encrypted: %v", evt.Type)
		}
	}
	deadline := time.Now().AddDate(0, 0, 40).Format("2006-01-02")
	sendEnc(fmt.Sprintf(`!liaison draft to=itu-t-sg-15 to_contact=sg15-reply@example.org purpose=action deadline=%s subject="TE topology models" consensus="WG consensus"
We ask SG15 to review RFC 8795.`, deadline))
	testenv.Eventually(t, 30*time.Second, func() bool {
		d, err := w.bot.Bot.Store.DraftByID(ctx, 1, false)
		return err == nil && d != nil
	}, "no draft from the encrypted command")
	sendEnc("!liaison submit D1")
	w.waitState(t, 1, rules.DraftSubmitted, 0)

	var req id.EventID
	testenv.Eventually(t, 30*time.Second, func() bool {
		for _, e := range adc.Messages(w.WGRoom) {
			if mc := e.Content.AsMessage(); e.Sender == w.Bot.ID && e.Mautrix.WasEncrypted && mc != nil &&
				strings.Contains(mc.Body, "Approval requested for outgoing statement D1") {
				req = e.ID
				return true
			}
		}
		return false
	}, "the AD's client has no decrypted approval request")
	if _, err := adc.React(ctx, w.WGRoom, req, "✅"); err != nil {
		t.Fatal(err)
	}
	w.waitState(t, 1, rules.DraftApproved, 0)
}
