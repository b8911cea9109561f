package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// answers counts the bot's messages in a topic of the WG channel
// containing substr.
func (w *zulipScenarioWorld) answers(topic, substr string) int {
	n := 0
	for _, m := range w.z.Messages(zulipScenarioStreams[scWG], topic) {
		if m.SenderID == w.bot.ID && strings.Contains(m.Content, substr) {
			n++
		}
	}
	return n
}

// botMessages counts every message the bot posted in a topic.
func (w *zulipScenarioWorld) botMessages(topic string) int { return w.answers(topic, "") }

// dmAnswers counts the bot's direct messages to the chair containing substr.
func (w *zulipScenarioWorld) dmAnswers(substr string) int {
	n := 0
	for _, m := range w.z.DirectMessages(scEmail[scChair]) {
		if m.SenderID == w.bot.ID && strings.Contains(m.Content, substr) {
			n++
		}
	}
	return n
}

// The whole bot on Zulip: help in a channel topic in every spelling and in
// a DM; a queue loss in the middle of a conversation and restarts of the
// bot lose and repeat nothing.
func TestZulipHelpQueueLossAndRestart(t *testing.T) {
	w := newZulipScenarioWorld(t).(*zulipScenarioWorld)
	cfg := w.Config(t)
	r := start(t, cfg)
	w.Ready(t)
	chair := scEmail[scChair]

	w.z.Post(chair, "teas", "help", "/liaison help")
	w.z.Post(chair, "teas", "help watch", "@**liaisonbot** help watch")
	w.z.Post(chair, "teas", "bang", "!liaison frobnicate")
	w.z.Post(chair, "teas", "chatter", "good morning, nothing for the bot")
	w.z.DM(chair, "whoami")
	testenv.Eventually(t, 20*time.Second, func() bool {
		return w.answers("help", "Details of one command") == 1 && w.answers("help watch", "/liaison watch") == 1 &&
			w.answers("bang", "Unknown command") == 1 && w.dmAnswers(chair) == 1
	}, "commands were not answered in their topics and the DM")
	if n := w.botMessages("chatter"); n != 0 {
		t.Errorf("the bot answered plain chatter %d times", n)
	}
	// Answers are Zulip Markdown: the help list's code spans are intact.
	for _, m := range w.z.Messages("teas", "help") {
		if m.SenderID == w.bot.ID && !strings.Contains(m.Content, "`/liaison help <verb>`") {
			t.Errorf("help answer without its code span: %q", m.Content)
		}
	}

	// Queue loss mid-conversation: one command posted just before the
	// queue is lost, one while no queue exists (registering fails for a
	// while), one after.
	w.z.Post(chair, "teas", "before loss", "!liaison watching")
	w.z.FailNextOn("POST /register", 2, 503)
	w.z.ExpireQueue()
	w.z.Post(chair, "teas", "during loss", "/liaison help watch")
	testenv.Eventually(t, 30*time.Second, func() bool {
		return w.answers("before loss", "This room follows") == 1 && w.answers("during loss", "/liaison watch") == 1
	}, "commands around the queue loss were not answered")
	w.z.Post(chair, "teas", "after loss", "/liaison whoami")
	testenv.Eventually(t, 20*time.Second, func() bool { return w.answers("after loss", chair) == 1 },
		"no answer after the new queue")

	// Restart with the queue alive: what was said while the bot was down
	// comes from the same queue.
	r.stop()
	w.z.Post(chair, "teas", "while down", "/liaison help")
	r = start(t, cfg)
	testenv.Eventually(t, 20*time.Second, func() bool { return w.answers("while down", "Details of one command") == 1 },
		"command sent while the bot was down was not answered")

	// Restart after the queue was lost while the bot was down: catch-up.
	r.stop()
	w.z.ExpireQueue()
	w.z.Post(chair, "teas", "down and lost", "!liaison watching")
	w.z.DM(chair, "help watch")
	start(t, cfg)
	testenv.Eventually(t, 20*time.Second, func() bool {
		return w.answers("down and lost", "This room follows") == 1 && w.dmAnswers("/liaison watch") == 1
	}, "commands sent while the bot was down and its queue lost were not answered")

	time.Sleep(2 * time.Second) // give a duplicate the chance to show up
	for topic, want := range map[string]int{
		"help": 1, "help watch": 1, "bang": 1, "chatter": 0, "before loss": 1, "during loss": 1,
		"after loss": 1, "while down": 1, "down and lost": 1,
	} {
		if n := w.botMessages(topic); n != want {
			t.Errorf("topic %q: the bot posted %d messages, want %d", topic, n, want)
		}
	}
	if n := w.dmAnswers(""); n != 2 {
		t.Errorf("the bot sent %d DMs, want 2", n)
	}
}
