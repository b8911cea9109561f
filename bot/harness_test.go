package bot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// loadConfig writes yaml to a file and loads it through the real loader.
func loadConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// running is a bot started by a test.
type running struct {
	Bot    *Bot
	cancel context.CancelFunc
	done   chan error
}

// start runs a bot on cfg until the test ends or stop is called.
func start(t *testing.T, cfg *config.Config, tweak ...func(*Bot)) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Transport(cfg, st, log, consoleUserForTests)
	if err != nil {
		t.Fatal(err)
	}
	b := New(cfg, log, st, tr)
	b.PollEvery = 200 * time.Millisecond
	for _, f := range tweak {
		f(b)
	}
	r := &running{Bot: b, cancel: cancel, done: make(chan error, 1)}
	go func() {
		r.done <- b.Run(ctx)
		st.Close()
	}()
	t.Cleanup(func() { checkNoTxNetwork(t) }) // runs after stop (cleanups run last-in first-out)
	t.Cleanup(r.stop)
	return r
}

// stop stops the bot and waits for it.
func (r *running) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
	}
	r.cancel = nil
}

// matrixWorld is a Dendrite with a bot account and users.
type matrixWorld struct {
	HS  *testenv.Homeserver
	Bot testenv.User
	DSN string
}

func newMatrixWorld(t *testing.T, opts ...testenv.DendriteOption) *matrixWorld {
	t.Helper()
	hs := testenv.Dendrite(t, opts...)
	return &matrixWorld{HS: hs, Bot: hs.RegisterUser(t, "liaisonbot"), DSN: testenv.Postgres(t)}
}

// config is a Matrix bot config; extra is appended YAML.
func (w *matrixWorld) config(t *testing.T, extra string) *config.Config {
	return loadConfig(t, fmt.Sprintf(`platform: matrix
database:
  url: %q
logging:
  level: debug
matrix:
  homeserver: %q
  user_id: %q
  password: %q
http:
  listen: ""
`, w.DSN, w.HS.URL(), w.Bot.ID, w.Bot.Password)+extra)
}

// createRoom makes a room as u and invites the bot.
func createRoom(t *testing.T, cli *mautrix.Client, invite ...id.UserID) id.RoomID {
	t.Helper()
	resp, err := cli.CreateRoom(context.Background(), &mautrix.ReqCreateRoom{Preset: "private_chat", Invite: invite})
	if err != nil {
		t.Fatal(err)
	}
	return resp.RoomID
}

// say sends a text message as cli.
func say(t *testing.T, cli *mautrix.Client, room id.RoomID, text string) id.EventID {
	t.Helper()
	resp, err := cli.SendText(context.Background(), room, text)
	if err != nil {
		t.Fatal(err)
	}
	return resp.EventID
}

// timeline returns the room's messages, oldest first.
func timeline(t *testing.T, cli *mautrix.Client, room id.RoomID) []*event.Event {
	t.Helper()
	// Dendrite now and then answers 500 under load: ask again.
	var resp *mautrix.RespMessages
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		if resp, err = cli.Messages(context.Background(), room, "", "", mautrix.DirectionBackward, nil, 500); err == nil {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*event.Event, 0, len(resp.Chunk))
	for i := len(resp.Chunk) - 1; i >= 0; i-- {
		evt := resp.Chunk[i]
		_ = evt.Content.ParseRaw(evt.Type)
		out = append(out, evt)
	}
	return out
}

// notices returns the bot's messages in a room (notices and alerts; not edits).
func notices(t *testing.T, cli *mautrix.Client, room id.RoomID, bot id.UserID) []*event.MessageEventContent {
	t.Helper()
	var out []*event.MessageEventContent
	for _, evt := range timeline(t, cli, room) {
		if evt.Sender != bot || evt.Type != event.EventMessage {
			continue
		}
		// Edits (m.replace) change a message; they are not messages of
		// their own.
		// Quiet output is m.notice, an alert m.text (issue 13).
		if msg := evt.Content.AsMessage(); (msg.MsgType == event.MsgNotice || msg.MsgType == event.MsgText) && (msg.RelatesTo == nil || msg.RelatesTo.Type != event.RelReplace) {
			out = append(out, msg)
		}
	}
	return out
}

// countNotices counts the bot's notices containing substr.
func countNotices(t *testing.T, cli *mautrix.Client, room id.RoomID, bot id.UserID, substr string) int {
	n := 0
	for _, m := range notices(t, cli, room, bot) {
		if strings.Contains(m.Body, substr) {
			n++
		}
	}
	return n
}

// membership returns the bot's membership in a room as cli sees it.
func membership(t *testing.T, cli *mautrix.Client, room id.RoomID, user id.UserID) event.Membership {
	t.Helper()
	var mem event.MemberEventContent
	if err := cli.StateEvent(context.Background(), room, event.StateMember, user.String(), &mem); err != nil {
		return ""
	}
	return mem.Membership
}

// auditActions lists the audit log's actions.
func auditActions(t *testing.T, st *store.Store) []store.Audit {
	t.Helper()
	as, err := st.AuditSince(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// roomsYAML is the config of the test worlds' rooms (a WG room bound to
// teas and a coordination room) and their fake Datatracker.
func roomsYAML(wgRoom, coordRoom, datatrackerURL string) string {
	return fmt.Sprintf(`rooms:
  - room: %q
    groups: [teas]
  - room: %q
    coordination: true
datatracker:
  url: %q
  timeout: 2s
`, wgRoom, coordRoom, datatrackerURL)
}
