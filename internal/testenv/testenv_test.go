package testenv_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestPostgresGivesFreshDatabases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := testenv.Postgres(t), testenv.Postgres(t)
	if a == b {
		t.Fatalf("same DSN twice: %s", a)
	}
	ca, cb := connect(t, a), connect(t, b)
	var nameA, nameB string
	if err := ca.QueryRow(ctx, "SELECT current_database()").Scan(&nameA); err != nil {
		t.Fatal(err)
	}
	if err := cb.QueryRow(ctx, "SELECT current_database()").Scan(&nameB); err != nil {
		t.Fatal(err)
	}
	if nameA == nameB {
		t.Fatalf("both DSNs lead to database %s", nameA)
	}
	for _, c := range []*pgx.Conn{ca, cb} {
		var n int
		if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("fresh database has %d tables", n)
		}
	}
	if _, err := ca.Exec(ctx, "CREATE TABLE only_in_a (x int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := cb.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("a table created in one database shows up in the other")
	}
}

func TestPostgresDropsDatabaseAfterTest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var name string
	t.Run("user", func(t *testing.T) {
		c := connect(t, testenv.Postgres(t))
		if err := c.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		// The connection stays open: the drop must still succeed.
	})
	c := connect(t, testenv.Postgres(t))
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("database %s still exists after its test", name)
	}
}

func TestEventually(t *testing.T) {
	t.Parallel()
	start := time.Now()
	testenv.Eventually(t, 5*time.Second, func() bool { return time.Since(start) > 50*time.Millisecond })

	f := &fakeTB{TB: t}
	testenv.Eventually(f, 30*time.Millisecond, func() bool { return false }, "waiting for %s", "godot")
	if !strings.Contains(f.fatal, "waiting for godot") || !strings.Contains(f.fatal, "30ms") {
		t.Fatalf("failure message %q", f.fatal)
	}
}

type fakeTB struct {
	testing.TB
	fatal string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
}

// findText looks for a m.text with body in the room's recent history.
func findText(ctx context.Context, cli *mautrix.Client, room id.RoomID, body string) (bool, error) {
	resp, err := cli.Messages(ctx, room, "", "", mautrix.DirectionBackward, nil, 50)
	if err != nil {
		return false, err
	}
	for _, evt := range resp.Chunk {
		if evt.Type != event.EventMessage {
			continue
		}
		if err := evt.Content.ParseRaw(evt.Type); err != nil && !errors.Is(err, event.ErrContentAlreadyParsed) {
			return false, err
		}
		if msg := evt.Content.AsMessage(); msg.MsgType == event.MsgText && msg.Body == body {
			return true, nil
		}
	}
	return false, nil
}

func TestDendriteInviteJoinMessage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hs := testenv.Dendrite(t)
	if hs.ServerName() != "localhost" || !strings.HasPrefix(hs.URL(), "http://127.0.0.1:") {
		t.Fatalf("server %s at %s", hs.ServerName(), hs.URL())
	}
	alice := hs.RegisterUser(t, "alice")
	bob := hs.RegisterUser(t, "bob")
	if alice.ID != "@alice:localhost" || bob.ID != "@bob:localhost" {
		t.Fatalf("user IDs %s, %s", alice.ID, bob.ID)
	}
	if alice.DeviceID == "" || alice.DeviceID == bob.DeviceID {
		t.Fatalf("device IDs %q, %q: want one of its own per user", alice.DeviceID, bob.DeviceID)
	}
	ac, bc := hs.Client(t, alice), hs.Client(t, bob)

	// Registration through the shared secret only.
	open, err := mautrix.NewClient(hs.URL(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open.RegisterDummy(ctx, &mautrix.ReqRegister[any]{Username: "mallory", Password: "secret-secret"}); err == nil {
		t.Fatal("open registration works; want it disabled")
	}

	room, err := ac.CreateRoom(ctx, &mautrix.ReqCreateRoom{Name: "liaisons", Preset: "private_chat", Invite: []id.UserID{bob.ID}})
	if err != nil {
		t.Fatal(err)
	}
	// Bob sees the invite in his sync, joins and writes.
	testenv.Eventually(t, 30*time.Second, func() bool {
		resp, err := bc.SyncRequest(ctx, 0, "", "", false, event.PresenceOnline)
		if err != nil {
			t.Logf("sync: %v", err)
			return false
		}
		_, ok := resp.Rooms.Invite[room.RoomID]
		return ok
	}, "bob sees the invite to %s", room.RoomID)
	if _, err := bc.JoinRoomByID(ctx, room.RoomID); err != nil {
		t.Fatal(err)
	}
	if _, err := bc.SendText(ctx, room.RoomID, "hello from bob"); err != nil {
		t.Fatal(err)
	}

	// Alice sees it through /messages and through /sync.
	testenv.Eventually(t, 30*time.Second, func() bool {
		ok, err := findText(ctx, ac, room.RoomID, "hello from bob")
		if err != nil {
			t.Logf("messages: %v", err)
		}
		return ok
	}, "alice reads bob's message via /messages")
	resp, err := ac.SyncRequest(ctx, 0, "", "", false, event.PresenceOnline)
	if err != nil {
		t.Fatal(err)
	}
	joined, ok := resp.Rooms.Join[room.RoomID]
	if !ok {
		t.Fatal("room missing from alice's sync")
	}
	seen := false
	for _, evt := range joined.Timeline.Events {
		if evt.Type == event.EventMessage && evt.Sender == bob.ID {
			_ = evt.Content.ParseRaw(evt.Type)
			if evt.Content.AsMessage().Body == "hello from bob" {
				seen = true
			}
		}
	}
	if !seen {
		t.Fatal("bob's message missing from alice's sync timeline")
	}
}

func TestDendriteStopStartKeepsData(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hs := testenv.Dendrite(t)
	alice := hs.RegisterUser(t, "alice")
	ac := hs.Client(t, alice)
	room, err := ac.CreateRoom(ctx, &mautrix.ReqCreateRoom{Name: "before"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ac.SendText(ctx, room.RoomID, "before the outage"); err != nil {
		t.Fatal(err)
	}
	url := hs.URL()

	start := time.Now()
	hs.Stop()
	t.Logf("stop took %s", time.Since(start))
	if resp, err := http.Get(url + "/_matrix/client/versions"); err == nil {
		resp.Body.Close()
		t.Fatal("homeserver still answers after Stop")
	}
	hs.Stop() // idempotent

	start = time.Now()
	if err := hs.Start(); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart took %s", time.Since(start))
	if hs.URL() != url {
		t.Fatalf("URL changed from %s to %s", url, hs.URL())
	}
	// The old access token still works, the room and its message are there,
	// and the password still logs in.
	who, err := ac.Whoami(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if who.UserID != alice.ID || who.DeviceID != alice.DeviceID {
		t.Fatalf("whoami %s/%s, want %s/%s", who.UserID, who.DeviceID, alice.ID, alice.DeviceID)
	}
	ok, err := findText(ctx, ac, room.RoomID, "before the outage")
	if err != nil || !ok {
		t.Fatalf("message from before the restart: found=%v err=%v", ok, err)
	}
	anon, err := mautrix.NewClient(hs.URL(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anon.Login(ctx, &mautrix.ReqLogin{
		Type:       mautrix.AuthTypePassword,
		Identifier: mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: "alice"},
		Password:   alice.Password,
	}); err != nil {
		t.Fatalf("password login after restart: %v", err)
	}
	bob := hs.RegisterUser(t, "bob")
	if _, err := hs.Client(t, bob).Whoami(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestDendriteRateLimiting(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Dendrite v0.15.2 limits e.g. /account/whoami, /join, /invite, /login,
	// but not /send or /createRoom.
	burst := func(cli *mautrix.Client) (limited int) {
		for range 10 {
			_, err := cli.Whoami(ctx)
			if errors.Is(err, mautrix.MLimitExceeded) {
				limited++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		return limited
	}

	off := testenv.Dendrite(t)
	if n := burst(off.Client(t, off.RegisterUser(t, "alice"))); n != 0 {
		t.Fatalf("%d requests limited with rate limiting off", n)
	}

	on := testenv.Dendrite(t, testenv.WithRateLimit(2, 5*time.Second), testenv.WithRateLimitExempt("tester"))
	if n := burst(on.Client(t, on.RegisterUser(t, "bot"))); n == 0 {
		t.Fatal("no request limited with rate limiting on")
	}
	if n := burst(on.Client(t, on.RegisterUser(t, "tester"))); n != 0 {
		t.Fatalf("%d requests of an exempt user limited", n)
	}
}
