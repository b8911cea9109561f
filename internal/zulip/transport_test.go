package zulip_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/zulip"
	"github.com/liaisonbot/liaisonbot/internal/zulip/zulipfake"
)

// world is a fake Zulip with a bot account, two users and a channel.
type world struct {
	fake  *zulipfake.Server
	bot   *zulipfake.User
	alice *zulipfake.User
	mod   *zulipfake.User
	kv    *chat.MemKV
}

func newWorld(t *testing.T) *world {
	t.Helper()
	f := zulipfake.New(t)
	f.Heartbeat = 300 * time.Millisecond
	w := &world{
		fake:  f,
		bot:   f.AddBot("liaisonbot-bot@zulip.example.org", "liaisonbot"),
		alice: f.AddUser("alice@example.org", "Alice Chair", zulipfake.RoleMember),
		mod:   f.AddUser("mod@example.org", "Mo Derator", zulipfake.RoleModerator),
		kv:    &chat.MemKV{},
	}
	f.AddStream("teas", w.alice.Email, w.mod.Email)
	return w
}

func (w *world) transport(t *testing.T) *zulip.Transport {
	t.Helper()
	tr, err := zulip.New(zulip.Config{
		Site:        w.fake.URL(),
		Email:       w.bot.Email,
		APIKey:      w.bot.APIKey,
		BotName:     "liaisonbot",
		Streams:     []string{"teas"},
		Log:         zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel),
		PollTimeout: 5 * time.Second,
		Backoff:     20 * time.Millisecond,
		MaxBackoff:  200 * time.Millisecond,
	}, w.kv)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// sinkRec records the events a transport delivers.
type sinkRec struct {
	mu     sync.Mutex
	events []chat.Event
	fail   func(chat.Event) error
}

func (s *sinkRec) sink(_ context.Context, e chat.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail(e); err != nil {
			return err
		}
	}
	s.events = append(s.events, e)
	return nil
}

func (s *sinkRec) all() []chat.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]chat.Event(nil), s.events...)
}

func (s *sinkRec) count(id string) int {
	n := 0
	for _, e := range s.all() {
		if e.ID == id {
			n++
		}
	}
	return n
}

// run starts tr.Run; the returned func stops it and waits.
func run(t *testing.T, tr *zulip.Transport, s *sinkRec) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx, s.sink) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not stop")
		}
	}
	t.Cleanup(stop)
	eventually(t, 5*time.Second, tr.Connected, "transport never connected")
	return stop
}

func eventually(t *testing.T, d time.Duration, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal(msg)
}

func msgEvent(id int) string { return zulip.MessageEventID(id) }

func TestSendTopicsAndThreads(t *testing.T) {
	w := newWorld(t)
	tr := w.transport(t)
	ctx := context.Background()
	long := "LS 2043: " + strings.Repeat("Liaison statement on YANG models ", 3)
	sent, err := tr.Send(ctx, chat.Outgoing{Room: "teas", NewThread: long, Body: chat.Text("announcement"), TxnKey: "a1"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(sent.Thread)); n != zulip.MaxTopicLength || !strings.HasSuffix(sent.Thread, "…") || !strings.HasPrefix(sent.Thread, "LS 2043: ") {
		t.Errorf("topic %q (%d code points), want cut to %d with …", sent.Thread, n, zulip.MaxTopicLength)
	}
	if sent.Room != "teas" || sent.ID == "" {
		t.Errorf("sent %+v", sent)
	}
	reply, err := tr.Send(ctx, chat.Outgoing{Room: "teas", Thread: sent.Thread, Body: chat.Text("reminder"), TxnKey: "a2"})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Thread != sent.Thread {
		t.Errorf("reply in %q, want %q", reply.Thread, sent.Thread)
	}
	msgs := w.fake.Messages("teas", sent.Thread)
	if len(msgs) != 2 || msgs[0].Content != "announcement" || msgs[1].Content != "reminder" {
		t.Fatalf("topic holds %+v", msgs)
	}
	if strconv.Itoa(msgs[0].ID) != sent.ID {
		t.Errorf("Sent.ID %s, message %d", sent.ID, msgs[0].ID)
	}
	// Neither Thread nor NewThread: the default topic.
	def, err := tr.Send(ctx, chat.Outgoing{Room: "teas", Body: chat.Text("x"), TxnKey: "a3"})
	if err != nil || def.Thread != "liaisonbot" || len(w.fake.Messages("teas", "liaisonbot")) != 1 {
		t.Errorf("default topic: %+v %v", def, err)
	}
	// An unknown channel is an error, not a new channel.
	if _, err := tr.Send(ctx, chat.Outgoing{Room: "no-such", Thread: "x", Body: chat.Text("x"), TxnKey: "a4"}); !zulip.IsCode(err, "STREAM_DOES_NOT_EXIST") {
		t.Errorf("unknown channel: %v", err)
	}
	if err := tr.JoinRoom(ctx, "no-such"); err == nil {
		t.Errorf("JoinRoom created a channel")
	}
}

func TestIdempotentSend(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	msg := chat.Outgoing{Room: "teas", Thread: "LS 1", Body: chat.Text("once"), TxnKey: "reply/zulip:msg:5/1"}
	first, err := w.transport(t).Send(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := w.transport(t).Send(ctx, msg) // a new process, same database
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Errorf("second send %+v, first %+v", again, first)
	}
	if n := len(w.fake.Messages("teas", "LS 1")); n != 1 {
		t.Errorf("%d messages posted, want 1", n)
	}
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	w := newWorld(t)
	tr := w.transport(t)
	w.fake.SetRetryAfter(0.6)
	w.fake.FailNextOn("POST /messages", 1, 429)
	start := time.Now()
	if _, err := tr.Send(context.Background(), chat.Outgoing{Room: "teas", Thread: "t", Body: chat.Text("x"), TxnKey: "k"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("retried after %v, before the 0.6 s the server asked for", d)
	}
	var posts []zulipfake.Request
	for _, r := range w.fake.Requests() {
		if r.Method == "POST" && r.Path == "/messages" {
			posts = append(posts, r)
		}
	}
	if len(posts) != 2 || posts[0].Status != 429 || posts[1].Status != 200 || posts[1].Time.Sub(posts[0].Time) < 600*time.Millisecond {
		t.Errorf("posts %+v", posts)
	}
	if n := len(w.fake.Messages("teas", "t")); n != 1 {
		t.Errorf("%d messages", n)
	}
	// 5xx: retried with backoff.
	w.fake.FailNextOn("POST /messages", 2, 502)
	if _, err := tr.Send(context.Background(), chat.Outgoing{Room: "teas", Thread: "t", Body: chat.Text("y"), TxnKey: "k2"}); err != nil {
		t.Fatal(err)
	}
	if n := len(w.fake.Messages("teas", "t")); n != 2 {
		t.Errorf("%d messages", n)
	}
}

func TestReactAndReactionEvents(t *testing.T) {
	w := newWorld(t)
	tr := w.transport(t)
	rec := &sinkRec{}
	run(t, tr, rec)
	ctx := context.Background()
	sent, err := tr.Send(ctx, chat.Outgoing{Room: "teas", NewThread: "LS 7: approval", Body: chat.Text("approve?"), TxnKey: "r"})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.Atoi(sent.ID)
	for _, k := range []string{chat.KeyApprove, chat.KeyReject, chat.KeyApprove} { // twice: no error
		if err := tr.React(ctx, "teas", sent.ID, k, "rk/"+k); err != nil {
			t.Fatalf("React %s: %v", k, err)
		}
	}
	m, _ := w.fake.Message(id)
	if len(m.Reactions) != 2 || m.Reactions[0].Code != "2705" || m.Reactions[1].Code != "274c" {
		t.Errorf("reactions %+v", m.Reactions)
	}
	if err := tr.React(ctx, "teas", sent.ID, "🦄", "u"); err == nil {
		t.Errorf("an unknown key was accepted")
	}

	// Alice approves, withdraws, approves again.
	if err := w.fake.React(w.alice.Email, id, "check"); err != nil {
		t.Fatal(err)
	}
	if err := w.fake.Unreact(w.alice.Email, id, "check"); err != nil {
		t.Fatal(err)
	}
	if err := w.fake.React(w.alice.Email, id, "approved"); err != nil { // an alias of the same emoji
		t.Fatal(err)
	}
	if err := w.fake.React(w.alice.Email, id, "cross_mark"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, func() bool { return len(rec.all()) == 4 }, "reaction events missing")
	evs := rec.all()
	wantKinds := []chat.EventKind{chat.EventReaction, chat.EventReactionRemove, chat.EventReaction, chat.EventReaction}
	wantKeys := []string{chat.KeyApprove, chat.KeyApprove, chat.KeyApprove, chat.KeyReject}
	ids := map[string]bool{}
	for i, e := range evs {
		if e.Kind != wantKinds[i] || e.Key != wantKeys[i] || e.Target != sent.ID || e.Room != "teas" || e.Thread != "LS 7: approval" ||
			e.Sender.ID != strconv.Itoa(w.alice.ID) || e.Sender.Email != w.alice.Email || e.Platform != "zulip" {
			t.Errorf("event %d: %+v", i, e)
		}
		ids[e.ID] = true
	}
	if len(ids) != 4 {
		t.Errorf("event IDs not distinct: %v", ids)
	}
	if evs[0].ReactionID != evs[1].ReactionID || evs[1].ReactionID != evs[2].ReactionID || evs[3].ReactionID == evs[0].ReactionID {
		t.Errorf("reaction IDs %q %q %q %q", evs[0].ReactionID, evs[1].ReactionID, evs[2].ReactionID, evs[3].ReactionID)
	}
	// The bot's own reactions are not delivered.
	for _, e := range evs {
		if e.Sender.ID == tr.Self().ID {
			t.Errorf("own reaction delivered: %+v", e)
		}
	}

	// Read back (after a lost queue): Alice's two reactions, with the
	// reaction IDs their events carried; the bot's own left out.
	now, err := tr.Reactions(ctx, "teas", sent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(now) != 2 || now[0].Key != chat.KeyApprove || now[0].ReactionID != evs[2].ReactionID ||
		now[1].Key != chat.KeyReject || now[1].ReactionID != evs[3].ReactionID ||
		now[0].Sender.Email != w.alice.Email || now[0].Sender.ID != strconv.Itoa(w.alice.ID) {
		t.Errorf("Reactions = %+v", now)
	}
	if _, err := tr.Reactions(ctx, "teas", "999999"); !errors.Is(err, chat.ErrMessageGone) {
		t.Errorf("Reactions of a message that does not exist: %v, want chat.ErrMessageGone", err)
	}
}

func TestReactionKey(t *testing.T) {
	for _, c := range []struct{ typ, code, name, want string }{
		{"unicode_emoji", "2705", "check", chat.KeyApprove},
		{"unicode_emoji", "274c", "cross_mark", chat.KeyReject},
		{"unicode_emoji", "2764-fe0f", "heart", "❤"},
		{"unicode_emoji", "1f44d-1f3fb", "+1", "👍🏻"},
		{"realm_emoji", "42", "ietf", ":ietf:"},
		{"unicode_emoji", "zz", "odd", ":odd:"},
	} {
		if got := zulip.ReactionKey(c.typ, c.code, c.name); got != c.want {
			t.Errorf("ReactionKey(%s, %s) = %q, want %q", c.typ, c.code, got, c.want)
		}
	}
}

func TestMarkdownEscapesOutsideText(t *testing.T) {
	w := newWorld(t)
	tr := w.transport(t)
	hostile := "<img src=x onerror=alert(1)> @**all** @**everyone** @**stream** @**topic** @_**Alice Chair** " +
		"[x](javascript:alert(1)) #**teas** :smile: <time:2020-01-01T00:00:00Z> $$x$$ ~~s~~ *e* **b** `c` |a|b|"
	doc := chat.NewDoc(
		chat.P(chat.T(hostile)),
		chat.P(chat.B("Subject: "+hostile), chat.T(" by "), chat.M(chat.User{ID: strconv.Itoa(w.alice.ID), DisplayName: "Alice Chair"}),
			chat.T(", noted by "), chat.MSilent(chat.User{ID: "mod@example.org", Email: "mod@example.org", DisplayName: "Mo"})),
		chat.P(chat.L("javascript link", "javascript:alert(1)"), chat.T(" "), chat.L("LS 2043 [details]", "https://datatracker.ietf.org/liaison/2043/?a=(b)")),
		chat.Quote("> not a nested quote\n# not a heading\n```\n1. not a list"),
		chat.Pre("```\n@**all** stays literal\n````"),
		chat.P(chat.C("code with ` and ``` and @**all**")),
		chat.List(chat.Item(chat.T("- item @**all**")), chat.Item(chat.T("/poll x"))),
	)
	sent, err := tr.Send(context.Background(), chat.Outgoing{Room: "teas", Thread: "esc", Body: doc, Alert: true, TxnKey: "esc"})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.Atoi(sent.ID)
	m, _ := w.fake.Message(id)
	c := m.Content
	t.Logf("content:\n%s", c)
	for _, bad := range []string{"<img", "@**all**", "@**everyone**", "@**stream**", "@**topic**", "@_**Alice", "](javascript", "[x](",
		"#**teas**", ":smile:", "<time:", "$$x$$", "~~s~~", "*e*", "**b**", "* - item", "\n> >", "\n# ", "\n1. "} {
		if strings.Contains(outsideCode(c), bad) {
			t.Errorf("rendered content contains %q", bad)
		}
	}
	for _, good := range []string{
		"@**Alice Chair|" + strconv.Itoa(w.alice.ID) + "**", // real mention
		"@_**Mo Derator|" + strconv.Itoa(w.mod.ID) + "**",   // silent, resolved by e-mail
		"(https://datatracker.ietf.org/liaison/2043/?a=%28b%29)",
		"javascript link", "&#42;e&#42;", "````text\n```\n@**all** stays literal\n````\n`````",
	} {
		if !strings.Contains(c, good) {
			t.Errorf("rendered content lacks %q", good)
		}
	}
}

// outsideCode drops fenced blocks and code spans (literal on Zulip).
func outsideCode(s string) string {
	var out []string
	in := ""
	for _, line := range strings.Split(s, "\n") {
		trimmed := strings.TrimSpace(line)
		if in != "" {
			if trimmed == in {
				in = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") {
			in = strings.TrimSuffix(trimmed, "text")
			continue
		}
		out = append(out, line)
	}
	s = strings.Join(out, "\n")
	for {
		i := strings.Index(s, "`")
		if i < 0 {
			return s
		}
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		fence := s[i : i+n]
		j := strings.Index(s[i+n:], fence)
		if j < 0 {
			return s
		}
		s = s[:i] + s[i+n+j+n:]
	}
}

func TestRenderPlainText(t *testing.T) {
	if got := zulip.Render(chat.Text("Hello world, statement 2043 is due")); got != "Hello world, statement 2043 is due" {
		t.Errorf("plain text changed: %q", got)
	}
	if got := zulip.Render(chat.NewDoc(chat.P(chat.B("bold"), chat.T(" and "), chat.I("it")))); got != "**bold** and *it*" {
		t.Errorf("bold/italic: %q", got)
	}
	if got := zulip.CutTopic("a\tb\n"); got != "a b" {
		t.Errorf("CutTopic: %q", got)
	}
}

func TestDirectMessageCommands(t *testing.T) {
	w := newWorld(t)
	tr := w.transport(t)
	rec := &sinkRec{}
	run(t, tr, rec)
	id := w.fake.DM(w.alice.Email, "help watch")
	eventually(t, 5*time.Second, func() bool { return rec.count(msgEvent(id)) == 1 }, "DM not delivered")
	e := rec.all()[0]
	wantRoom := "dm:" + strconv.Itoa(w.alice.ID)
	if e.Kind != chat.EventMessage || !e.Direct || e.Room != wantRoom || e.Text != "help watch" || e.Thread != "" ||
		e.Sender.Email != w.alice.Email || e.Sender.DisplayName != "Alice Chair" || e.Sender.ID != strconv.Itoa(w.alice.ID) {
		t.Errorf("DM event %+v", e)
	}
	// The answer goes back into the conversation.
	if _, err := tr.Send(context.Background(), chat.Outgoing{Room: e.Room, Body: chat.Text("Usage: …"), TxnKey: "dm1"}); err != nil {
		t.Fatal(err)
	}
	dms := w.fake.DirectMessages(w.alice.Email)
	if len(dms) != 2 || dms[1].SenderID != w.bot.ID || dms[1].Content != "Usage: …" {
		t.Errorf("DMs %+v", dms)
	}
	// A group DM is not Direct (commands need a prefix there).
	gid := w.fake.DMTo(w.alice.Email, []string{w.bot.Email, w.mod.Email}, "help")
	eventually(t, 5*time.Second, func() bool { return rec.count(msgEvent(gid)) == 1 }, "group DM not delivered")
	for _, e := range rec.all() {
		if e.ID == msgEvent(gid) && (e.Direct || e.Room != zulip.DMRoom(w.alice.ID, w.mod.ID)) {
			t.Errorf("group DM event %+v", e)
		}
	}
	// The bot's own messages are never delivered.
	for _, e := range rec.all() {
		if e.Sender.ID == tr.Self().ID {
			t.Errorf("own message delivered: %+v", e)
		}
	}
}

func TestMentionCommands(t *testing.T) {
	w := newWorld(t)
	tr := w.transport(t)
	rec := &sinkRec{}
	run(t, tr, rec)
	cases := []struct {
		text, want string
		mention    bool
	}{
		{"@**liaisonbot** help watch", "help watch", true},
		{"  @**liaisonbot|" + strconv.Itoa(w.bot.ID) + "**: status 2043", "status 2043", true},
		{"@_**liaisonbot** help", "help", true},
		{"@**Alice Chair** help", "@**Alice Chair** help", false},
		{"@**someone|999** help", "@**someone|999** help", false},
		{"/liaison help", "/liaison help", false},
		{"thanks @**liaisonbot**", "thanks @**liaisonbot**", false},
	}
	var ids []int
	for _, c := range cases {
		ids = append(ids, w.fake.Post(w.alice.Email, "teas", "LS 9", c.text))
	}
	eventually(t, 5*time.Second, func() bool { return len(rec.all()) == len(cases) }, "stream messages not delivered")
	for i, e := range rec.all() {
		c := cases[i]
		if e.ID != msgEvent(ids[i]) || e.Text != c.want || e.MentionsBot != c.mention || e.Room != "teas" || e.Thread != "LS 9" || e.Direct {
			t.Errorf("%q: event %+v", c.text, e)
		}
	}
}

func TestFirstStartSkipsHistoryAndQueueLossCatchesUp(t *testing.T) {
	w := newWorld(t)
	old := w.fake.Post(w.alice.Email, "teas", "x", "/liaison help (before the bot ever ran)")
	tr := w.transport(t)
	rec := &sinkRec{}
	stop := run(t, tr, rec)
	m1 := w.fake.Post(w.alice.Email, "teas", "x", "/liaison one")
	eventually(t, 5*time.Second, func() bool { return rec.count(msgEvent(m1)) == 1 }, "m1 not delivered")
	if rec.count(msgEvent(old)) != 0 {
		t.Errorf("history delivered on the first start")
	}

	// Live queue loss: the next poll gets BAD_EVENT_QUEUE_ID; m2 may be
	// sent before or after the new queue exists.
	w.fake.ExpireQueue()
	m2 := w.fake.Post(w.alice.Email, "teas", "x", "/liaison two")
	eventually(t, 5*time.Second, func() bool { return rec.count(msgEvent(m2)) == 1 }, "m2 (sent around the queue loss) not delivered")

	// Loss while the bot is down: m3 is only in history.
	stop()
	w.fake.ExpireQueue()
	m3 := w.fake.Post(w.alice.Email, "teas", "x", "/liaison three")
	d3 := w.fake.DM(w.alice.Email, "three in a DM")
	rec2 := &sinkRec{}
	run(t, w.transport(t), rec2)
	m4 := w.fake.Post(w.alice.Email, "teas", "x", "/liaison four")
	eventually(t, 5*time.Second, func() bool { return rec2.count(msgEvent(m4)) == 1 }, "m4 not delivered")
	time.Sleep(500 * time.Millisecond)
	// Each lost queue is followed by a resync (reactions cannot be caught
	// up as events): after the catch-up, before the new queue's events.
	var got []string
	for _, e := range append(rec.all(), rec2.all()...) {
		if e.Kind == chat.EventResync {
			got = append(got, "resync")
			continue
		}
		got = append(got, e.ID)
	}
	wantLive := []string{msgEvent(m1), "resync", msgEvent(m2)} // m2 after the new queue
	if got[1] != "resync" {
		wantLive = []string{msgEvent(m1), msgEvent(m2), "resync"} // m2 caught up
	}
	want := append(wantLive, msgEvent(m3), msgEvent(d3), "resync", msgEvent(m4))
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("delivered %v, want %v (each once, in order)", got, want)
	}
}

func TestRestartResumesQueue(t *testing.T) {
	w := newWorld(t)
	rec := &sinkRec{}
	stop := run(t, w.transport(t), rec)
	m1 := w.fake.Post(w.alice.Email, "teas", "x", "one")
	eventually(t, 5*time.Second, func() bool { return rec.count(msgEvent(m1)) == 1 }, "m1")
	stop()
	m2 := w.fake.Post(w.alice.Email, "teas", "x", "two") // queued on the live queue
	if err := w.fake.React(w.alice.Email, m1, "check"); err != nil {
		t.Fatal(err)
	}
	queues := w.fake.Queues()
	rec2 := &sinkRec{}
	run(t, w.transport(t), rec2)
	eventually(t, 5*time.Second, func() bool { return len(rec2.all()) == 2 }, "events queued while down not delivered")
	if rec2.count(msgEvent(m1)) != 0 || rec2.count(msgEvent(m2)) != 1 || rec2.all()[1].Kind != chat.EventReaction {
		t.Errorf("after restart %+v", rec2.all())
	}
	if w.fake.Queues() != queues {
		t.Errorf("a new queue was registered although the old one lives")
	}
}

func TestSinkErrorDoesNotAdvance(t *testing.T) {
	w := newWorld(t)
	failed := 0
	rec := &sinkRec{fail: func(e chat.Event) error {
		if strings.Contains(e.Text, "flaky") && failed < 2 {
			failed++
			return errors.New("database down")
		}
		return nil
	}}
	run(t, w.transport(t), rec)
	m1 := w.fake.Post(w.alice.Email, "teas", "x", "flaky")
	m2 := w.fake.Post(w.alice.Email, "teas", "x", "after")
	eventually(t, 5*time.Second, func() bool { return rec.count(msgEvent(m2)) == 1 }, "m2")
	if rec.count(msgEvent(m1)) != 1 || rec.all()[0].ID != msgEvent(m1) || failed != 2 {
		t.Errorf("events %+v, failures %d", rec.all(), failed)
	}
}

func TestIsModeratorAndIdentity(t *testing.T) {
	w := newWorld(t)
	w.fake.SetDeliveryEmail(w.alice.Email, "alice@ietf.example")
	tr := w.transport(t)
	ctx := context.Background()
	for _, c := range []struct {
		u    chat.User
		want bool
	}{
		{chat.User{ID: strconv.Itoa(w.mod.ID)}, true},
		{chat.User{Email: w.mod.Email}, true},
		{chat.User{ID: strconv.Itoa(w.alice.ID)}, false},
		{chat.User{ID: "999999"}, false},
	} {
		got, err := tr.IsModerator(ctx, "teas", c.u)
		if err != nil || got != c.want {
			t.Errorf("IsModerator(%+v) = %v, %v", c.u, got, err)
		}
	}
	// The sender's e-mail is the delivery_email when visible.
	rec := &sinkRec{}
	run(t, tr, rec)
	id := w.fake.Post(w.alice.Email, "teas", "x", "hi")
	eventually(t, 5*time.Second, func() bool { return rec.count(msgEvent(id)) == 1 }, "message")
	if e := rec.all()[0]; e.Sender.Email != "alice@ietf.example" {
		t.Errorf("sender %+v", e.Sender)
	}
	if self := tr.Self(); self.ID != strconv.Itoa(w.bot.ID) || self.Email != w.bot.Email {
		t.Errorf("Self %+v", self)
	}
}

func TestZuliprc(t *testing.T) {
	p := filepath.Join(t.TempDir(), "zuliprc")
	if err := os.WriteFile(p, []byte("[api]\nemail=liaison-bot@zulip.example.org\nkey = abc123\nsite=zulip.ietf.org\n\n[other]\nkey=no\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	email, key, site, err := zulip.ReadZuliprc(p)
	if err != nil || email != "liaison-bot@zulip.example.org" || key != "abc123" || site != "zulip.ietf.org" {
		t.Errorf("ReadZuliprc = %q %q %q %v", email, key, site, err)
	}
	if _, err := zulip.New(zulip.Config{Zuliprc: p}, &chat.MemKV{}); err != nil {
		t.Errorf("New from zuliprc: %v", err)
	}
	if _, err := zulip.New(zulip.Config{Site: "https://z.example.org"}, &chat.MemKV{}); err == nil {
		t.Errorf("New without credentials worked")
	}
}

func TestBadCredentialsStopRun(t *testing.T) {
	w := newWorld(t)
	tr, err := zulip.New(zulip.Config{Site: w.fake.URL(), Email: w.bot.Email, APIKey: "wrong"}, &chat.MemKV{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.Run(ctx, (&sinkRec{}).sink); err == nil || ctx.Err() != nil {
		t.Errorf("Run with a wrong key: %v", err)
	}
}
