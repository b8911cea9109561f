package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// On Zulip a statement pending in the Datatracker reaches the approver as
// a direct message with a real mention (it notifies), a reminder the next
// day, and one closing word when it is posted; the channels see nothing.
func TestZulipPendingStatementReachesApprovers(t *testing.T) {
	w := newZulipScenarioWorld(t).(*zulipScenarioWorld)
	clk := &shiftClock{}
	r := start(t, w.Config(t), func(b *Bot) { b.PollInterval = pollFast; b.Now = clk.Now })
	w.Ready(t)
	testenv.Eventually(t, waitAnnnce, func() bool { n, _ := r.Bot.Store.CountStatements(t.Context()); return n == 3 }, "no backfill")
	w.dt.SetClock(clk.Now)
	ad := w.users[scRTGAD]
	dms := func(substr string) int {
		n := 0
		for _, m := range w.z.DirectMessages(ad.Email) {
			if m.SenderID == w.bot.ID && strings.Contains(m.Content, substr) {
				n++
			}
		}
		return n
	}
	ls := w.dt.AddStatement(datatracker.Statement{Title: "TE topology models", FromGroups: []int64{groupTEAS}, ToGroups: []int64{groupSG15},
		ToContacts: "tsbsg15@itu.int", Purpose: "info", Body: "For your information."})
	want := fmt.Sprintf("your approval is needed for [LS %d]", ls)
	testenv.Eventually(t, 30*time.Second, func() bool { return dms(want) == 1 }, "no direct message to the AD")
	mention := fmt.Sprintf("@**%s|%d**", ad.FullName, ad.ID)
	if dms(mention) != 1 {
		t.Errorf("the request does not mention the AD with %s: %v", mention, w.z.DirectMessages(ad.Email))
	}

	clk.Advance(25 * time.Hour)
	r.Bot.PollNow()
	testenv.Eventually(t, 30*time.Second, func() bool { return dms("Reminder 1 of 5") == 1 }, "no reminder the next day")

	w.dt.Approve(ls)
	w.dt.Post(ls)
	testenv.Eventually(t, 30*time.Second, func() bool { return dms("was approved and posted") == 1 }, "the end was not said")
	clk.Advance(25 * time.Hour)
	r.Bot.PollNow()
	time.Sleep(3 * time.Second)
	if n := dms("Reminder"); n != 1 {
		t.Errorf("%d reminders, want 1", n)
	}
	if n := dms("was approved and posted"); n != 1 {
		t.Errorf("the end was said %d times", n)
	}
	for _, stream := range zulipScenarioStreams {
		for _, m := range w.z.Messages(stream, "") {
			if m.SenderID == w.bot.ID && strings.Contains(m.Content, "approval is needed") {
				t.Errorf("channel %s saw the pending statement: %s", stream, m.Content)
			}
		}
	}
}
