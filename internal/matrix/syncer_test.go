package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

const (
	bot   = id.UserID("@liaisonbot:test")
	alice = id.UserID("@alice:test")
	admin = id.UserID("@admin:test")
	roomA = id.RoomID("!a:test")
)

type recSink struct {
	got    []chat.Event
	failOn string // event ID that fails
	panic  string // event ID that panics
	check  func(chat.Event)
}

func (s *recSink) sink(_ context.Context, e chat.Event) error {
	if s.check != nil {
		s.check(e)
	}
	s.got = append(s.got, e)
	if e.ID == s.panic {
		panic("boom")
	}
	if e.ID == s.failOn {
		return errors.New("db down")
	}
	return nil
}

func (s *recSink) ids() []string {
	var out []string
	for _, e := range s.got {
		out = append(out, e.ID)
	}
	return out
}

// testTransport is a Transport as after Login, without a server: the
// network steps of the sync loop are stubbed.
func testTransport(t *testing.T, cfg Config, kv chat.KV, rs *recSink) (*Transport, *[]string) {
	t.Helper()
	cfg.Homeserver = "http://127.0.0.1:1"
	cfg.UserID = bot.String()
	cfg.AccessToken = "secret"
	cfg.Log = zerolog.Nop()
	tr, err := New(cfg, kv)
	if err != nil {
		t.Fatal(err)
	}
	tr.cli.UserID = bot
	tr.store = newSyncStore(kv, tr.kvKey(kvNextBatch))
	tr.cli.Store = tr.store
	tr.loggedIn.Store(true)
	tr.sink = rs.sink
	tr.runStart = time.Now()
	var calls []string
	tr.acceptInvite = func(_ context.Context, r id.RoomID) error { calls = append(calls, "join "+r.String()); return nil }
	tr.rejectInvite = func(_ context.Context, r id.RoomID) error { calls = append(calls, "leave "+r.String()); return nil }
	tr.resolveRoom = func(_ context.Context, alias string) (id.RoomID, error) {
		if alias == "#wg:test" {
			return "!wg:test", nil
		}
		return "", errors.New("no such alias")
	}
	tr.joinedMembers = func(context.Context, id.RoomID) (map[id.UserID]string, error) {
		return nil, errors.New("offline")
	}
	return tr, &calls
}

// feed does what mautrix's SyncWithContext does with a response: save the
// token, then process the batch.
func feed(t *testing.T, tr *Transport, since, next string, rooms string) error {
	t.Helper()
	var resp mautrix.RespSync
	if err := json.Unmarshal([]byte(`{"next_batch":"`+next+`","rooms":`+rooms+`}`), &resp); err != nil {
		t.Fatalf("bad test JSON: %v\n%s", err, rooms)
	}
	if err := tr.store.SaveNextBatch(context.Background(), bot, next); err != nil {
		t.Fatal(err)
	}
	return tr.cli.Syncer.ProcessResponse(context.Background(), &resp, since)
}

var tsBase = time.Now().Add(-time.Hour).UnixMilli()

func msg(evID string, sender id.UserID, body string) string {
	return fmt.Sprintf(`{"type":"m.room.message","event_id":%q,"sender":%q,"origin_server_ts":%d,"content":{"msgtype":"m.text","body":%q}}`,
		evID, sender, tsBase, body)
}

func member(evID string, user id.UserID, membership, prev string, ts int64) string {
	unsigned := ""
	if prev != "" {
		unsigned = fmt.Sprintf(`,"unsigned":{"prev_content":{"membership":%q}}`, prev)
	}
	return fmt.Sprintf(`{"type":"m.room.member","state_key":%q,"event_id":%q,"sender":%q,"origin_server_ts":%d,"content":{"membership":%q}%s}`,
		user, evID, user, ts, membership, unsigned)
}

func joined(room id.RoomID, state []string, timeline ...string) string {
	return fmt.Sprintf(`{"join":{%q:{"state":{"events":[%s]},"timeline":{"events":[%s]}}}}`,
		room, strings.Join(state, ","), strings.Join(timeline, ","))
}

func token(t *testing.T, kv chat.KV) string {
	v, _, _ := kv.Get(context.Background(), "matrix."+bot.String()+"."+kvNextBatch)
	return v
}

func TestSyncTokenPersistedOnlyAfterBatchHandled(t *testing.T) {
	kv := &chat.MemKV{}
	rs := &recSink{}
	tr, _ := testTransport(t, Config{}, kv, rs)
	ctx := context.Background()
	_ = kv.Put(ctx, "matrix."+bot.String()+"."+kvNextBatch, "t1")
	if got, _ := tr.store.LoadNextBatch(ctx, bot); got != "t1" {
		t.Fatalf("LoadNextBatch = %q", got)
	}
	rs.check = func(chat.Event) {
		if tok := token(t, kv); tok != "t1" {
			t.Errorf("token advanced to %q while the batch is being handled", tok)
		}
	}
	if err := feed(t, tr, "t1", "t2", joined(roomA, nil, msg("$1", alice, "!liaison help"), msg("$2", alice, "hi"))); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rs.ids(), []string{"$1", "$2"}) {
		t.Fatalf("delivered %v", rs.ids())
	}
	if tok := token(t, kv); tok != "t2" {
		t.Fatalf("token after the batch = %q, want t2", tok)
	}
	// A new transport on the same KV resumes from t2.
	tr2, _ := testTransport(t, Config{}, kv, &recSink{})
	if got, _ := tr2.store.LoadNextBatch(ctx, bot); got != "t2" {
		t.Fatalf("restart LoadNextBatch = %q, want t2", got)
	}
}

func TestSyncStoreSaveNextBatchDoesNotPersist(t *testing.T) {
	kv := &chat.MemKV{}
	s := newSyncStore(kv, "matrix.x.next_batch")
	ctx := context.Background()
	_ = s.SaveNextBatch(ctx, bot, "t9")
	if v, ok, _ := kv.Get(ctx, "matrix.x.next_batch"); ok {
		t.Fatalf("SaveNextBatch persisted %q before the batch was handled", v)
	}
	// Crash here: the next start loads "" and fetches the batch again.
	if got, _ := s.LoadNextBatch(ctx, bot); got != "" {
		t.Fatalf("LoadNextBatch = %q", got)
	}
	// LoadNextBatch dropped the pending token: commit must not persist it.
	if err := s.commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := kv.Get(ctx, "matrix.x.next_batch"); ok {
		t.Fatal("a dropped pending token was committed")
	}
	_ = s.SaveFilterID(ctx, bot, "f1")
	if _, ok, _ := kv.Get(ctx, "matrix.x.filter_id"); ok {
		t.Fatal("filter ID must not be persisted")
	}
}

func TestSinkErrorStopsBatchAndKeepsToken(t *testing.T) {
	kv := &chat.MemKV{}
	rs := &recSink{failOn: "$2"}
	tr, _ := testTransport(t, Config{}, kv, rs)
	ctx := context.Background()
	_ = kv.Put(ctx, "matrix."+bot.String()+"."+kvNextBatch, "t1")
	_, _ = tr.store.LoadNextBatch(ctx, bot)
	batch := joined(roomA, nil, msg("$1", alice, "a"), msg("$2", alice, "b"), msg("$3", alice, "c"))
	err := feed(t, tr, "t1", "t2", batch)
	if !errors.Is(err, errSink) {
		t.Fatalf("err = %v, want errSink", err)
	}
	if !slices.Equal(rs.ids(), []string{"$1", "$2"}) {
		t.Fatalf("delivered %v: processing must stop at the failing event", rs.ids())
	}
	if tok := token(t, kv); tok != "t1" {
		t.Fatalf("token = %q after a sink error, want t1", tok)
	}
	// mautrix restarts the sync: it loads the committed token again.
	if got, _ := tr.store.LoadNextBatch(ctx, bot); got != "t1" {
		t.Fatalf("LoadNextBatch after failure = %q", got)
	}
	rs.failOn = ""
	rs.got = nil
	if err := feed(t, tr, "t1", "t2", batch); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rs.ids(), []string{"$1", "$2", "$3"}) {
		t.Fatalf("replay delivered %v", rs.ids())
	}
	if tok := token(t, kv); tok != "t2" {
		t.Fatalf("token = %q, want t2", tok)
	}
}

func TestSinkPanicIsRecovered(t *testing.T) {
	kv := &chat.MemKV{}
	rs := &recSink{panic: "$1"}
	tr, _ := testTransport(t, Config{}, kv, rs)
	if err := feed(t, tr, "t1", "t2", joined(roomA, nil, msg("$1", alice, "a"), msg("$2", alice, "b"))); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rs.ids(), []string{"$1", "$2"}) {
		t.Fatalf("delivered %v", rs.ids())
	}
}

func TestInitialSyncSkipsHistoryButHandlesInvites(t *testing.T) {
	kv := &chat.MemKV{}
	rs := &recSink{}
	tr, calls := testTransport(t, Config{Admins: []string{admin.String()}}, kv, rs)
	rooms := fmt.Sprintf(`{
		"join":{%q:{"state":{"events":[%s,%s]},"timeline":{"events":[%s,%s]}}},
		"invite":{"!inv:test":{"invite_state":{"events":[
			{"type":"m.room.member","state_key":%q,"sender":%q,"content":{"membership":"invite"}}]}}}}`,
		roomA, member("$m1", bot, "join", "", tsBase), member("$m2", alice, "join", "", tsBase),
		msg("$old1", alice, "!liaison help"),
		`{"type":"m.reaction","event_id":"$old2","sender":"@alice:test","origin_server_ts":1,"content":{"m.relates_to":{"rel_type":"m.annotation","event_id":"$x","key":"✅"}}}`,
		bot, admin)
	if err := feed(t, tr, "", "t1", rooms); err != nil {
		t.Fatal(err)
	}
	if len(rs.got) != 1 || rs.got[0].Kind != chat.EventInvite || rs.got[0].Room != "!inv:test" || rs.got[0].Sender.ID != admin.String() {
		t.Fatalf("delivered %+v, want only the invite", rs.got)
	}
	if !slices.Equal(*calls, []string{"join !inv:test"}) {
		t.Fatalf("calls %v", *calls)
	}
	if tok := token(t, kv); tok != "t1" {
		t.Fatalf("token %q", tok)
	}
	// The initial sync's state filled the member cache: a two-member room.
	if !tr.isDirect(roomA) {
		t.Fatal("room with the bot and alice should count as direct")
	}
}

func TestInitialSyncDeliversAfterFreshJoin(t *testing.T) {
	kv := &chat.MemKV{}
	rs := &recSink{}
	tr, _ := testTransport(t, Config{}, kv, rs)
	tr.joinedThisRun[roomA] = time.Now()
	now := time.Now().UnixMilli()
	batch := joined(roomA, nil, msg("$old", alice, "old"), member("$j", bot, "join", "", now), msg("$new", alice, "!liaison help"))
	if err := feed(t, tr, "", "t1", batch); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rs.ids(), []string{"$new"}) {
		t.Fatalf("delivered %v, want [$new]", rs.ids())
	}

	// The same timeline when the join is old (joined in an earlier life):
	// nothing is delivered.
	rs2 := &recSink{}
	tr2, _ := testTransport(t, Config{}, &chat.MemKV{}, rs2)
	tr2.joinedThisRun[roomA] = time.Now()
	old := joined(roomA, nil, msg("$old", alice, "old"), member("$j", bot, "join", "", tsBase), msg("$new", alice, "x"))
	if err := feed(t, tr2, "", "t1", old); err != nil {
		t.Fatal(err)
	}
	if len(rs2.got) != 0 {
		t.Fatalf("delivered %v from history", rs2.ids())
	}
}

func TestCommandInSameBatchAsJoinIsDelivered(t *testing.T) {
	kv := &chat.MemKV{}
	rs := &recSink{}
	tr, _ := testTransport(t, Config{}, kv, rs)
	batch := joined(roomA, nil,
		msg("$hist", alice, "!liaison old command before the bot came"),
		member("$inv", bot, "invite", "", tsBase),
		member("$j", bot, "join", "invite", tsBase),
		msg("$cmd", alice, "!liaison help"))
	if err := feed(t, tr, "t1", "t2", batch); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rs.ids(), []string{"$cmd"}) {
		t.Fatalf("delivered %v, want [$cmd]", rs.ids())
	}
}

func TestProfileChangeIsNotAJoin(t *testing.T) {
	kv := &chat.MemKV{}
	rs := &recSink{}
	tr, _ := testTransport(t, Config{}, kv, rs)
	tr.joined[roomA] = true
	// With prev_content join, and without prev_content in a room the bot
	// was already in: a display-name change, not a join.
	batch := joined(roomA, nil, msg("$1", alice, "a"), member("$p", bot, "join", "join", tsBase),
		msg("$2", alice, "b"), member("$p2", bot, "join", "", tsBase), msg("$3", alice, "c"))
	if err := feed(t, tr, "t1", "t2", batch); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rs.ids(), []string{"$1", "$2", "$3"}) {
		t.Fatalf("delivered %v", rs.ids())
	}
}

func TestInviteGate(t *testing.T) {
	invite := func(room id.RoomID, inviter id.UserID) string {
		return fmt.Sprintf(`{"invite":{%q:{"invite_state":{"events":[
			{"type":"m.room.name","state_key":"","sender":%q,"content":{"name":"x"}},
			{"type":"m.room.member","state_key":%q,"sender":%q,"event_id":"$i%s","content":{"membership":"invite"}}]}}}}`,
			room, inviter, bot, inviter, room)
	}
	cases := []struct {
		name    string
		room    id.RoomID
		inviter id.UserID
		want    string
	}{
		{"configured room ID", "!cfg:test", alice, "join !cfg:test"},
		{"configured alias", "!wg:test", alice, "join !wg:test"},
		{"admin anywhere", "!any:test", admin, "join !any:test"},
		{"stranger", "!spam:test", alice, "leave !spam:test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := &recSink{}
			tr, calls := testTransport(t, Config{Rooms: []string{"!cfg:test", "#wg:test"}, Admins: []string{admin.String()}}, &chat.MemKV{}, rs)
			if err := feed(t, tr, "t1", "t2", invite(c.room, c.inviter)); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(*calls, []string{c.want}) {
				t.Fatalf("calls %v, want %v", *calls, c.want)
			}
			accepted := strings.HasPrefix(c.want, "join")
			if accepted != (len(rs.got) == 1) {
				t.Fatalf("delivered %+v", rs.got)
			}
			if accepted && (rs.got[0].Kind != chat.EventInvite || rs.got[0].ID != "$i"+c.room.String()) {
				t.Fatalf("invite event %+v", rs.got[0])
			}
		})
	}
}

func TestInviteTransientJoinFailureRetriesBatch(t *testing.T) {
	kv := &chat.MemKV{}
	rs := &recSink{}
	tr, _ := testTransport(t, Config{Admins: []string{admin.String()}}, kv, rs)
	tr.acceptInvite = func(context.Context, id.RoomID) error { return errors.New("connection refused") }
	rooms := fmt.Sprintf(`{"invite":{"!x:test":{"invite_state":{"events":[
		{"type":"m.room.member","state_key":%q,"sender":%q,"content":{"membership":"invite"}}]}}}}`, bot, admin)
	if err := feed(t, tr, "t1", "t2", rooms); !errors.Is(err, errSink) {
		t.Fatalf("err = %v, want the batch abandoned", err)
	}
	if token(t, kv) == "t2" {
		t.Fatal("token advanced past an invite that was not handled")
	}
}

func TestConvertMessages(t *testing.T) {
	kv := &chat.MemKV{}
	rs := &recSink{}
	tr, _ := testTransport(t, Config{DisplayName: "LiaisonBot", IdentityEmails: map[string]string{alice.String(): "alice@example.org"}}, kv, rs)
	state := []string{member("$m0", bot, "join", "", tsBase),
		`{"type":"m.room.member","state_key":"@alice:test","event_id":"$m1","sender":"@alice:test","origin_server_ts":1,"content":{"membership":"join","displayname":"Alice A."}}`,
		member("$m2", "@carol:test", "join", "", tsBase)}
	timeline := []string{
		// reply with HTML and plain fallbacks
		`{"type":"m.room.message","event_id":"$reply","sender":"@alice:test","origin_server_ts":1000,"content":{"msgtype":"m.text",
		  "body":"> <@x:test> quoted\n\n!liaison show 12","format":"org.matrix.custom.html",
		  "formatted_body":"<mx-reply><blockquote>quoted</blockquote></mx-reply>!liaison show 12",
		  "m.relates_to":{"m.in_reply_to":{"event_id":"$q"}}}}`,
		// plain-text-only reply fallback
		`{"type":"m.room.message","event_id":"$reply2","sender":"@alice:test","origin_server_ts":1000,"content":{"msgtype":"m.text",
		  "body":"> <@x:test> quoted\n\n!liaison list","m.relates_to":{"m.in_reply_to":{"event_id":"$q"}}}}`,
		// in a thread, addressed by display name
		`{"type":"m.room.message","event_id":"$thr","sender":"@alice:test","origin_server_ts":1000,"content":{"msgtype":"m.text",
		  "body":"liaisonbot:  approve 12","m.relates_to":{"rel_type":"m.thread","event_id":"$root","is_falling_back":true,"m.in_reply_to":{"event_id":"$root"}}}}`,
		// intentional mention
		`{"type":"m.room.message","event_id":"$men","sender":"@alice:test","origin_server_ts":1000,"content":{"msgtype":"m.text",
		  "body":"hey LiaisonBot what is due","m.mentions":{"user_ids":["@liaisonbot:test"]}}}`,
		// ignored: notice, edit, own message, image
		`{"type":"m.room.message","event_id":"$notice","sender":"@alice:test","content":{"msgtype":"m.notice","body":"!liaison help"}}`,
		`{"type":"m.room.message","event_id":"$edit","sender":"@alice:test","content":{"msgtype":"m.text","body":"* !liaison help",
		  "m.new_content":{"msgtype":"m.text","body":"!liaison help"},"m.relates_to":{"rel_type":"m.replace","event_id":"$reply"}}}`,
		`{"type":"m.room.message","event_id":"$own","sender":"@liaisonbot:test","content":{"msgtype":"m.text","body":"!liaison help"}}`,
		// own Alert: m.text with m.mentions, reading like a command
		`{"type":"m.room.message","event_id":"$ownalert","sender":"@liaisonbot:test","content":{"msgtype":"m.text","body":"/liaison help Alice A.",
		  "m.mentions":{"user_ids":["@alice:test"]}}}`,
		`{"type":"m.room.message","event_id":"$img","sender":"@alice:test","content":{"msgtype":"m.image","body":"x.png"}}`,
		// reactions and redactions
		`{"type":"m.reaction","event_id":"$r1","sender":"@alice:test","origin_server_ts":1000,"content":{"m.relates_to":{"rel_type":"m.annotation","event_id":"$ann","key":"✅️"}}}`,
		`{"type":"m.room.redaction","event_id":"$red1","sender":"@alice:test","origin_server_ts":1000,"redacts":"$r1","content":{}}`,
		`{"type":"m.room.redaction","event_id":"$red2","sender":"@alice:test","origin_server_ts":1000,"content":{"redacts":"$r9"}}`,
	}
	if err := feed(t, tr, "", "t1", `{}`); err != nil { // mark "not initial"
		t.Fatal(err)
	}
	tr.joined[roomA] = true
	if err := feed(t, tr, "t1", "t2", joined(roomA, state, timeline...)); err != nil {
		t.Fatal(err)
	}
	byID := map[string]chat.Event{}
	for _, e := range rs.got {
		byID[e.ID] = e
	}
	if !slices.Equal(rs.ids(), []string{"$reply", "$reply2", "$thr", "$men", "$r1", "$red1", "$red2"}) {
		t.Fatalf("delivered %v", rs.ids())
	}
	r := byID["$reply"]
	if r.Text != "!liaison show 12" || r.Kind != chat.EventMessage || r.Platform != "matrix" || r.Room != roomA.String() {
		t.Errorf("reply: %+v", r)
	}
	if r.Sender != (chat.User{ID: alice.String(), DisplayName: "Alice A.", Email: "alice@example.org"}) {
		t.Errorf("sender %+v", r.Sender)
	}
	if !r.Time.Equal(time.UnixMilli(1000)) {
		t.Errorf("time %v", r.Time)
	}
	if r.Direct {
		t.Error("three members: not direct")
	}
	if got := byID["$reply2"].Text; got != "!liaison list" {
		t.Errorf("plain reply text %q", got)
	}
	if e := byID["$thr"]; e.Thread != "$root" || !e.MentionsBot || e.Text != "approve 12" {
		t.Errorf("thread: %+v", e)
	}
	if e := byID["$men"]; !e.MentionsBot || e.Text != "hey LiaisonBot what is due" {
		t.Errorf("mention: %+v", e)
	}
	if e := byID["$r1"]; e.Kind != chat.EventReaction || e.Target != "$ann" || e.Key != chat.KeyApprove || e.ReactionID != "$r1" {
		t.Errorf("reaction: %+v", e)
	}
	if e := byID["$red1"]; e.Kind != chat.EventReactionRemove || e.ReactionID != "$r1" || e.Target != "" {
		t.Errorf("redaction: %+v", e)
	}
	if e := byID["$red2"]; e.Kind != chat.EventReactionRemove || e.ReactionID != "$r9" {
		t.Errorf("v11 redaction: %+v", e)
	}
}

func TestStripAddress(t *testing.T) {
	tr, _ := testTransport(t, Config{DisplayName: "Liaison Bot"}, &chat.MemKV{}, &recSink{})
	cases := []struct {
		in, out string
		ok      bool
	}{
		{"liaison bot: help", "help", true},
		{"@liaisonbot:test: draft x", "draft x", true},
		{"liaisonbot: help", "help", true},
		{"@liaisonbot: help", "help", true},
		{"liaisonbothelp: x", "liaisonbothelp: x", false},
		{"liaisonbot help", "liaisonbot help", false},
		{"hello liaisonbot: x", "hello liaisonbot: x", false},
	}
	for _, c := range cases {
		out, ok := tr.stripAddress(roomA, c.in)
		if out != c.out || ok != c.ok {
			t.Errorf("%q: got %q %v, want %q %v", c.in, out, ok, c.out, c.ok)
		}
	}
}

func TestModeratorLevel(t *testing.T) {
	parse := func(js string) mautrix.RoomStateMap {
		var evts []json.RawMessage
		if err := json.Unmarshal([]byte(js), &evts); err != nil {
			t.Fatal(err)
		}
		m := mautrix.RoomStateMap{}
		for _, raw := range evts {
			var e *event.Event
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatal(err)
			}
			e.Type.Class = event.StateEventType
			_ = e.Content.ParseRaw(e.Type)
			if m[e.Type] == nil {
				m[e.Type] = map[string]*event.Event{}
			}
			m[e.Type][*e.StateKey] = e
		}
		return m
	}
	v10 := parse(`[{"type":"m.room.create","state_key":"","sender":"@creator:test","content":{"room_version":"10","creator":"@creator:test"}},
		{"type":"m.room.power_levels","state_key":"","sender":"@creator:test","content":{"users":{"@creator:test":100,"@mod:test":50,"@x:test":10}}}]`)
	v12 := parse(`[{"type":"m.room.create","state_key":"","sender":"@creator:test","content":{"room_version":"12"}},
		{"type":"m.room.power_levels","state_key":"","sender":"@creator:test","content":{"users":{"@mod:test":50}}}]`)
	nopl := parse(`[{"type":"m.room.create","state_key":"","sender":"@creator:test","content":{"room_version":"10"}}]`)
	cases := []struct {
		state mautrix.RoomStateMap
		user  id.UserID
		want  bool
	}{
		{v10, "@creator:test", true}, {v10, "@mod:test", true}, {v10, "@x:test", false}, {v10, "@nobody:test", false},
		{v12, "@creator:test", true}, {v12, "@mod:test", true}, {v12, "@nobody:test", false},
		{nopl, "@creator:test", true}, {nopl, "@other:test", false},
	}
	for i, c := range cases {
		if got := moderatorLevel(c.state, c.user); got != c.want {
			t.Errorf("case %d %s: got %v", i, c.user, got)
		}
	}
}
