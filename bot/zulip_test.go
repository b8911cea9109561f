package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
	"github.com/liaisonbot/liaisonbot/internal/zulip/zulipfake"
)

// zulipWorld is a validating fake Zulip (every request checked against
// Zulip's OpenAPI description), a fake Datatracker and a real PostgreSQL.
type zulipWorld struct {
	Z     *zulipfake.Server
	DT    *dtfake.Server
	Bot   *zulipfake.User
	Alice *zulipfake.User
	DSN   string
}

func newZulipWorld(t *testing.T) *zulipWorld {
	t.Helper()
	dt := dtfake.New()
	dt.LoadFixtures()
	dt.Start()
	t.Cleanup(dt.Close)
	z := zulipfake.New(t)
	z.Heartbeat = 500 * time.Millisecond
	w := &zulipWorld{
		Z:     z,
		DT:    dt,
		Bot:   z.AddBot("liaisonbot-bot@zulip.example.org", "liaisonbot"),
		Alice: z.AddUser("alice@example.org", "Alice Chair", zulipfake.RoleMember),
		DSN:   testenv.Postgres(t),
	}
	z.AddStream("teas", w.Alice.Email)
	return w
}

func (w *zulipWorld) config(t *testing.T, extra string) *config.Config {
	return loadConfig(t, fmt.Sprintf(`platform: zulip
database:
  url: %q
logging:
  level: debug
zulip:
  site: %q
  email: %q
  api_key: %q
rooms:
  - room: teas
    groups: [teas]
datatracker:
  url: %q
  timeout: 2s
http:
  listen: ""
`, w.DSN, w.Z.URL(), w.Bot.Email, w.Bot.APIKey, w.DT.URL())+extra)
}

// answers counts the bot's messages in a topic containing substr.
func (w *zulipWorld) answers(topic, substr string) int {
	n := 0
	for _, m := range w.Z.Messages("teas", topic) {
		if m.SenderID == w.Bot.ID && strings.Contains(m.Content, substr) {
			n++
		}
	}
	return n
}

// botMessages counts every message the bot posted in a topic.
func (w *zulipWorld) botMessages(topic string) int { return w.answers(topic, "") }

func (w *zulipWorld) dmAnswers(substr string) int {
	n := 0
	for _, m := range w.Z.DirectMessages(w.Alice.Email) {
		if m.SenderID == w.Bot.ID && strings.Contains(m.Content, substr) {
			n++
		}
	}
	return n
}

// The whole bot on Zulip: help in a channel topic in every spelling and in
// a DM; a queue loss in the middle of a conversation and restarts of the
// bot lose and repeat nothing.
func TestZulipHelpQueueLossAndRestart(t *testing.T) {
	w := newZulipWorld(t)
	cfg := w.config(t, "")
	r := start(t, cfg)
	testenv.Eventually(t, 15*time.Second, func() bool { return w.Z.Subscribed(w.Bot.Email, "teas") && w.Z.Queues() == 1 },
		"bot did not subscribe to its channel and register a queue")

	w.Z.Post(w.Alice.Email, "teas", "help", "/liaison help")
	w.Z.Post(w.Alice.Email, "teas", "help watch", "@**liaisonbot** help watch")
	w.Z.Post(w.Alice.Email, "teas", "bang", "!liaison frobnicate")
	w.Z.Post(w.Alice.Email, "teas", "chatter", "good morning, nothing for the bot")
	w.Z.DM(w.Alice.Email, "whoami")
	testenv.Eventually(t, 20*time.Second, func() bool {
		return w.answers("help", "Details of one command") == 1 && w.answers("help watch", "/liaison watch") == 1 &&
			w.answers("bang", "Unknown command") == 1 && w.dmAnswers("alice@example.org") == 1
	}, "commands were not answered in their topics and the DM")
	if n := w.botMessages("chatter"); n != 0 {
		t.Errorf("the bot answered plain chatter %d times", n)
	}
	// Answers are Zulip Markdown: the help list's code spans are intact.
	for _, m := range w.Z.Messages("teas", "help") {
		if m.SenderID == w.Bot.ID && !strings.Contains(m.Content, "`/liaison help <verb>`") {
			t.Errorf("help answer without its code span: %q", m.Content)
		}
	}

	// Queue loss mid-conversation: one command posted just before the
	// queue is lost, one while no queue exists (registering fails for a
	// while), one after.
	w.Z.Post(w.Alice.Email, "teas", "before loss", "!liaison watching")
	w.Z.FailNextOn("POST /register", 2, 503)
	w.Z.ExpireQueue()
	w.Z.Post(w.Alice.Email, "teas", "during loss", "/liaison help watch")
	testenv.Eventually(t, 30*time.Second, func() bool {
		return w.answers("before loss", "This room follows") == 1 && w.answers("during loss", "/liaison watch") == 1
	}, "commands around the queue loss were not answered")
	w.Z.Post(w.Alice.Email, "teas", "after loss", "/liaison whoami")
	testenv.Eventually(t, 20*time.Second, func() bool { return w.answers("after loss", "alice@example.org") == 1 },
		"no answer after the new queue")

	// Restart with the queue alive: what was said while the bot was down
	// comes from the same queue.
	r.stop()
	w.Z.Post(w.Alice.Email, "teas", "while down", "/liaison help")
	r = start(t, cfg)
	testenv.Eventually(t, 20*time.Second, func() bool { return w.answers("while down", "Details of one command") == 1 },
		"command sent while the bot was down was not answered")

	// Restart after the queue was lost while the bot was down: catch-up.
	r.stop()
	w.Z.ExpireQueue()
	w.Z.Post(w.Alice.Email, "teas", "down and lost", "!liaison watching")
	w.Z.DM(w.Alice.Email, "help watch")
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
