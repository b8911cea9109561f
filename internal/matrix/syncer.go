package matrix

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"slices"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// errSink marks a batch abandoned because the sink failed: the sync token
// is not advanced and the batch is fetched again after a short wait.
var errSink = errors.New("matrix: sink failed")

// syncer is the transport's mautrix.Syncer. Unlike DefaultSyncer it walks
// each room's timeline itself, so it can decide per event what is history
// (NOTES §1.3) and stop a batch at the first sink error.
//
// It is also a mautrix.ExtensibleSyncer so cryptohelper can hook in: the
// batch's device lists and to-device keys (handleToDevice, one transaction
// per encrypted event) and then the sync handlers (one-time key counts) run
// first, then the event handlers (crypto state store, membership changes
// that rotate the Megolm session) see every state and timeline event.
// m.room.encrypted events are decrypted by the syncer itself (decrypt), in
// room order, so decrypted events keep the exactly-once path.
type syncer struct {
	t *Transport

	onSync  []mautrix.SyncHandler
	onEvent []mautrix.EventHandler
	onType  map[event.Type][]mautrix.EventHandler
}

var (
	_ mautrix.Syncer             = (*syncer)(nil)
	_ mautrix.ExtensibleSyncer   = (*syncer)(nil)
	_ mautrix.DispatchableSyncer = (*syncer)(nil)
)

// OnSync implements mautrix.ExtensibleSyncer.
func (s *syncer) OnSync(cb mautrix.SyncHandler) { s.onSync = append(s.onSync, cb) }

// OnEvent implements mautrix.ExtensibleSyncer.
func (s *syncer) OnEvent(cb mautrix.EventHandler) { s.onEvent = append(s.onEvent, cb) }

// OnEventType implements mautrix.ExtensibleSyncer. Handlers for
// m.room.encrypted are not called: the syncer decrypts in order itself.
func (s *syncer) OnEventType(t event.Type, cb mautrix.EventHandler) {
	if s.onType == nil {
		s.onType = map[event.Type][]mautrix.EventHandler{}
	}
	s.onType[t] = append(s.onType[t], cb)
}

// Dispatch implements mautrix.DispatchableSyncer for cryptohelper, whose
// own decrypt-and-dispatch path is never triggered (see OnEventType).
func (s *syncer) Dispatch(context.Context, *event.Event) {}

// hooks runs the registered event handlers on one event.
func (s *syncer) hooks(ctx context.Context, evt *event.Event) {
	if evt.Type == event.EventEncrypted {
		return
	}
	for _, cb := range s.onEvent {
		cb(ctx, evt)
	}
	for _, cb := range s.onType[evt.Type] {
		cb(ctx, evt)
	}
}

// GetFilterJSON asks for a longer timeline than the default 50 (fewer gaps
// after downtime) and leaves out presence and ephemeral events.
func (s *syncer) GetFilterJSON(_ id.UserID) *mautrix.Filter {
	limit := s.t.cfg.TimelineLimit
	if limit <= 0 {
		limit = defaultTimelineLimit
	}
	none := &mautrix.FilterPart{NotTypes: []event.Type{{Type: "*"}}}
	return &mautrix.Filter{
		Presence: none,
		Room: &mautrix.RoomFilter{
			Timeline:  &mautrix.FilterPart{Limit: limit},
			Ephemeral: none,
		},
	}
}

// OnFailedSync waits longer after each failed /sync; M_UNKNOWN_TOKEN is
// fatal.
func (s *syncer) OnFailedSync(_ *mautrix.RespSync, err error) (time.Duration, error) {
	t := s.t
	t.connected.Store(false)
	if errors.Is(err, mautrix.MUnknownToken) {
		return 0, err
	}
	t.syncFailing++
	d := backoff(t.syncFailing-1, time.Second, 30*time.Second)
	t.log.Warn().Err(err).Dur("retry_in", d).Msg("Matrix sync failed")
	return d, nil
}

// ProcessResponse hands a batch to the sink and, when every event was
// accepted, commits the batch's token (see syncStore). since is the token
// the batch was requested with ("" for the first sync ever).
func (s *syncer) ProcessResponse(ctx context.Context, resp *mautrix.RespSync, since string) (err error) {
	t := s.t
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("matrix: processing a sync batch panicked: %v\n%s", r, debug.Stack())
		}
	}()
	t.connected.Store(true)
	t.syncFailing = 0
	t.mu.Lock()
	sink := t.sink
	t.mu.Unlock()
	if sink == nil {
		return errors.New("matrix: no sink")
	}
	initial := since == ""
	// cryptohelper reads the since token from the context (as DefaultSyncer
	// sets it) to tell a live sync from none.
	ctx = context.WithValue(ctx, mautrix.SyncTokenContextKey, since)
	if t.crypto != nil {
		if err := t.handleToDevice(ctx, resp, since); err != nil {
			return err
		}
	}
	for _, cb := range s.onSync {
		cb(ctx, resp, since)
	}
	// Keys that came with this batch may unlock events parked earlier.
	if err := t.retryParked(ctx, sink); err != nil {
		return err
	}

	for room, data := range resp.Rooms.Join {
		if err := t.processJoined(ctx, sink, room, data, initial); err != nil {
			return err
		}
	}
	for room, data := range resp.Rooms.Invite {
		if err := t.processInvite(ctx, sink, room, data); err != nil {
			return err
		}
	}
	for room, data := range resp.Rooms.Leave {
		for _, evt := range data.Timeline.Events {
			prepare(evt, room)
			if evt.StateKey != nil {
				s.hooks(ctx, evt)
			}
		}
		delete(t.joined, room)
		t.members.forget(room)
		t.mu.Lock()
		delete(t.stateLoaded, room) // a rejoin loads it again
		t.mu.Unlock()
	}
	if err := t.store.commit(ctx); err != nil {
		return err
	}
	t.batches.Add(1)
	return nil
}

func prepare(evt *event.Event, room id.RoomID) {
	evt.RoomID = room
	if evt.StateKey != nil {
		evt.Type.Class = event.StateEventType
	} else {
		evt.Type.Class = event.MessageEventType
	}
	if evt.Content.Parsed == nil {
		_ = evt.Content.ParseRaw(evt.Type) // unknown types stay unparsed
	}
}

func membershipOf(c *event.Content) event.Membership {
	if c == nil {
		return ""
	}
	if m, ok := c.Parsed.(*event.MemberEventContent); ok {
		return m.Membership
	}
	s, _ := c.Raw["membership"].(string)
	return event.Membership(s)
}

// processJoined handles one joined room of a batch.
//
// History policy (NOTES §1.3): when the timeline holds the bot's own join
// (membership becoming "join"), the events before it are history of a
// room the bot just entered and are skipped; the events after it are new
// and delivered — also when they arrive in the same batch as the join. On
// the first sync ever nothing of the timeline is delivered unless it
// follows a join this process made a moment ago.
func (t *Transport) processJoined(ctx context.Context, sink chat.Sink, room id.RoomID, data *mautrix.SyncJoinedRoom, initial bool) error {
	self := t.cli.UserID
	wasJoined := t.joined[room]
	tl := data.Timeline.Events

	for _, evt := range data.State.Events {
		prepare(evt, room)
	}
	last := event.Membership("")
	if wasJoined {
		last = event.MembershipJoin
	}
	joinAt := -1
	for i, evt := range tl {
		prepare(evt, room)
		if evt.Type != event.StateMember || evt.GetStateKey() != self.String() {
			continue
		}
		m := membershipOf(&evt.Content)
		prev := last
		if evt.Unsigned.PrevContent != nil {
			prev = membershipOf(evt.Unsigned.PrevContent)
		}
		if m == event.MembershipJoin && prev != event.MembershipJoin {
			joinAt = i
		}
		last = m
	}

	deliverFrom := 0
	if joinAt >= 0 {
		deliverFrom = joinAt + 1
	}
	if initial && (joinAt < 0 || !t.freshJoin(room, tl[joinAt])) {
		deliverFrom = len(tl)
	}
	if initial || joinAt >= 0 {
		// The state section plus the timeline's state is the full state.
		t.members.reset(room, true)
	}
	encrypted := false
	for _, evt := range data.State.Events {
		t.applyState(evt)
		t.syncer().hooks(ctx, evt)
		encrypted = encrypted || evt.Type == event.StateEncryption
	}
	t.joined[room] = true
	if _, ok := t.members.count(room); !ok {
		t.ensureMembers(room)
	}

	for _, evt := range tl {
		encrypted = encrypted || (evt.Type == event.StateEncryption && evt.StateKey != nil)
	}
	if encrypted && t.crypto == nil {
		if err := t.noticeNoCrypto(ctx, room); err != nil {
			return err
		}
	}

	for i, evt := range tl {
		if evt.StateKey != nil {
			t.applyState(evt)
			t.syncer().hooks(ctx, evt)
			continue
		}
		if i < deliverFrom {
			continue
		}
		if evt.Type == event.EventEncrypted {
			dec, ok, err := t.decrypt(ctx, evt)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			evt = dec
		}
		ce, ok := t.convertSafe(ctx, evt)
		if !ok {
			continue
		}
		if err := t.deliver(ctx, sink, ce); err != nil {
			return err
		}
	}
	return nil
}

func (t *Transport) syncer() *syncer { return t.cli.Syncer.(*syncer) }

// freshJoin reports whether the bot's join evt was made by this process
// (so what follows it in the first sync is new, not history).
func (t *Transport) freshJoin(room id.RoomID, evt *event.Event) bool {
	t.mu.Lock()
	_, joinedNow := t.joinedThisRun[room]
	start := t.runStart
	t.mu.Unlock()
	return joinedNow && !time.UnixMilli(evt.Timestamp).Before(start.Add(-freshJoinMargin))
}

func (t *Transport) applyState(evt *event.Event) {
	if evt.Type != event.StateMember {
		return
	}
	m, ok := evt.Content.Parsed.(*event.MemberEventContent)
	if !ok {
		return
	}
	t.members.apply(evt.RoomID, id.UserID(evt.GetStateKey()), m.Membership == event.MembershipJoin, m.Displayname)
}

// deliver hands one event to the sink, recovering a panicking sink (the
// event is then skipped and logged, so a poison event cannot wedge the
// sync).
func (t *Transport) deliver(ctx context.Context, sink chat.Sink, ce chat.Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			t.log.Error().Str("event_id", ce.ID).Str("room_id", ce.Room).Any("panic", r).
				Str("stack", string(debug.Stack())).Msg("Sink panicked, event skipped")
			err = nil
		}
	}()
	if err := sink(ctx, ce); err != nil {
		return fmt.Errorf("%w: event %s in %s: %w", errSink, ce.ID, ce.Room, err)
	}
	return nil
}

// convertSafe converts an event, recovering from panics (the event is
// skipped and logged).
func (t *Transport) convertSafe(ctx context.Context, evt *event.Event) (ce chat.Event, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			t.log.Error().Stringer("event_id", evt.ID).Stringer("room_id", evt.RoomID).Any("panic", r).
				Str("stack", string(debug.Stack())).Msg("Converting an event panicked, event skipped")
			ok = false
		}
	}()
	return t.convert(ctx, evt)
}

// processInvite applies the auto-join policy to an invite: accept when the
// room is configured or the inviter is an admin, otherwise reject and log.
// Accepted invites reach the sink as EventInvite.
func (t *Transport) processInvite(ctx context.Context, sink chat.Sink, room id.RoomID, data *mautrix.SyncInvitedRoom) error {
	self := t.cli.UserID.String()
	var inv *event.Event
	for _, evt := range data.State.Events {
		prepare(evt, room)
		t.syncer().hooks(ctx, evt)
		if evt.Type == event.StateMember && evt.GetStateKey() == self {
			inv = evt
		}
	}
	if inv == nil || membershipOf(&inv.Content) != event.MembershipInvite {
		return nil
	}
	inviter := inv.Sender
	log := t.log.With().Stringer("room_id", room).Stringer("inviter", inviter).Logger()
	direct := false
	if mc, ok := inv.Content.Parsed.(*event.MemberEventContent); ok {
		direct = mc.IsDirect
	}
	allowed, why := t.inviteAllowed(ctx, room, inviter)
	if !allowed && direct {
		allowed, why = t.dmAllowed(inviter)
		if !allowed {
			log.Info().Str("dm_policy", t.dmPolicy()).Msg("Rejecting direct-message invite: the inviter is not allowed by matrix.dm_policy")
		}
	} else if !allowed {
		log.Info().Msg("Rejecting invite: room not configured and inviter not an admin")
	}
	if !allowed {
		if err := t.rejectInvite(ctx, room); err != nil {
			log.Warn().Err(err).Msg("Could not reject the invite")
		}
		return nil
	}
	if err := t.acceptInvite(ctx, room); err != nil {
		if permanent(err) {
			log.Warn().Err(err).Msg("Could not join after an invite")
			return nil
		}
		// Transient: abandon the batch so the invite is seen again.
		return fmt.Errorf("%w: joining %s after an invite: %w", errSink, room, err)
	}
	t.mu.Lock()
	t.joinedThisRun[room] = time.Now()
	t.mu.Unlock()
	log.Info().Str("reason", why).Msg("Accepted invite")

	evID := inv.ID.String()
	if evID == "" { // stripped invite state may carry no event ID
		evID = fmt.Sprintf("invite:%s:%s:%d", room, inviter, inv.Timestamp)
	}
	ts := time.Now()
	if inv.Timestamp > 0 {
		ts = time.UnixMilli(inv.Timestamp)
	}
	return t.deliver(ctx, sink, chat.Event{
		Platform: Platform,
		Kind:     chat.EventInvite,
		ID:       evID,
		Room:     room.String(),
		Sender:   t.user(room, inviter),
		Time:     ts,
	})
}

// inviteAllowed is the auto-join gate.
func (t *Transport) inviteAllowed(ctx context.Context, room id.RoomID, inviter id.UserID) (bool, string) {
	if t.admins[inviter] {
		return true, "inviter is an admin"
	}
	t.mu.Lock()
	ok := t.allowedRooms[room]
	pending := slices.Clone(t.unresolved)
	t.mu.Unlock()
	if ok {
		return true, "configured room"
	}
	// Configured aliases are compared by resolving them on the
	// directory, never by trusting the (unsigned) invite state.
	for _, alias := range pending {
		rid, err := t.resolveRoom(ctx, alias)
		if err != nil {
			continue
		}
		t.mu.Lock()
		t.allowedRooms[rid] = true
		t.unresolved = slices.DeleteFunc(t.unresolved, func(a string) bool { return a == alias })
		t.mu.Unlock()
		if rid == room {
			return true, "configured room"
		}
	}
	return false, ""
}

func (t *Transport) dmPolicy() string {
	if t.cfg.DMPolicy == "" {
		return DMIdentities
	}
	return t.cfg.DMPolicy
}

// dmAllowed is the gate for direct-message invites (is_direct on the
// invite, https://spec.matrix.org/v1.16/client-server-api/#direct-messaging).
func (t *Transport) dmAllowed(inviter id.UserID) (bool, string) {
	switch t.dmPolicy() {
	case DMAnyone:
		return true, "direct message, dm_policy anyone"
	case DMAdmins:
		return false, ""
	default:
		if _, ok := t.emails[inviter]; ok {
			return true, "direct message from a person with a chat identity"
		}
		return false, ""
	}
}

// permanent reports a client error the homeserver will give again for the
// same request: a 4xx other than 429 Too Many Requests, 408 Request
// Timeout and 401 (a bad token is the bot's problem, fixed by logging in
// again, not the request's).
func permanent(err error) bool {
	var he mautrix.HTTPError
	if errors.As(err, &he) && he.Response != nil {
		c := he.Response.StatusCode
		return c >= 400 && c < 500 && c != http.StatusTooManyRequests && c != http.StatusRequestTimeout && c != http.StatusUnauthorized
	}
	return false
}
