package bot

import (
	"strconv"
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/rules"
)

// Reactions given on an approval request while Zulip had dropped the bot's
// event queue (the bot down for more than ten minutes, a server restart)
// reach no one as events. After catching up, the bot reads the request's
// reactions back: a ✅ from the right AD approves (4053bis §4.1), a ✅
// from an AD of another area is explained once, a ✅ taken away while the
// queue was gone withdraws the approval, and a loss in which nothing
// changed changes nothing.
func TestZulipReactionsDuringQueueLoss(t *testing.T) {
	w := newZulipScenarioWorld(t).(*zulipScenarioWorld)
	s := &scenario{t: t, w: w}
	s.start()
	req := s.submitDraft()
	msgID, err := strconv.Atoi(req.ID)
	if err != nil {
		t.Fatal(err)
	}
	// down and lost stops the bot, drops every event queue, does what it is
	// given (no queue exists to carry it), and starts the bot again.
	downAndLost := func(meanwhile func()) {
		t.Helper()
		s.stop()
		w.z.ExpireQueue()
		meanwhile()
		s.start()
	}
	handoff := has("liaison/add/outgoing")
	explained := has("changes nothing")
	withdrew := has("withdrew the approval of D1")

	downAndLost(func() {
		w.React(t, scOtherAD, scWG, req.ID, "✅")
		w.React(t, scRTGAD, scWG, req.ID, "✅")
	})
	s.waitDraftState(1, rules.DraftApproved)
	s.waitFor(scWG, "hand-off after the ✅ given while the queue was lost", handoff)
	s.waitFor(scWG, "explanation of the other AD's ✅", explained)

	downAndLost(func() {
		if err := w.z.Unreact(scEmail[scRTGAD], msgID, "check"); err != nil {
			t.Fatal(err)
		}
	})
	s.waitDraftState(1, rules.DraftSubmitted)
	s.waitFor(scWG, "withdrawal after the ✅ removed while the queue was lost", withdrew)

	// Nothing changed while lost: nothing happens.
	downAndLost(func() {})
	settle()
	if d := s.draft(1); d.State != rules.DraftSubmitted {
		t.Errorf("D1 is %s after a queue loss in which nothing changed, want submitted", d.State)
	}
	for what, match := range map[string]func(scMsg) bool{"hand-off": handoff, "explanation": explained, "withdrawal": withdrew} {
		if n := len(s.find(scWG, match)); n != 1 {
			t.Errorf("%s posted %d times, want once", what, n)
		}
	}
	var resyncs int
	if err := s.bot.Bot.Store.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'reactions_resync'`).Scan(&resyncs); err != nil {
		t.Fatal(err)
	}
	if resyncs != 3 {
		t.Errorf("%d reaction resyncs audited, want 3 (one per lost queue)", resyncs)
	}
}
