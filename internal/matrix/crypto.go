package matrix

// End-to-end encryption (Matrix client-server API, "End-to-end encryption":
// https://spec.matrix.org/v1.16/client-server-api/#end-to-end-encryption)
// with mautrix-go's crypto/cryptohelper in pure Go: built with the goolm
// tag (crypto/registergoolm.go selects goolm, crypto/registerlibolm.go
// libolm otherwise), so the binary stays static without cgo.
//
// The helper keeps its Olm account, Megolm sessions, device lists and the
// room state it needs (members, m.room.encryption) in the bot's PostgreSQL
// through go.mau.fi/util/dbutil, in its own versioned tables
// (crypto_version, mx_version). The pickle key encrypts the account and
// session pickles there. One device: the password-login device ID kept in
// the KV is the one the crypto store belongs to, so restarts and replicas
// sharing the database share the device and its keys.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for dbutil
	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// KV keys of the encryption state (prefixed like the others).
const (
	kvUndecrypted = "undecrypted"  // events waiting for their Megolm session
	kvE2EENotice  = "e2ee_notice." // + room ID: the "cannot read" notice was sent
)

// keyRequestAfter is how long an event waits for its Megolm session before
// the bot asks the sender's devices for it (m.room_key_request), as
// cryptohelper does after its initial wait (cryptohelper.go waitForSession,
// initialSessionWaitTimeout; waitLongerForSession requests). Keys usually
// come in the same or the next batch, before asking is needed.
const keyRequestAfter = 3 * time.Second

// undecryptedKeep is how long a parked event waits for its keys; undecryptedMax
// bounds the list.
const (
	undecryptedKeep = 24 * time.Hour
	undecryptedMax  = 500
)

// e2ee is the transport's encryption state (nil when off).
type e2ee struct {
	helper *cryptohelper.CryptoHelper
	db     *sql.DB
	store  *dbutil.Database // the crypto and state stores' database (transactions)
	// requested: sessions whose keys this process asked for (once per
	// process, so a restart asks again). Used by the sync loop only.
	requested map[id.SessionID]bool
}

// parked is an encrypted event whose session has not arrived yet.
type parked struct {
	Event  json.RawMessage `json:"event"`
	Room   id.RoomID       `json:"room"`
	Parked time.Time       `json:"parked"`
}

// initCrypto opens the crypto store and loads (or creates and uploads) the
// device's keys. The client must be logged in with its device ID.
func (t *Transport) initCrypto(ctx context.Context) error {
	if t.cfg.PickleKey == "" {
		return nil
	}
	if t.crypto != nil {
		return nil
	}
	sqlDB, err := sql.Open("pgx", t.cfg.CryptoDatabaseURL)
	if err != nil {
		return fmt.Errorf("matrix: crypto store: %w", err)
	}
	db, err := dbutil.NewWithDB(sqlDB, "pgx")
	if err != nil {
		_ = sqlDB.Close()
		return fmt.Errorf("matrix: crypto store: %w", err)
	}
	helper, err := cryptohelper.NewCryptoHelper(t.cli, []byte(t.cfg.PickleKey), db)
	if err != nil {
		_ = sqlDB.Close()
		return fmt.Errorf("matrix: crypto: %w", err)
	}
	// One account per bot MXID, so two bots may share a database.
	helper.DBAccountID = t.cli.UserID.String()
	if err := helper.Init(ctx); err != nil {
		_ = sqlDB.Close()
		t.cli.Crypto = nil
		t.cli.StateStore = nil
		return fmt.Errorf("matrix: crypto: %w", err)
	}
	// Room keys go to every device of the room's members, verified or not
	// (people rarely verify a bot; an organisation that requires it
	// verifies the bot's device, README "Encryption").
	t.cli.Crypto = helper
	t.crypto = &e2ee{helper: helper, db: sqlDB, store: db, requested: map[id.SessionID]bool{}}
	// The device's Ed25519 key is public: people who verify the bot's
	// device by hand compare it ("session key" in Element).
	t.log.Info().Str("device_id", t.cli.DeviceID.String()).
		Str("ed25519", helper.Machine().OwnIdentity().SigningKey.String()).Msg("End-to-end encryption on")
	return nil
}

// roomStateForSend makes sure, before this process first sends into room,
// that the crypto state store holds the room's current state. mautrix
// encrypts a send only when its state store says the room is encrypted
// (client.go SendMessageEvent: StateStore.IsEncrypted) and shares the
// Megolm session with the members the store lists (cryptohelper.go
// EncryptWithStateKey: GetRoomJoinedOrInvitedMembers). The store learns
// both from the sync, which may not have carried a room's state yet: a
// room joined moments before a crash, or a send that starts before the
// first batch after a restart. Such a message went out in the clear into
// an encrypted room (seen in the SIGKILL test). GET /state (Client.State
// updates the store) closes the gap; later changes come with the sync.
func (t *Transport) roomStateForSend(ctx context.Context, room id.RoomID) error {
	if t.crypto == nil {
		return nil
	}
	t.mu.Lock()
	done := t.stateLoaded[room]
	t.mu.Unlock()
	if done {
		return nil
	}
	if _, err := t.cli.State(ctx, room); err != nil {
		return fmt.Errorf("matrix: room state of %s before sending: %w", room, classify(err))
	}
	t.markStateLoaded(room)
	return nil
}

func (t *Transport) markStateLoaded(room id.RoomID) {
	t.mu.Lock()
	t.stateLoaded[room] = true
	t.mu.Unlock()
}

// handleToDevice handles a batch's device-list changes and to-device events
// (room keys among them) in place of cryptohelper's OnSync handler
// (OlmMachine.ProcessSyncResponse, crypto/machine.go), which then finds
// them gone and only reads the one-time-key counts.
//
// Each encrypted to-device event is handled in one database transaction.
// Decrypting an Olm message stores its hash (a repeat is refused:
// crypto/decryptolm.go tryDecryptOlmCiphertext, ErrDuplicateMessage) and
// the advanced Olm session before the room key it carries is stored
// (machine.go HandleEncryptedEvent). A process killed in between comes
// back to the same batch (the sync token is committed after it), finds
// the message a duplicate, and the key was lost for good (seen in the
// SIGKILL test as a command never answered). In one transaction the hash,
// the session and the key are all kept or none. Other to-device events
// (key requests are answered in a goroutine) run outside one.
func (t *Transport) handleToDevice(ctx context.Context, resp *mautrix.RespSync, since string) error {
	mach := t.crypto.helper.Machine()
	mach.HandleDeviceLists(ctx, &resp.DeviceLists, since)
	resp.DeviceLists.Changed = nil
	for _, evt := range resp.ToDevice.Events {
		evt.Type.Class = event.ToDeviceEventType
		if err := evt.Content.ParseRaw(evt.Type); err != nil {
			t.log.Warn().Err(err).Str("event_type", evt.Type.Type).Msg("Could not parse a to-device event")
			continue
		}
		if evt.Type != event.ToDeviceEncrypted {
			mach.HandleToDeviceEvent(ctx, evt)
			continue
		}
		err := t.crypto.store.DoTxn(ctx, nil, func(ctx context.Context) error {
			mach.HandleToDeviceEvent(ctx, evt)
			return nil
		})
		if err != nil {
			return fmt.Errorf("%w: to-device event from %s: %w", errSink, evt.Sender, err)
		}
	}
	resp.ToDevice.Events = nil
	return nil
}

// closeCrypto closes the crypto store's connections.
func (t *Transport) closeCrypto() {
	if t.crypto != nil {
		_ = t.crypto.db.Close()
	}
}

// keyMissing: the event's Megolm session is not here (yet). A session a
// device refused to share (m.room_key.withheld, e.g. refusing the bot's key
// request) may still arrive later from the sender or another device, so it
// waits like a missing one.
func keyMissing(err error) bool {
	return errors.Is(err, crypto.ErrNoSessionFound) || errors.Is(err, crypto.ErrGroupSessionWithheld)
}

// decrypt turns an m.room.encrypted timeline event into the event it
// carries. ok=false: nothing to deliver now (crypto off, parked until its
// keys arrive, or undecryptable; each case is logged or announced).
//
// The batch's to-device events (room keys among them) were handled before
// its timeline (ProcessResponse runs the crypto OnSync first, and
// OlmMachine.HandleToDeviceEvent stores a room key synchronously), so a key
// missing now comes with a later batch: the event is parked at once, never
// waited for in the sync loop. A wait there held up every room for
// seconds per such event, and a bot restarted more often than that never
// got past it.
func (t *Transport) decrypt(ctx context.Context, evt *event.Event) (*event.Event, bool, error) {
	if t.crypto == nil {
		return nil, false, t.noticeNoCrypto(ctx, evt.RoomID)
	}
	dec, err := t.crypto.helper.Decrypt(ctx, evt)
	switch {
	case keyMissing(err):
		// Decrypted later, when the keys arrive (retryParked); the sync
		// token may move on because the event is kept durably first.
		return nil, false, t.park(ctx, evt)
	case err != nil:
		t.log.Warn().Err(err).Stringer("event_id", evt.ID).Stringer("room_id", evt.RoomID).
			Stringer("sender", evt.Sender).Msg("Could not decrypt an event, skipped")
		return nil, false, nil
	}
	dec.RoomID = evt.RoomID
	return dec, true, nil
}

func (t *Transport) loadParked(ctx context.Context) ([]parked, error) {
	v, _, err := t.kv.Get(ctx, t.kvKey(kvUndecrypted))
	if err != nil || v == "" {
		return nil, err
	}
	var list []parked
	if err := json.Unmarshal([]byte(v), &list); err != nil {
		t.log.Warn().Err(err).Msg("Dropping an unreadable list of undecrypted events")
		return nil, nil
	}
	return list, nil
}

func (t *Transport) saveParked(ctx context.Context, list []parked) error {
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	return t.kv.Put(ctx, t.kvKey(kvUndecrypted), string(b))
}

// park keeps an event that cannot be decrypted yet in the KV, before the
// batch's sync token is committed: a crash after the commit cannot lose it.
func (t *Transport) park(ctx context.Context, evt *event.Event) error {
	raw, err := json.Marshal(evt)
	if err != nil {
		return err
	}
	list, err := t.loadParked(ctx)
	if err != nil {
		return fmt.Errorf("%w: park %s: %w", errSink, evt.ID, err)
	}
	for _, p := range list {
		var old event.Event
		if json.Unmarshal(p.Event, &old) == nil && old.ID == evt.ID {
			return nil
		}
	}
	list = append(list, parked{Event: raw, Room: evt.RoomID, Parked: time.Now()})
	if len(list) > undecryptedMax {
		list = list[len(list)-undecryptedMax:]
	}
	if err := t.saveParked(ctx, list); err != nil {
		return fmt.Errorf("%w: park %s: %w", errSink, evt.ID, err)
	}
	t.log.Info().Stringer("event_id", evt.ID).Stringer("room_id", evt.RoomID).Msg("Waiting for the keys of an encrypted event")
	return nil
}

// retryParked decrypts the parked events whose keys have arrived (the
// batch's to-device events were processed first) and hands them to the
// sink; for those still waiting it asks for the keys (requestKey). A parked
// event leaves the list only after the sink took it, and the sink
// deduplicates by event ID, so each reaches it once.
func (t *Transport) retryParked(ctx context.Context, sink chat.Sink) error {
	if t.crypto == nil {
		return nil
	}
	list, err := t.loadParked(ctx)
	if err != nil || len(list) == 0 {
		return err
	}
	keep := list[:0:0]
	for _, p := range list {
		var evt event.Event
		if err := json.Unmarshal(p.Event, &evt); err != nil {
			continue
		}
		prepare(&evt, p.Room)
		dec, err := t.crypto.helper.Decrypt(ctx, &evt)
		if keyMissing(err) {
			if time.Since(p.Parked) < undecryptedKeep {
				keep = append(keep, p)
				t.requestKey(ctx, &evt, p.Parked)
			} else {
				t.log.Warn().Stringer("event_id", evt.ID).Stringer("room_id", p.Room).Msg("The keys of an encrypted event never arrived, giving up")
			}
			continue
		}
		if err != nil {
			t.log.Warn().Err(err).Stringer("event_id", evt.ID).Stringer("room_id", p.Room).Msg("Could not decrypt an event, skipped")
			continue
		}
		dec.RoomID = p.Room
		if ce, ok := t.convertSafe(ctx, dec); ok {
			if err := t.deliver(ctx, sink, ce); err != nil {
				return err
			}
		}
	}
	if len(keep) == len(list) {
		return nil
	}
	if err := t.saveParked(ctx, keep); err != nil {
		return fmt.Errorf("%w: undecrypted list: %w", errSink, err)
	}
	return nil
}

// requestKey asks the sender's devices for the session of a parked event
// once it has waited keyRequestAfter, once per session and process.
func (t *Transport) requestKey(ctx context.Context, evt *event.Event, parkedAt time.Time) {
	c := evt.Content.AsEncrypted()
	if time.Since(parkedAt) < keyRequestAfter || t.crypto.requested[c.SessionID] {
		return
	}
	t.crypto.requested[c.SessionID] = true
	go t.crypto.helper.RequestSession(context.WithoutCancel(ctx), evt.RoomID, c.SenderKey, c.SessionID, evt.Sender, c.DeviceID)
}

// noticeNoCrypto says once per room, in an encrypted room the bot is in,
// that it cannot read encrypted messages there and which setting enables
// it, instead of ignoring them silently.
func (t *Transport) noticeNoCrypto(ctx context.Context, room id.RoomID) error {
	key := t.kvKey(kvE2EENotice + room.String())
	if done, _, err := t.kv.Get(ctx, key); err != nil || done != "" {
		return err
	}
	doc := chat.NewDoc(chat.P(
		chat.T("This room is end-to-end encrypted and encryption is not enabled for me, so I cannot read the messages here. "),
		chat.T("An operator enables it by setting "), chat.C("matrix.pickle_key"),
		chat.T(" (or "), chat.C("LIAISONBOT_MATRIX_PICKLE_KEY"), chat.T(") and restarting me."),
	))
	content := messageContent(chat.Outgoing{Body: doc, Notice: true})
	txn := TxnID(room, event.EventMessage, "e2ee-notice")
	// Never encrypted (the bot has no keys), whatever the state store says.
	if _, err := t.cli.SendMessageEvent(ctx, room, event.EventMessage, content, mautrix.ReqSendEvent{TransactionID: txn, DontEncrypt: true}); err != nil {
		if permanent(err) {
			t.log.Warn().Err(err).Stringer("room_id", room).Msg("Could not say that encrypted messages cannot be read here")
			return nil
		}
		return fmt.Errorf("%w: e2ee notice in %s: %w", errSink, room, err)
	}
	t.log.Warn().Stringer("room_id", room).Msg("Encrypted room but encryption is off: said so in the room")
	return t.kv.Put(ctx, key, time.Now().UTC().Format(time.RFC3339))
}
