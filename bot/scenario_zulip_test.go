package bot

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
	"github.com/liaisonbot/liaisonbot/internal/zulip/zulipfake"
)

// zulipScenarioWorld is the scenario world on the validating fake Zulip
// (every request and response checked against Zulip's OpenAPI
// description): rooms are channels, the people's account e-mails are their
// Datatracker e-mails (issue 6 point 5), and what they say goes into one
// topic of the channel.
type zulipScenarioWorld struct {
	z     *zulipfake.Server
	dt    *dtfake.Server
	bot   *zulipfake.User
	users map[scActor]*zulipfake.User
	dsn   string
	cfg   *config.Config
}

// The world's channels, and the topic the people talk in.
var zulipScenarioStreams = map[scRoom]string{scWG: "teas", scCoord: "liaison-coordination"}

const zulipScenarioTopic = "liaison work"

// zulipEmojiName is the Zulip emoji name of a reaction key (zulipfake.Emoji).
var zulipEmojiName = map[string]string{"✅": "check", "❌": "cross_mark", "👍": "+1"}

// zulipEmojiKey is the reaction key of a Zulip emoji code.
var zulipEmojiKey = map[string]string{"2705": "✅", "274c": "❌", "1f44d": "👍"}

func newZulipScenarioWorld(t *testing.T) scenarioWorld {
	t.Helper()
	dt := dtfake.New()
	dt.LoadFixtures()
	dt.Start()
	t.Cleanup(dt.Close)
	z := zulipfake.New(t)
	z.Heartbeat = 500 * time.Millisecond
	w := &zulipScenarioWorld{
		z: z, dt: dt,
		bot:   z.AddBot("liaisonbot-bot@zulip.example.org", "liaisonbot"),
		users: map[scActor]*zulipfake.User{},
		dsn:   testenv.Postgres(t),
	}
	names := map[scActor]string{scChair: "Maria Lindqvist", scRTGAD: "Bea Example", scOtherAD: "Grace Example"}
	var emails []string
	for a, email := range scEmail {
		w.users[a] = z.AddUser(email, names[a], zulipfake.RoleMember)
		emails = append(emails, email)
	}
	for _, stream := range zulipScenarioStreams {
		z.AddStream(stream, emails...)
	}
	return w
}

func (w *zulipScenarioWorld) DT() *dtfake.Server { return w.dt }

func (w *zulipScenarioWorld) Config(t *testing.T) *config.Config {
	if w.cfg == nil {
		w.cfg = loadConfig(t, fmt.Sprintf(`platform: zulip
database:
  url: %q
logging:
  level: debug
zulip:
  site: %q
  email: %q
  api_key: %q
http:
  listen: ""
`, w.dsn, w.z.URL(), w.bot.Email, w.bot.APIKey)+roomsYAML(zulipScenarioStreams[scWG], zulipScenarioStreams[scCoord], w.dt.URL()))
	}
	return w.cfg
}

// Ready: subscribed to both channels and an event queue registered (what
// is said before the first queue exists is not delivered).
func (w *zulipScenarioWorld) Ready(t *testing.T) {
	t.Helper()
	testenv.Eventually(t, scWait, func() bool {
		for _, stream := range zulipScenarioStreams {
			if !w.z.Subscribed(w.bot.Email, stream) {
				return false
			}
		}
		return w.z.Queues() >= 1
	}, "the bot did not subscribe to its channels and register a queue")
}

func (w *zulipScenarioWorld) Say(t *testing.T, who scActor, room scRoom, text string) {
	t.Helper()
	w.z.Post(w.users[who].Email, zulipScenarioStreams[room], zulipScenarioTopic, text)
}

func (w *zulipScenarioWorld) React(t *testing.T, who scActor, room scRoom, msgID, key string) {
	t.Helper()
	n, err := strconv.Atoi(msgID)
	if err != nil {
		t.Fatalf("Zulip message ID %q: %v", msgID, err)
	}
	name, ok := zulipEmojiName[key]
	if !ok {
		t.Fatalf("no Zulip emoji name for %q", key)
	}
	if err := w.z.React(w.users[who].Email, n, name); err != nil {
		t.Fatal(err)
	}
}

func (w *zulipScenarioWorld) BotMessages(t *testing.T, room scRoom) []scMsg {
	var out []scMsg
	for _, m := range w.z.Messages(zulipScenarioStreams[room], "") {
		if m.SenderID != w.bot.ID {
			continue
		}
		msg := scMsg{ID: strconv.Itoa(m.ID), Text: m.Content, Thread: m.Topic}
		for _, r := range m.Reactions {
			if r.UserID == w.bot.ID {
				msg.Reactions = append(msg.Reactions, zulipEmojiKey[r.Code])
			}
		}
		out = append(out, msg)
	}
	return out
}
