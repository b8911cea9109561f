package matrix_test

// Integration tests against a real Dendrite (internal/testenv): two
// accounts, the bot and a person, talking through the homeserver.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/matrix"
)

// hsUser is an account on the test homeserver.
type hsUser struct {
	ID          id.UserID
	Password    string
	AccessToken string
}

// env is the test homeserver (see integration_env_test.go).
type env struct {
	url      string
	register func(t *testing.T, localpart string) hsUser
	client   func(t *testing.T, u hsUser) *mautrix.Client
	stop     func()
	start    func()
}

// collector is a sink that records events; it is safe for concurrent use.
type collector struct {
	mu     sync.Mutex
	events []chat.Event
	// hook, when set, runs inside the sink (the sync loop waits for it).
	hook func(chat.Event)
}

func (c *collector) sink(_ context.Context, e chat.Event) error {
	c.mu.Lock()
	hook := c.hook
	c.mu.Unlock()
	if hook != nil {
		hook(e)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
	return nil
}

func (c *collector) all() []chat.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

// find returns the events matching f.
func (c *collector) find(f func(chat.Event) bool) []chat.Event {
	var out []chat.Event
	for _, e := range c.all() {
		if f(e) {
			out = append(out, e)
		}
	}
	return out
}

func (c *collector) waitFor(t *testing.T, what string, f func(chat.Event) bool) chat.Event {
	t.Helper()
	var got chat.Event
	eventually(t, 20*time.Second, what, func() bool {
		if m := c.find(f); len(m) > 0 {
			got = m[0]
			return true
		}
		return false
	})
	return got
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func text(body string) func(chat.Event) bool {
	return func(e chat.Event) bool { return e.Kind == chat.EventMessage && e.Text == body }
}

// running is a transport whose Run loop runs in the background.
type running struct {
	tr     *matrix.Transport
	col    *collector
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned
	err    error         // what Run returned
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
		if r.err != nil {
			t.Fatalf("Run returned %v on a clean stop", r.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func startBot(t *testing.T, cfg matrix.Config, kv chat.KV, col *collector) *running {
	t.Helper()
	cfg.Log = zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
	tr, err := matrix.New(cfg, kv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{tr: tr, col: col, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = tr.Run(ctx, col.sink)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
		}
	})
	eventually(t, 30*time.Second, "the first sync", tr.Connected)
	return r
}

func botConfig(e *env, bot hsUser) matrix.Config {
	return matrix.Config{
		Homeserver:  e.url,
		UserID:      bot.ID.String(),
		Password:    bot.Password,
		DisplayName: "Liaison Bot",
		HTTPBackoff: 200 * time.Millisecond,
	}
}

func createRoom(t *testing.T, cli *mautrix.Client, public bool, invite ...id.UserID) id.RoomID {
	t.Helper()
	preset := "private_chat"
	if public {
		preset = "public_chat"
	}
	resp, err := cli.CreateRoom(context.Background(), &mautrix.ReqCreateRoom{Preset: preset, Invite: invite})
	if err != nil {
		t.Fatal(err)
	}
	return resp.RoomID
}

func sendText(t *testing.T, cli *mautrix.Client, room id.RoomID, body string) id.EventID {
	t.Helper()
	resp, err := cli.SendMessageEvent(context.Background(), room, event.EventMessage,
		&event.MessageEventContent{MsgType: event.MsgText, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return resp.EventID
}

func membership(t *testing.T, cli *mautrix.Client, room id.RoomID, user id.UserID) event.Membership {
	t.Helper()
	var m event.MemberEventContent
	if err := cli.StateEvent(context.Background(), room, event.StateMember, user.String(), &m); err != nil {
		return ""
	}
	return m.Membership
}

func waitJoined(t *testing.T, cli *mautrix.Client, room id.RoomID, user id.UserID) {
	t.Helper()
	eventually(t, 20*time.Second, user.String()+" joined", func() bool {
		return membership(t, cli, room, user) == event.MembershipJoin
	})
}

// roomMessages lists the room's m.room.message events, oldest first.
func roomMessages(t *testing.T, cli *mautrix.Client, room id.RoomID) []*event.Event {
	t.Helper()
	resp, err := cli.Messages(context.Background(), room, "", "", mautrix.DirectionBackward, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []*event.Event
	for i := len(resp.Chunk) - 1; i >= 0; i-- {
		e := resp.Chunk[i]
		if e.Type == event.EventMessage {
			_ = e.Content.ParseRaw(e.Type)
			out = append(out, e)
		}
	}
	return out
}

// settle waits a little so late duplicates, if any, would arrive.
func settle() { time.Sleep(1500 * time.Millisecond) }

func TestIntegrationCommandNoticeReactionRedaction(t *testing.T) {
	e := newEnv(t, false)
	bot := e.register(t, "liaisonbot")
	alice := e.register(t, "alice")
	ac := e.client(t, alice)
	room := createRoom(t, ac, true)

	col := &collector{}
	r := startBot(t, botConfig(e, bot), &chat.MemKV{}, col)
	if err := r.tr.JoinRoom(context.Background(), room.String()); err != nil {
		t.Fatal(err)
	}
	waitJoined(t, ac, room, bot.ID)

	// A command reaches the sink exactly once, with sender and room.
	cmdID := sendText(t, ac, room, "!liaison help")
	got := col.waitFor(t, "the command", text("!liaison help"))
	settle()
	if n := len(col.find(text("!liaison help"))); n != 1 {
		t.Fatalf("command delivered %d times", n)
	}
	if got.ID != cmdID.String() || got.Room != room.String() || got.Sender.ID != alice.ID.String() || got.Platform != "matrix" {
		t.Fatalf("event %+v", got)
	}
	if got.Sender.DisplayName == "" {
		t.Fatalf("no display name: %+v", got.Sender)
	}

	// Addressed by display name.
	sendText(t, ac, room, "Liaison Bot: show 12")
	if ev := col.waitFor(t, "addressed message", text("show 12")); !ev.MentionsBot {
		t.Fatalf("not flagged as mentioning the bot: %+v", ev)
	}

	// A notice with HTML, an explicit m.mentions and no @room.
	doc := chat.NewDoc(
		chat.P(chat.B("LS 12"), chat.T(" for "), chat.M(chat.User{ID: alice.ID.String(), DisplayName: "Alice"}),
			chat.T(` — @room <img src=x onerror=alert(1)> [x](https://matrix.to/#/@u:s)`)),
		chat.List(chat.Item(chat.L("statement", "https://datatracker.ietf.org/liaison/12/"))),
	)
	sent, err := r.tr.Send(context.Background(), chat.Outgoing{Room: room.String(), Body: doc, Notice: true, TxnKey: "announce:12", NewThread: "LS 12"})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Room != room.String() || sent.ID == "" || sent.Thread != sent.ID {
		t.Fatalf("sent %+v", sent)
	}
	evt, err := getEventRetry(ac, room, id.EventID(sent.ID))
	if err != nil {
		t.Fatal(err)
	}
	_ = evt.Content.ParseRaw(evt.Type)
	mc := evt.Content.AsMessage()
	if mc.MsgType != event.MsgNotice || mc.Format != event.FormatHTML {
		t.Fatalf("content %+v", mc)
	}
	if !strings.Contains(mc.FormattedBody, `<a href="https://matrix.to/#/`+alice.ID.String()+`">Alice</a>`) ||
		!strings.Contains(mc.FormattedBody, `<a href="https://datatracker.ietf.org/liaison/12/">statement</a>`) ||
		strings.Contains(mc.FormattedBody, "<img") || strings.Contains(mc.FormattedBody, "@room") || strings.Contains(mc.Body, "@room") {
		t.Fatalf("formatted_body %q body %q", mc.FormattedBody, mc.Body)
	}
	raw := evt.Content.Raw["m.mentions"]
	mentions, ok := raw.(map[string]any)
	if !ok {
		t.Fatalf("no m.mentions: %v", evt.Content.Raw)
	}
	// Not an Alert: the pill is shown, m.mentions names nobody.
	if ids, _ := mentions["user_ids"].([]any); len(ids) != 0 || mentions["room"] == true {
		t.Fatalf("m.mentions = %v", mentions)
	}

	// The same TxnKey again posts nothing new.
	again, err := r.tr.Send(context.Background(), chat.Outgoing{Room: room.String(), Body: doc, Notice: true, TxnKey: "announce:12"})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != sent.ID {
		t.Fatalf("second send with the same TxnKey gave %s, first %s", again.ID, sent.ID)
	}
	n := 0
	for _, m := range roomMessages(t, ac, room) {
		if m.Sender == bot.ID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d bot messages in the room, want 1", n)
	}

	// A reply in the thread is seen in the thread; the bot answers in it.
	threadReply := &event.MessageEventContent{MsgType: event.MsgText, Body: "!liaison show 12"}
	threadReply.RelatesTo = (&event.RelatesTo{}).SetThread(id.EventID(sent.ID), id.EventID(sent.ID))
	tr, err := ac.SendMessageEvent(context.Background(), room, event.EventMessage, threadReply)
	if err != nil {
		t.Fatal(err)
	}
	if ev := col.waitFor(t, "thread reply", text("!liaison show 12")); ev.Thread != sent.ID {
		t.Fatalf("thread %q, want %q", ev.Thread, sent.ID)
	}
	ans, err := r.tr.Send(context.Background(), chat.Outgoing{Room: room.String(), Thread: sent.ID, ReplyTo: tr.EventID.String(),
		Body: chat.Text("here"), Notice: true, TxnKey: "answer:1"})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Thread != sent.ID {
		t.Fatalf("answer thread %q", ans.Thread)
	}
	aevt, err := getEventRetry(ac, room, id.EventID(ans.ID))
	if err != nil {
		t.Fatal(err)
	}
	_ = aevt.Content.ParseRaw(aevt.Type)
	rel := aevt.Content.AsMessage().RelatesTo
	if rel.GetThreadParent() != id.EventID(sent.ID) || rel.GetNonFallbackReplyTo() != tr.EventID {
		t.Fatalf("answer relation %+v", rel)
	}

	// Reaction (with a variation selector) then its redaction.
	react, err := ac.SendReaction(context.Background(), room, id.EventID(sent.ID), "✅\ufe0f")
	if err != nil {
		t.Fatal(err)
	}
	re := col.waitFor(t, "the reaction", func(e chat.Event) bool { return e.Kind == chat.EventReaction })
	if re.Target != sent.ID || re.Key != chat.KeyApprove || re.ReactionID != react.EventID.String() || re.Sender.ID != alice.ID.String() {
		t.Fatalf("reaction %+v", re)
	}
	if _, err := ac.RedactEvent(context.Background(), room, react.EventID); err != nil {
		t.Fatal(err)
	}
	rm := col.waitFor(t, "the reaction removal", func(e chat.Event) bool { return e.Kind == chat.EventReactionRemove })
	if rm.ReactionID != re.ReactionID || rm.Target != "" {
		t.Fatalf("removal %+v", rm)
	}

	// The bot's own reaction and edit arrive; its own events are not delivered.
	if err := r.tr.React(context.Background(), room.String(), cmdID.String(), chat.KeyApprove, "ack:1"); err != nil {
		t.Fatal(err)
	}
	if err := r.tr.React(context.Background(), room.String(), cmdID.String(), chat.KeyApprove, "ack:1"); err != nil {
		t.Fatal(err)
	}
	if err := r.tr.Edit(context.Background(), room.String(), sent.ID, chat.Text("LS 12 — approved"), "edit:12:1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the edit", func() bool {
		for _, m := range roomMessages(t, ac, room) {
			c := m.Content.AsMessage()
			if m.Sender == bot.ID && c.RelatesTo.GetReplaceID() == id.EventID(sent.ID) {
				return c.NewContent != nil && c.NewContent.Body == "LS 12 — approved" && c.Mentions != nil && len(c.Mentions.UserIDs) == 0
			}
		}
		return false
	})
	rels, err := ac.GetRelations(context.Background(), room, cmdID, &mautrix.ReqGetRelations{RelationType: event.RelAnnotation, EventType: event.EventReaction})
	if err != nil {
		t.Fatal(err)
	}
	if len(rels.Chunk) != 1 || rels.Chunk[0].Sender != bot.ID {
		t.Fatalf("bot reactions on the command: %d, want exactly one", len(rels.Chunk))
	}
	settle()
	for _, ev := range col.all() {
		if ev.Sender.ID == bot.ID.String() {
			t.Fatalf("the bot's own event was delivered: %+v", ev)
		}
	}

	// Moderators: alice created the room (PL 100), the bot has 0.
	if ok, err := r.tr.IsModerator(context.Background(), room.String(), chat.User{ID: alice.ID.String()}); err != nil || !ok {
		t.Fatalf("alice moderator = %v, %v", ok, err)
	}
	if ok, err := r.tr.IsModerator(context.Background(), room.String(), chat.User{ID: bot.ID.String()}); err != nil || ok {
		t.Fatalf("bot moderator = %v, %v", ok, err)
	}
	r.stop(t)
}

func TestIntegrationInviteGate(t *testing.T) {
	e := newEnv(t, false)
	bot := e.register(t, "liaisonbot")
	alice := e.register(t, "alice")
	boss := e.register(t, "boss")
	ac, bc := e.client(t, alice), e.client(t, boss)
	configured := createRoom(t, ac, false)

	cfg := botConfig(e, bot)
	cfg.Admins = []string{boss.ID.String()}
	cfg.Rooms = []string{configured.String()}
	col := &collector{}
	startBot(t, cfg, &chat.MemKV{}, col)

	stranger := createRoom(t, ac, false, bot.ID)
	bossRoom := createRoom(t, bc, false, bot.ID)
	if _, err := ac.InviteUser(context.Background(), configured, &mautrix.ReqInviteUser{UserID: bot.ID}); err != nil {
		t.Fatal(err)
	}

	waitJoined(t, bc, bossRoom, bot.ID)
	waitJoined(t, ac, configured, bot.ID)
	eventually(t, 20*time.Second, "the stranger's invite rejected", func() bool {
		return membership(t, ac, stranger, bot.ID) == event.MembershipLeave
	})
	inv := col.waitFor(t, "the admin's invite", func(e chat.Event) bool { return e.Kind == chat.EventInvite && e.Room == bossRoom.String() })
	if inv.Sender.ID != boss.ID.String() {
		t.Fatalf("invite %+v", inv)
	}
	col.waitFor(t, "the configured room's invite", func(e chat.Event) bool { return e.Kind == chat.EventInvite && e.Room == configured.String() })
	settle()
	if m := col.find(func(e chat.Event) bool { return e.Room == stranger.String() }); len(m) != 0 {
		t.Fatalf("events from the rejected room: %+v", m)
	}
}

func TestIntegrationRestartDeliversOnceAndReusesDevice(t *testing.T) {
	e := newEnv(t, false)
	bot := e.register(t, "liaisonbot")
	alice := e.register(t, "alice")
	ac := e.client(t, alice)
	room := createRoom(t, ac, true)
	kv := &chat.MemKV{}
	cfg := botConfig(e, bot)
	cfg.Rooms = []string{room.String()}

	col1 := &collector{}
	r1 := startBot(t, cfg, kv, col1)
	waitJoined(t, ac, room, bot.ID)
	sendText(t, ac, room, "!liaison one")
	col1.waitFor(t, "first command", text("!liaison one"))
	dev1 := r1.tr.Client().DeviceID
	r1.stop(t)

	sendText(t, ac, room, "!liaison while-down")

	col2 := &collector{}
	r2 := startBot(t, cfg, kv, col2)
	col2.waitFor(t, "the command sent while down", text("!liaison while-down"))
	sendText(t, ac, room, "!liaison two")
	col2.waitFor(t, "second command", text("!liaison two"))
	settle()
	if m := col2.find(text("!liaison one")); len(m) != 0 {
		t.Fatalf("a handled command was delivered again after restart")
	}
	if n := len(col2.find(text("!liaison while-down"))); n != 1 {
		t.Fatalf("command sent while down delivered %d times", n)
	}
	if dev2 := r2.tr.Client().DeviceID; dev2 != dev1 {
		t.Fatalf("restart used device %s, first run %s", dev2, dev1)
	}
	r2.stop(t)
}

func TestIntegrationFirstSyncSkipsHistory(t *testing.T) {
	e := newEnv(t, false)
	bot := e.register(t, "liaisonbot")
	alice := e.register(t, "alice")
	ac := e.client(t, alice)
	room := createRoom(t, ac, true)
	// The bot account is already in the room (joined by hand, say), and
	// the room has history, before the transport ever runs.
	bc := e.client(t, bot)
	if _, err := bc.JoinRoomByID(context.Background(), room); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		sendText(t, ac, room, fmt.Sprintf("!liaison old %d", i))
	}
	if _, err := ac.SendReaction(context.Background(), room, sendText(t, ac, room, "x"), "✅"); err != nil {
		t.Fatal(err)
	}

	cfg := botConfig(e, bot)
	cfg.Rooms = []string{room.String()}
	col := &collector{}
	startBot(t, cfg, &chat.MemKV{}, col)
	sendText(t, ac, room, "!liaison new")
	col.waitFor(t, "the new command", text("!liaison new"))
	settle()
	if all := col.all(); len(all) != 1 {
		t.Fatalf("delivered %+v, want only the new command", all)
	}
}

func TestIntegrationCommandInSameBatchAsJoin(t *testing.T) {
	e := newEnv(t, false)
	bot := e.register(t, "liaisonbot")
	alice := e.register(t, "alice")
	ac := e.client(t, alice)

	cfg := botConfig(e, bot)
	cfg.Admins = []string{alice.ID.String()}
	col := &collector{}
	sent := make(chan struct{})
	var room id.RoomID
	// While the sink handles the invite (after the join), the sync loop
	// waits; the command sent meanwhile arrives in the same batch as the
	// bot's join.
	col.hook = func(ev chat.Event) {
		if ev.Kind == chat.EventInvite {
			select {
			case <-sent:
			case <-time.After(15 * time.Second):
			}
		}
	}
	startBot(t, cfg, &chat.MemKV{}, col)

	room = createRoom(t, ac, false)
	sendText(t, ac, room, "!liaison before-the-bot")
	if _, err := ac.InviteUser(context.Background(), room, &mautrix.ReqInviteUser{UserID: bot.ID}); err != nil {
		t.Fatal(err)
	}
	waitJoined(t, ac, room, bot.ID)
	sendText(t, ac, room, "!liaison help")
	close(sent)

	col.waitFor(t, "the command sent right after the join", text("!liaison help"))
	settle()
	if m := col.find(text("!liaison before-the-bot")); len(m) != 0 {
		t.Fatal("history from before the bot's join was delivered")
	}
	if n := len(col.find(text("!liaison help"))); n != 1 {
		t.Fatalf("command delivered %d times", n)
	}
}

func TestIntegrationRateLimitedHomeserver(t *testing.T) {
	e := newEnv(t, true)
	bot := e.register(t, "liaisonbot")
	alice := e.register(t, "alice")
	ac := e.client(t, alice)
	room := createRoom(t, ac, true)

	col := &collector{}
	r := startBot(t, botConfig(e, bot), &chat.MemKV{}, col)
	// Dendrite rate-limits /join and /whoami per device and answers 429
	// with retry_after_ms only; every call must still succeed.
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- r.tr.JoinRoom(context.Background(), room.String())
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("join under rate limiting: %v", err)
		}
	}
	waitJoined(t, ac, room, bot.ID)
	sendText(t, ac, room, "!liaison help")
	col.waitFor(t, "the command", text("!liaison help"))
	r.stop(t)
}

func TestIntegrationHomeserverRestart(t *testing.T) {
	e := newEnv(t, false)
	bot := e.register(t, "liaisonbot")
	alice := e.register(t, "alice")
	ac := e.client(t, alice)
	room := createRoom(t, ac, true)
	cfg := botConfig(e, bot)
	cfg.Rooms = []string{room.String()}
	col := &collector{}
	r := startBot(t, cfg, &chat.MemKV{}, col)
	waitJoined(t, ac, room, bot.ID)

	e.stop()
	eventually(t, 60*time.Second, "Connected() false", func() bool { return !r.tr.Connected() })
	e.start()
	eventually(t, 90*time.Second, "Connected() true again", r.tr.Connected)
	sendText(t, ac, room, "!liaison after-restart")
	col.waitFor(t, "command after the homeserver restart", text("!liaison after-restart"))
	r.stop(t)
}

// getEventRetry reads an event the bot just sent: Dendrite indexes a sent
// event asynchronously, so a read right after the send can answer 404 for
// a moment.
func getEventRetry(cli *mautrix.Client, room id.RoomID, evt id.EventID) (*event.Event, error) {
	var got *event.Event
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		if got, err = cli.GetEvent(context.Background(), room, evt); err == nil {
			return got, nil
		}
		time.Sleep(300 * time.Millisecond)
	}
	return nil, err
}
