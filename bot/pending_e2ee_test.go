package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// The direct room the bot opens for a pending statement keeps working when
// the AD turns encryption on in it (issue 17): the next reminder arrives
// encrypted and decrypts on the AD's client, and a bare verb the AD sends
// there, encrypted, is answered.
func TestMatrixPendingDMTurnedEncrypted(t *testing.T) {
	w := newApprovalWorld(t)
	ctx := context.Background()
	adc := w.HS.CryptoClient(t, testenv.User{ID: w.AD.UserID, Localpart: "rtgad", AccessToken: w.AD.AccessToken, DeviceID: w.AD.DeviceID})
	clk := &shiftClock{}
	cfg := w.config(t, w.cfg(t)+fmt.Sprintf("approvals_room: %q\n", w.ApprovalsRoom))
	cfg.Matrix.PickleKey = "test pickle key"
	cfg.Matrix.Identities = append(cfg.Matrix.Identities,
		identity(w.Chair.UserID, chairEmail), identity(w.AD.UserID, adEmail), identity(w.OtherAD.UserID, otherADEmail))
	w.bot = start(t, cfg, func(b *Bot) { b.PollInterval = pollFast; b.Now = clk.Now })
	testenv.Eventually(t, waitAnnnce, func() bool { n, _ := w.bot.Bot.Store.CountStatements(t.Context()); return n == 3 }, "no backfill")
	w.DT.SetClock(clk.Now)

	ls := w.DT.AddStatement(datatracker.Statement{Title: "TE topology models", FromGroups: []int64{groupTEAS}, ToGroups: []int64{groupSG15},
		ToContacts: "tsbsg15@itu.int", Purpose: "info", Body: "For your information."})
	dm := waitDirectInvite(t, w.AD, w.Bot.ID)
	waitMessages(t, w.AD, dm, w.Bot.ID, fmt.Sprintf("your approval is needed for LS %d", ls), 1)

	// The AD turns encryption on, as Element offers in any room.
	if _, err := w.AD.SendStateEvent(ctx, dm, event.StateEncryption, "", &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}); err != nil {
		t.Fatal(err)
	}
	decrypted := func(substr string) int {
		n := 0
		for _, e := range adc.Messages(dm) {
			if mc := e.Content.AsMessage(); e.Sender == w.Bot.ID && e.Mautrix.WasEncrypted && mc != nil && strings.Contains(mc.Body, substr) {
				n++
			}
		}
		return n
	}
	// The bot must have seen the encryption event before it sends: give
	// its sync a moment, then move to the next day.
	time.Sleep(2 * time.Second)
	clk.Advance(25 * time.Hour)
	w.bot.Bot.PollNow()
	testenv.Eventually(t, 60*time.Second, func() bool { return decrypted("Reminder 1 of 5") == 1 },
		"the reminder in the now encrypted DM does not decrypt on the AD's client")

	if _, err := adc.SendMessageEvent(ctx, dm, event.EventMessage, &event.MessageEventContent{MsgType: event.MsgText, Body: "mine"}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 60*time.Second, func() bool { return decrypted("Pending in the Datatracker, waiting for your approval there") == 1 },
		"the AD's encrypted bare verb in the DM was not answered")
}
