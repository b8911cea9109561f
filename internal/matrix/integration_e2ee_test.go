package matrix_test

// Encrypted rooms and direct messages through a real Dendrite, with a
// person whose client encrypts (mautrix-go's cryptohelper, like Element).

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/matrix"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

type e2eeWorld struct {
	hs  *testenv.Homeserver
	bot testenv.User
	dsn string // the bot's database (crypto store)
	kv  *chat.MemKV
	// rooms the bot is configured with
	rooms []string
}

func newE2EEWorld(t *testing.T) *e2eeWorld {
	// Dendrite on PostgreSQL: on SQLite it answers 500 (SQLITE_BUSY) now
	// and then under the load of several syncing crypto clients.
	hs := testenv.Dendrite(t, testenv.WithPostgres(testenv.Postgres(t)))
	return &e2eeWorld{hs: hs, bot: hs.RegisterUser(t, "liaisonbot"), dsn: testenv.Postgres(t), kv: &chat.MemKV{}}
}

// aliceRoom registers alice with an encrypting client; she creates an
// encrypted room, invites the bot, and the room is configured (so the
// invite is accepted).
func (w *e2eeWorld) aliceRoom(t *testing.T) (testenv.User, *testenv.CryptoClient, id.RoomID) {
	t.Helper()
	alice := w.hs.RegisterUser(t, "alice")
	ac := w.hs.CryptoClient(t, alice)
	room, err := ac.CreateEncryptedRoom(context.Background(), false, w.bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.rooms = []string{room.String()}
	return alice, ac, room
}

func (w *e2eeWorld) cfg(pickle string) matrix.Config {
	return matrix.Config{
		Homeserver:        w.hs.URL(),
		UserID:            w.bot.ID.String(),
		Password:          w.bot.Password,
		DisplayName:       "Liaison Bot",
		HTTPBackoff:       200 * time.Millisecond,
		PickleKey:         pickle,
		CryptoDatabaseURL: w.dsn,
		Rooms:             w.rooms,
	}
}

// decryptedFrom waits until cc holds a decrypted message from sender in
// room whose body is body.
func decryptedFrom(t *testing.T, cc *testenv.CryptoClient, room id.RoomID, sender id.UserID, body string) *event.Event {
	t.Helper()
	var got *event.Event
	eventually(t, 30*time.Second, "decrypted message "+body, func() bool {
		for _, e := range cc.Messages(room) {
			if e.Sender != sender || !e.Mautrix.WasEncrypted {
				continue
			}
			if mc := e.Content.AsMessage(); mc != nil && mc.Body == body {
				got = e
				return true
			}
		}
		return false
	})
	return got
}

func sendEncrypted(t *testing.T, cc *testenv.CryptoClient, room id.RoomID, body string) id.EventID {
	t.Helper()
	resp, err := cc.SendMessageEvent(context.Background(), room, event.EventMessage,
		&event.MessageEventContent{MsgType: event.MsgText, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	evt := getEvent(t, cc, room, resp.EventID)
	if evt.Type != event.EventEncrypted {
		t.Fatalf("the client sent %s, not an encrypted event", evt.Type.Type)
	}
	return resp.EventID
}

// getEvent reads an event as it is stored (encrypted or not).
func getEvent(t *testing.T, cc *testenv.CryptoClient, room id.RoomID, evt id.EventID) *event.Event {
	t.Helper()
	var got *event.Event
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		if got, err = cc.GetEvent(context.Background(), room, evt); err == nil {
			return got
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("get %s: %v", evt, err)
	return nil
}

// waitBotMember waits until the client's own state knows the bot joined,
// so it shares the room key with the bot's device.
func waitBotMember(t *testing.T, cc *testenv.CryptoClient, room id.RoomID, bot id.UserID) {
	t.Helper()
	eventually(t, 30*time.Second, "the client sees the bot joined", func() bool {
		m, err := cc.StateStore.GetMember(context.Background(), room, bot)
		return err == nil && m != nil && m.Membership == event.MembershipJoin
	})
}

func TestIntegrationE2EERoomRestartAndDowntime(t *testing.T) {
	w := newE2EEWorld(t)
	alice, ac, room := w.aliceRoom(t)
	ctx := context.Background()

	col := &collector{}
	r := startBot(t, w.cfg("bot pickle key"), w.kv, col)
	waitBotMember(t, ac, room, w.bot.ID)
	device := r.tr.Client().DeviceID

	// An encrypted command reaches the sink once, decrypted.
	cmdID := sendEncrypted(t, ac, room, "!liaison help")
	got := col.waitFor(t, "the encrypted command", text("!liaison help"))
	if got.ID != cmdID.String() || got.Sender.ID != alice.ID.String() {
		t.Fatalf("event %+v", got)
	}

	// The answer is encrypted in the room and decrypts on the client.
	sent, err := r.tr.Send(ctx, chat.Outgoing{Room: room.String(), ReplyTo: cmdID.String(), Body: chat.Text("Here is the help."), Notice: true, TxnKey: "answer:help"})
	if err != nil {
		t.Fatal(err)
	}
	if raw := getEvent(t, ac, room, id.EventID(sent.ID)); raw.Type != event.EventEncrypted {
		t.Fatalf("the bot's answer is %s, not encrypted", raw.Type.Type)
	}
	decryptedFrom(t, ac, room, w.bot.ID, "Here is the help.")

	// An encrypted ✅ on the bot's message counts as a reaction.
	if _, err := ac.React(ctx, room, id.EventID(sent.ID), "✅️"); err != nil {
		t.Fatal(err)
	}
	react := col.waitFor(t, "the encrypted reaction", func(e chat.Event) bool { return e.Kind == chat.EventReaction })
	if react.Target != sent.ID || react.Key != "✅" || react.Sender.ID != alice.ID.String() {
		t.Fatalf("reaction %+v", react)
	}

	// Down: a message sent meanwhile is handled once after the start, by
	// the same device.
	r.stop(t)
	sendEncrypted(t, ac, room, "!liaison show 7")
	col2 := &collector{}
	r2 := startBot(t, w.cfg("bot pickle key"), w.kv, col2)
	if d := r2.tr.Client().DeviceID; d != device {
		t.Fatalf("restart used device %s, before %s", d, device)
	}
	col2.waitFor(t, "the message sent while down", text("!liaison show 7"))
	sendEncrypted(t, ac, room, "!liaison show 8")
	col2.waitFor(t, "a new message after the restart", text("!liaison show 8"))
	settle()
	if n := len(col2.find(text("!liaison show 7"))); n != 1 {
		t.Fatalf("the message sent while down was delivered %d times", n)
	}
	if n := len(col2.find(text("!liaison help"))); n != 0 {
		t.Fatalf("an old command was delivered again after the restart")
	}
	// After a crash the bot recognises its earlier encrypted answer (so a
	// retried send posts once): it decrypts its own messages.
	found, ok, err := r2.tr.FindSent(ctx, chat.Outgoing{Room: room.String(), TxnKey: "answer:help"})
	if err != nil || !ok || found.ID != sent.ID {
		t.Fatalf("FindSent after the restart: %+v %v %v, want %s", found, ok, err, sent.ID)
	}
	if _, err := r2.tr.Send(ctx, chat.Outgoing{Room: room.String(), Body: chat.Text("Still here."), Notice: true, TxnKey: "answer:2"}); err != nil {
		t.Fatal(err)
	}
	decryptedFrom(t, ac, room, w.bot.ID, "Still here.")
}

func TestIntegrationE2EEDirectMessages(t *testing.T) {
	w := newE2EEWorld(t)
	chair := w.hs.RegisterUser(t, "chair")
	stranger := w.hs.RegisterUser(t, "stranger")
	cc := w.hs.CryptoClient(t, chair)
	sc := w.hs.CryptoClient(t, stranger)
	ctx := context.Background()

	cfg := w.cfg("bot pickle key")
	cfg.IdentityEmails = map[string]string{chair.ID.String(): "chair@example.org"} // mapped, not an admin
	col := &collector{}
	r := startBot(t, cfg, w.kv, col)

	// The mapped chair's encrypted DM is joined and answered.
	dm, err := cc.CreateEncryptedRoom(ctx, true, w.bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitBotMember(t, cc, dm, w.bot.ID)
	cmdID := sendEncrypted(t, cc, dm, "help")
	got := col.waitFor(t, "the DM command", text("help"))
	if !got.Direct || got.Sender.Email != "chair@example.org" {
		t.Fatalf("DM event %+v", got)
	}
	sent, err := r.tr.Send(ctx, chat.Outgoing{Room: dm.String(), ReplyTo: cmdID.String(), Body: chat.Text("Help for you."), Notice: true, TxnKey: "dm:help"})
	if err != nil {
		t.Fatal(err)
	}
	decryptedFrom(t, cc, dm, w.bot.ID, "Help for you.")
	if _, err := cc.React(ctx, dm, id.EventID(sent.ID), "✅"); err != nil {
		t.Fatal(err)
	}
	if re := col.waitFor(t, "the DM reaction", func(e chat.Event) bool { return e.Kind == chat.EventReaction }); re.Target != sent.ID || re.Key != "✅" {
		t.Fatalf("reaction %+v", re)
	}

	// An unmapped person's DM invite is refused under the default policy.
	sdm, err := sc.CreateEncryptedRoom(ctx, true, w.bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the stranger's invite rejected", func() bool {
		var m event.MemberEventContent
		err := sc.StateEvent(ctx, sdm, event.StateMember, w.bot.ID.String(), &m)
		return err == nil && m.Membership == event.MembershipLeave
	})
	if n := len(col.find(func(e chat.Event) bool { return e.Room == sdm.String() })); n != 0 {
		t.Fatalf("%d events from the refused DM", n)
	}
}

func TestIntegrationE2EEOffSaysSoOnce(t *testing.T) {
	w := newE2EEWorld(t)
	_, ac, room := w.aliceRoom(t)
	col := &collector{}
	r := startBot(t, w.cfg(""), w.kv, col) // no pickle key
	waitBotMember(t, ac, room, w.bot.ID)
	sendEncrypted(t, ac, room, "!liaison help")

	notices := func() int {
		n := 0
		for _, e := range roomMessages(t, ac.Client, room) {
			if e.Sender == w.bot.ID && e.Type == event.EventMessage {
				if mc := e.Content.AsMessage(); mc != nil && mc.MsgType == event.MsgNotice && contains(mc.Body, "matrix.pickle_key") {
					n++
				}
			}
		}
		return n
	}
	eventually(t, 30*time.Second, "the notice", func() bool { return notices() == 1 })

	// Another encrypted message, and a restart: still one notice.
	sendEncrypted(t, ac, room, "!liaison show 1")
	r.stop(t)
	startBot(t, w.cfg(""), w.kv, &collector{})
	sendEncrypted(t, ac, room, "!liaison show 2")
	settle()
	if n := notices(); n != 1 {
		t.Fatalf("%d notices, want 1", n)
	}
	// The room's invite may reach the sink (the bot may start before it
	// joined); no message or reaction may.
	for _, e := range col.all() {
		if e.Kind != chat.EventInvite {
			t.Fatalf("undecryptable events reached the sink: %+v", col.all())
		}
	}
}

// Encryption turned on later for a room the bot was already in: the room
// is read and answered encrypted (its state was synced without crypto).
func TestIntegrationE2EETurnedOnLater(t *testing.T) {
	w := newE2EEWorld(t)
	_, ac, room := w.aliceRoom(t)
	ctx := context.Background()
	r := startBot(t, w.cfg(""), w.kv, &collector{})
	waitBotMember(t, ac, room, w.bot.ID)
	settle()
	r.stop(t)

	col := &collector{}
	r2 := startBot(t, w.cfg("bot pickle key"), w.kv, col)
	var cmd id.EventID
	// Alice's client learns the bot's new device keys from the device
	// list changes of its syncs; until then its messages are not for it.
	eventually(t, 60*time.Second, "an encrypted command read after encryption was turned on", func() bool {
		cmd = sendEncrypted(t, ac, room, "!liaison help")
		time.Sleep(2 * time.Second)
		return len(col.find(text("!liaison help"))) > 0
	})
	sent, err := r2.tr.Send(ctx, chat.Outgoing{Room: room.String(), ReplyTo: cmd.String(), Body: chat.Text("Now I can read."), Notice: true, TxnKey: "later:1"})
	if err != nil {
		t.Fatal(err)
	}
	if raw := getEvent(t, ac, room, id.EventID(sent.ID)); raw.Type != event.EventEncrypted {
		t.Fatalf("answer not encrypted: %v", raw.Type.Type)
	}
	decryptedFrom(t, ac, room, w.bot.ID, "Now I can read.")
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// An event whose room key reaches the bot only later (a withheld key,
// forwarded afterwards, after a restart) is decrypted then and reaches the
// sink once.
func TestIntegrationE2EEKeysArriveLater(t *testing.T) {
	w := newE2EEWorld(t)
	alice, ac, room := w.aliceRoom(t)
	ctx := context.Background()
	col := &collector{}
	r := startBot(t, w.cfg("bot pickle key"), w.kv, col)
	waitBotMember(t, ac, room, w.bot.ID)

	// Alice's client shares the new session with her own devices only,
	// then sends: the bot has no key for it.
	mach := ac.Helper.Machine()
	if err := mach.ShareGroupSession(ctx, room, []id.UserID{alice.ID}); err != nil {
		t.Fatal(err)
	}
	enc, err := mach.EncryptMegolmEvent(ctx, room, event.EventMessage, &event.MessageEventContent{MsgType: event.MsgText, Body: "!liaison show 9"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ac.SendMessageEvent(ctx, room, event.EventEncrypted, enc); err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * time.Second) // the bot parks it and, after 3 s, asks for the key (refused: never shared with it)
	if n := len(col.find(text("!liaison show 9"))); n != 0 {
		t.Fatalf("delivered %d times without its key", n)
	}

	// The bot restarts meanwhile: the waiting event is kept (KV).
	r.stop(t)
	col = &collector{}
	r = startBot(t, w.cfg("bot pickle key"), w.kv, col)

	// The key arrives later, forwarded (m.forwarded_room_key).
	sess, err := mach.CryptoStore.GetGroupSession(ctx, room, enc.SessionID)
	if err != nil || sess == nil {
		t.Fatalf("alice's own session: %v %v", sess, err)
	}
	key, err := sess.Internal.Export(0)
	if err != nil {
		t.Fatal(err)
	}
	own := mach.OwnIdentity()
	dev, err := mach.GetOrFetchDevice(ctx, w.bot.ID, r.tr.Client().DeviceID)
	if err != nil {
		t.Fatal(err)
	}
	fwd := &event.ForwardedRoomKeyEventContent{
		RoomKeyEventContent: event.RoomKeyEventContent{Algorithm: id.AlgorithmMegolmV1, RoomID: room, SessionID: enc.SessionID, SessionKey: string(key)},
		SenderKey:           own.IdentityKey,
		SenderClaimedKey:    own.SigningKey,
		ForwardingKeyChain:  []string{},
	}
	if err := mach.SendEncryptedToDevice(ctx, dev, event.ToDeviceForwardedRoomKey, event.Content{Parsed: fwd}); err != nil {
		t.Fatal(err)
	}
	col.waitFor(t, "the event decrypted once its key arrived", text("!liaison show 9"))
	sendEncrypted(t, ac, room, "!liaison show 10") // more batches go by
	col.waitFor(t, "a later message", text("!liaison show 10"))
	settle()
	if n := len(col.find(text("!liaison show 9"))); n != 1 {
		t.Fatalf("late-decrypted event delivered %d times", n)
	}
}

// A message sent before the bot's first sync in a process (the outbox
// runs beside the sync loop; here: right after joining, with no sync at
// all) still goes out encrypted and decrypts on the person's client: the
// crypto state store would not know yet that the room is encrypted, nor
// who is in it (seen in the SIGKILL test as a plaintext announcement).
func TestIntegrationE2EESendBeforeFirstSync(t *testing.T) {
	w := newE2EEWorld(t)
	_, ac, room := w.aliceRoom(t)
	ctx := context.Background()
	cfg := w.cfg("bot pickle key")
	cfg.Log = zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
	tr, err := matrix.New(cfg, w.kv)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.JoinRoom(ctx, room.String()); err != nil {
		t.Fatal(err)
	}
	sent, err := tr.Send(ctx, chat.Outgoing{Room: room.String(), Body: chat.Text("sent before any sync"), Notice: true, TxnKey: "before-sync"})
	if err != nil {
		t.Fatal(err)
	}
	if evt := getEvent(t, ac, room, id.EventID(sent.ID)); evt.Type != event.EventEncrypted {
		t.Fatalf("sent as %s into an encrypted room", evt.Type.Type)
	}
	decryptedFrom(t, ac, room, w.bot.ID, "sent before any sync")
}
