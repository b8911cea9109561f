// Package matrix is the Matrix chat transport of liaisonbot, built on
// maunium.net/go/mautrix (https://github.com/mautrix/go).
//
// What it guarantees:
//   - Events reach the sink at least once and in room order; the sync token
//     is persisted (chat.KV) only after the whole batch it follows was
//     handed to the sink (see syncStore), so a crash never loses events;
//     replays are harmless because the sink deduplicates by event ID.
//   - History is never acted on: the first sync ever delivers no timeline
//     events (invites are still handled), and in a room the bot has just
//     joined only the events after its own join are delivered. A command
//     sent in the same sync batch as the join is delivered (mautrix's
//     DontProcessOldEvents would drop it, NOTES §1.3).
//   - Sends are idempotent: the transaction ID derives from the TxnKey, so
//     a retried send (by mautrix on 429/5xx, or by the caller) posts once.
//   - Every message carries an explicit m.mentions, so "@room" in outside
//     text never notifies a room (NOTES §1.4).
//
// Encrypted rooms (crypto.go): with a pickle key the bot reads and writes
// them as one persistent device; without one it says once per encrypted
// room that it cannot read it. Direct-message invites are accepted per
// Config.DMPolicy.
package matrix

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// Platform is the chat.Event.Platform of this transport.
const Platform = "matrix"

// KV keys (prefixed with the platform and the bot's MXID).
const (
	kvNextBatch   = "next_batch"
	kvDeviceID    = "device_id"
	kvAccessToken = "access_token"
)

// freshJoinMargin is how much older than the start of Run the bot's own
// join may be for the first sync ever to deliver the events after it
// (tolerates clock skew between the bot and its homeserver).
const freshJoinMargin = 2 * time.Minute

// Transport is the Matrix implementation of chat.Transport.
type Transport struct {
	cfg    Config
	kv     chat.KV
	log    zerolog.Logger
	cli    *mautrix.Client
	admins map[id.UserID]bool
	emails map[id.UserID]string

	loginMu  sync.Mutex
	directMu sync.Mutex // one DirectRoom at a time: two callers must not open two rooms
	loggedIn atomic.Bool
	store    *syncStore

	connected atomic.Bool
	batches   atomic.Int64 // batches committed since start

	mu            sync.Mutex
	sink          chat.Sink
	runCtx        context.Context
	runStart      time.Time
	allowedRooms  map[id.RoomID]bool      // configured rooms, resolved
	unresolved    []string                // configured aliases not resolved yet
	aliases       map[string]id.RoomID    // alias -> room ID cache
	joinedThisRun map[id.RoomID]time.Time // rooms this process joined (not in before)
	stateLoaded   map[id.RoomID]bool      // rooms whose state this process loaded for encryption
	// Before the first sync ever: the rooms the bot was already in when Run
	// started (a join of those is a no-op, its join event is history).
	preJoined   map[id.RoomID]bool
	preJoinedOK bool

	// Used by the sync loop only (one goroutine).
	joined      map[id.RoomID]bool
	syncFailing int

	members *memberCache
	crypto  *e2ee // nil: encryption off

	// Network operations the sync loop performs; tests replace them.
	acceptInvite  func(ctx context.Context, room id.RoomID) error
	rejectInvite  func(ctx context.Context, room id.RoomID) error
	resolveRoom   func(ctx context.Context, room string) (id.RoomID, error)
	joinedMembers func(ctx context.Context, room id.RoomID) (map[id.UserID]string, error)
}

var _ chat.Transport = (*Transport)(nil)

// New makes a transport; it does not talk to the server yet (Run, or the
// first call that needs the server, logs in). kv keeps the sync token and,
// with password login, the device ID and access token.
func New(cfg Config, kv chat.KV) (*Transport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if kv == nil {
		return nil, errors.New("matrix: a KV is required")
	}
	cli, err := mautrix.NewClient(cfg.Homeserver, id.UserID(cfg.UserID), "")
	if err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	log := cfg.Log.With().Str("component", "matrix").Logger()
	cli.Log = log.With().Str("sub", "mautrix").Logger()
	cli.UserAgent = "liaisonbot " + mautrix.DefaultUserAgent
	// NOTES §1.5: mautrix retries 429/502/503/504 and network errors only
	// when DefaultHTTPRetries > 0, and reads only the Retry-After header;
	// retryAfterTransport turns a JSON retry_after_ms into that header.
	cli.DefaultHTTPRetries = defaultHTTPRetries
	if cfg.HTTPRetries < 0 {
		cli.DefaultHTTPRetries = 0
	} else if cfg.HTTPRetries > 0 {
		cli.DefaultHTTPRetries = cfg.HTTPRetries
	}
	cli.DefaultHTTPBackoff = defaultHTTPBackoff
	if cfg.HTTPBackoff > 0 {
		cli.DefaultHTTPBackoff = cfg.HTTPBackoff
	}
	cli.MaxHTTPBackoff = maxHTTPBackoff
	cli.Client = &http.Client{Timeout: 180 * time.Second, Transport: &retryAfterTransport{base: chat.HTTPTransport()}}

	t := &Transport{
		cfg:           cfg,
		kv:            kv,
		log:           log,
		cli:           cli,
		admins:        map[id.UserID]bool{},
		emails:        map[id.UserID]string{},
		allowedRooms:  map[id.RoomID]bool{},
		aliases:       map[string]id.RoomID{},
		joinedThisRun: map[id.RoomID]time.Time{},
		stateLoaded:   map[id.RoomID]bool{},
		joined:        map[id.RoomID]bool{},
		members:       newMemberCache(),
	}
	for _, a := range cfg.Admins {
		t.admins[id.UserID(a)] = true
	}
	for u, e := range cfg.IdentityEmails {
		t.emails[id.UserID(u)] = e
	}
	for _, r := range cfg.Rooms {
		if strings.HasPrefix(r, "!") {
			t.allowedRooms[id.RoomID(r)] = true
		} else {
			t.unresolved = append(t.unresolved, r)
		}
	}
	t.acceptInvite = func(ctx context.Context, room id.RoomID) error {
		_, err := t.cli.JoinRoomByID(ctx, room)
		return err
	}
	t.rejectInvite = func(ctx context.Context, room id.RoomID) error {
		_, err := t.cli.LeaveRoom(ctx, room)
		return err
	}
	t.resolveRoom = t.resolveRoomAPI
	t.joinedMembers = func(ctx context.Context, room id.RoomID) (map[id.UserID]string, error) {
		resp, err := t.cli.JoinedMembers(ctx, room)
		if err != nil {
			return nil, err
		}
		m := make(map[id.UserID]string, len(resp.Joined))
		for u, jm := range resp.Joined {
			m[u] = jm.DisplayName
		}
		return m, nil
	}
	cli.Syncer = &syncer{t: t}
	return t, nil
}

// Platform implements chat.Transport.
func (t *Transport) Platform() string { return Platform }

// Self implements chat.Transport.
func (t *Transport) Self() chat.User {
	uid := t.userID()
	name := t.cfg.DisplayName
	if name == "" {
		name = uid.Localpart()
	}
	return chat.User{ID: uid.String(), DisplayName: name, Email: t.emails[uid]}
}

// Connected implements chat.Transport: true once the last /sync worked.
func (t *Transport) Connected() bool { return t.connected.Load() }

// Client is the underlying mautrix client (valid after Login).
func (t *Transport) Client() *mautrix.Client { return t.cli }

func (t *Transport) userID() id.UserID {
	if t.loggedIn.Load() {
		return t.cli.UserID
	}
	return id.UserID(t.cfg.UserID)
}

func (t *Transport) kvKey(name string) string {
	return "matrix." + t.cli.UserID.String() + "." + name
}

// errLoginFatal marks login failures that retrying cannot fix.
var errLoginFatal = errors.New("matrix: login failed")

// Login logs in (once): with the configured access token, or with the
// password re-using the device ID kept in the KV. Run calls it; the other
// methods call it when needed.
func (t *Transport) Login(ctx context.Context) error {
	if t.loggedIn.Load() {
		return nil
	}
	t.loginMu.Lock()
	defer t.loginMu.Unlock()
	if t.loggedIn.Load() {
		return nil
	}
	cli := t.cli
	if t.cfg.AccessToken != "" {
		cli.AccessToken = t.cfg.AccessToken
		who, err := cli.Whoami(ctx)
		if err != nil {
			cli.AccessToken = ""
			if isAuthError(err) {
				return fmt.Errorf("%w: access token rejected: %w", errLoginFatal, err)
			}
			return fmt.Errorf("matrix: whoami: %w", err)
		}
		if t.cfg.UserID != "" && who.UserID != id.UserID(t.cfg.UserID) {
			cli.AccessToken = ""
			return fmt.Errorf("%w: the access token belongs to %s, not %s", errLoginFatal, who.UserID, t.cfg.UserID)
		}
		cli.UserID = who.UserID
		cli.DeviceID = who.DeviceID
		if cli.DeviceID == "" {
			cli.DeviceID = id.DeviceID(t.cfg.DeviceID)
		}
	} else if err := t.passwordLogin(ctx); err != nil {
		return err
	}
	t.store = newSyncStore(t.kv, t.kvKey(kvNextBatch))
	cli.Store = t.store
	t.loggedIn.Store(true)
	t.log.Info().Str("user_id", cli.UserID.String()).Str("device_id", cli.DeviceID.String()).Msg("Logged in to Matrix")
	return nil
}

func (t *Transport) passwordLogin(ctx context.Context) error {
	cli := t.cli
	cli.UserID = id.UserID(t.cfg.UserID)
	tok, _, err := t.kv.Get(ctx, t.kvKey(kvAccessToken))
	if err != nil {
		return fmt.Errorf("matrix: read stored token: %w", err)
	}
	dev, _, err := t.kv.Get(ctx, t.kvKey(kvDeviceID))
	if err != nil {
		return fmt.Errorf("matrix: read stored device: %w", err)
	}
	if tok != "" {
		cli.AccessToken = tok
		who, err := cli.Whoami(ctx)
		switch {
		case err == nil && who.UserID == cli.UserID:
			cli.DeviceID = who.DeviceID
			if cli.DeviceID == "" {
				cli.DeviceID = id.DeviceID(dev)
			}
			return nil
		case err == nil || isAuthError(err):
			t.log.Info().Msg("Stored Matrix access token no longer valid, logging in with the password")
		default:
			cli.AccessToken = ""
			return fmt.Errorf("matrix: whoami: %w", err)
		}
		cli.AccessToken = ""
	}
	if dev == "" {
		dev = t.cfg.DeviceID
	}
	localpart, _, _ := cli.UserID.Parse()
	resp, err := cli.Login(ctx, &mautrix.ReqLogin{
		Type:                     mautrix.AuthTypePassword,
		Identifier:               mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: localpart},
		Password:                 t.cfg.Password,
		DeviceID:                 id.DeviceID(dev),
		InitialDeviceDisplayName: "liaisonbot",
	})
	if err != nil {
		if isAuthError(err) {
			return fmt.Errorf("%w: password login as %s: %w", errLoginFatal, cli.UserID, err)
		}
		return fmt.Errorf("matrix: password login: %w", err)
	}
	if resp.UserID != cli.UserID {
		return fmt.Errorf("%w: logged in as %s, expected %s", errLoginFatal, resp.UserID, cli.UserID)
	}
	cli.AccessToken = resp.AccessToken
	cli.DeviceID = resp.DeviceID
	if err := t.kv.Put(ctx, t.kvKey(kvDeviceID), resp.DeviceID.String()); err != nil {
		return fmt.Errorf("matrix: store device id: %w", err)
	}
	if err := t.kv.Put(ctx, t.kvKey(kvAccessToken), resp.AccessToken); err != nil {
		return fmt.Errorf("matrix: store access token: %w", err)
	}
	return nil
}

// isAuthError reports a 401/403 answer: retrying the same credentials
// cannot help.
func isAuthError(err error) bool {
	var he mautrix.HTTPError
	if errors.As(err, &he) && he.Response != nil {
		return he.Response.StatusCode == http.StatusUnauthorized || he.Response.StatusCode == http.StatusForbidden
	}
	return errors.Is(err, mautrix.MUnknownToken) || errors.Is(err, mautrix.MForbidden)
}

// Run implements chat.Transport: log in, join the configured rooms, then
// sync and hand events to sink until ctx ends. It returns an error only
// when it cannot go on (credentials rejected, M_UNKNOWN_TOKEN).
func (t *Transport) Run(ctx context.Context, sink chat.Sink) error {
	if sink == nil {
		return errors.New("matrix: Run needs a sink")
	}
	t.mu.Lock()
	t.sink = sink
	t.runCtx = ctx
	t.runStart = time.Now()
	t.mu.Unlock()
	defer t.connected.Store(false)

	for attempt := 0; ; attempt++ {
		err := t.session(ctx)
		if err == nil {
			break
		}
		if errors.Is(err, errLoginFatal) {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		d := backoff(attempt, time.Second, time.Minute)
		t.log.Warn().Err(err).Dur("retry_in", d).Msg("Matrix login failed, retrying")
		if !sleepCtx(ctx, d) {
			return nil
		}
	}
	has, err := t.store.hasToken(ctx)
	if err != nil {
		t.log.Warn().Err(err).Msg("Could not read the sync token")
	}
	if has {
		t.prefetchRooms(ctx)
	} else if rooms, err := t.cli.JoinedRooms(ctx); err == nil {
		t.mu.Lock()
		t.preJoined = map[id.RoomID]bool{}
		for _, r := range rooms.JoinedRooms {
			t.preJoined[r] = true
		}
		t.preJoinedOK = true
		t.mu.Unlock()
	} else {
		t.log.Warn().Err(err).Msg("Could not list joined rooms")
	}
	t.setupProfile(ctx)
	t.joinConfiguredRooms(ctx)

	attempt := 0
	for {
		before := t.batches.Load()
		err := t.cli.SyncWithContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, mautrix.MUnknownToken) {
			return fmt.Errorf("matrix: the access token is no longer valid: %w", err)
		}
		if t.batches.Load() != before {
			attempt = 0 // batches went through since the last failure
		}
		var d time.Duration
		if errors.Is(err, errSink) {
			d = backoff(attempt, 500*time.Millisecond, 30*time.Second)
			t.log.Warn().Err(err).Dur("retry_in", d).Msg("Sink failed, the batch will be fetched again")
		} else {
			t.connected.Store(false)
			d = backoff(attempt, time.Second, time.Minute)
			t.log.Warn().Err(err).Dur("retry_in", d).Msg("Matrix sync stopped, restarting")
		}
		attempt++
		if !sleepCtx(ctx, d) {
			return nil
		}
	}
}

// setupProfile sets the configured display name when it differs.
func (t *Transport) setupProfile(ctx context.Context) {
	if t.cfg.DisplayName == "" {
		return
	}
	cur, err := t.cli.GetOwnDisplayName(ctx)
	if err == nil && cur.DisplayName == t.cfg.DisplayName {
		return
	}
	if err := t.cli.SetDisplayName(ctx, t.cfg.DisplayName); err != nil {
		t.log.Warn().Err(err).Msg("Could not set the display name")
	}
}

// joinConfiguredRooms joins every configured room (idempotent) and
// records the resolved room IDs for the invite gate.
func (t *Transport) joinConfiguredRooms(ctx context.Context) {
	for _, r := range t.cfg.Rooms {
		if err := t.JoinRoom(ctx, r); err != nil {
			t.log.Warn().Err(err).Str("room", r).Msg("Could not join a configured room")
		}
	}
}

// prefetchRooms fills the member cache of the rooms the bot is already in
// (an incremental sync carries only state changes). Best effort.
func (t *Transport) prefetchRooms(ctx context.Context) {
	rooms, err := t.cli.JoinedRooms(ctx)
	if err != nil {
		t.log.Warn().Err(err).Msg("Could not list joined rooms")
		return
	}
	for _, room := range rooms.JoinedRooms {
		t.joined[room] = true
		t.fetchMembers(ctx, room)
		if t.crypto != nil {
			// The crypto state store learns a room's members and
			// encryption from the sync; rooms joined before encryption
			// was turned on were synced without it (GET /state fills it).
			if _, err := t.cli.State(ctx, room); err != nil {
				t.log.Warn().Err(err).Stringer("room_id", room).Msg("Could not load the room state for encryption")
			} else {
				t.markStateLoaded(room)
			}
		}
	}
}

func (t *Transport) fetchMembers(ctx context.Context, room id.RoomID) {
	m, err := t.joinedMembers(ctx, room)
	if err != nil {
		t.members.fetchDone(room, nil)
		t.log.Warn().Err(err).Stringer("room_id", room).Msg("Could not fetch room members")
		return
	}
	t.members.fetchDone(room, m)
}

// ensureMembers starts a background fetch of a room's members when the
// cache does not know them (never blocks the sync loop).
func (t *Transport) ensureMembers(room id.RoomID) {
	if !t.members.startFetch(room) {
		return
	}
	t.mu.Lock()
	ctx := t.runCtx
	t.mu.Unlock()
	if ctx == nil {
		ctx = context.Background()
	}
	go func() {
		fctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		t.fetchMembers(fctx, room)
	}()
}

func backoff(attempt int, first, max time.Duration) time.Duration {
	d := first
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}
