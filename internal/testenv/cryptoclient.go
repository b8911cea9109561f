package testenv

// A person's Matrix client with end-to-end encryption, the way Element
// behaves: mautrix-go's cryptohelper with its store in a fresh PostgreSQL
// database, syncing in the background, encrypting what it sends into
// encrypted rooms and decrypting what it receives.

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// CryptoClient is a syncing client with encryption. Messages lists the
// m.room.message events it received, decrypted where they were encrypted.
type CryptoClient struct {
	*mautrix.Client
	Helper *cryptohelper.CryptoHelper

	mu       sync.Mutex
	messages []*event.Event
}

// CryptoClient starts an encrypting client for u (its own device and
// crypto database); it stops when the test ends.
func (hs *Homeserver) CryptoClient(t testing.TB, u User) *CryptoClient {
	t.Helper()
	cli := hs.Client(t, u)
	cc := &CryptoClient{Client: cli}
	syncer := mautrix.NewDefaultSyncer()
	cli.Syncer = syncer
	cli.Store = mautrix.NewMemorySyncStore()
	sqlDB, err := sql.Open("pgx", Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqlDB.Close() })
	db, err := dbutil.NewWithDB(sqlDB, "pgx")
	if err != nil {
		t.Fatal(err)
	}
	helper, err := cryptohelper.NewCryptoHelper(cli, []byte("test pickle key "+u.Localpart), db)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := helper.Init(ctx); err != nil {
		cancel()
		t.Fatalf("testenv: crypto for %s: %v", u.ID, err)
	}
	cli.Crypto = helper
	cc.Helper = helper
	syncer.OnEventType(event.EventMessage, func(_ context.Context, evt *event.Event) {
		cc.mu.Lock()
		defer cc.mu.Unlock()
		cc.messages = append(cc.messages, evt)
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			_ = cli.SyncWithContext(ctx)
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
		}
	})
	return cc
}

// Messages returns the m.room.message events received in room so far.
func (cc *CryptoClient) Messages(room id.RoomID) []*event.Event {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	var out []*event.Event
	for _, e := range cc.messages {
		if e.RoomID == room {
			out = append(out, e)
		}
	}
	return slices.Clone(out)
}

// CreateEncryptedRoom creates a private room with encryption on from the
// start (as Element does), inviting invite; direct marks it a DM.
func (cc *CryptoClient) CreateEncryptedRoom(ctx context.Context, direct bool, invite ...id.UserID) (id.RoomID, error) {
	resp, err := cc.CreateRoom(ctx, &mautrix.ReqCreateRoom{
		Preset:   "private_chat",
		Invite:   invite,
		IsDirect: direct,
		InitialState: []*event.Event{{
			Type:    event.StateEncryption,
			Content: event.Content{Parsed: &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}},
		}},
	})
	if err != nil {
		return "", err
	}
	return resp.RoomID, nil
}

// React sends an encrypted reaction (Element encrypts reactions; mautrix's
// SendMessageEvent leaves them in the clear, so this encrypts explicitly).
func (cc *CryptoClient) React(ctx context.Context, room id.RoomID, target id.EventID, key string) (id.EventID, error) {
	content := &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: target, Key: key}}
	enc, err := cc.Helper.Encrypt(ctx, room, event.EventReaction, content)
	if err != nil {
		return "", err
	}
	resp, err := cc.SendMessageEvent(ctx, room, event.EventEncrypted, enc)
	if err != nil {
		return "", err
	}
	return resp.EventID, nil
}
