package matrix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mau.fi/util/variationselector"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// TxnID derives the Matrix transaction ID of a send from its TxnKey (and
// the room and event type, so one key used in two rooms cannot clash).
// The same key always gives the same ID, so a retried send posts once:
// the homeserver answers a repeated transaction ID with the first event.
func TxnID(room id.RoomID, evtType event.Type, txnKey string) string {
	h := sha256.Sum256([]byte(room.String() + "\x00" + evtType.Type + "\x00" + txnKey))
	return "lb-" + hex.EncodeToString(h[:16])
}

func (t *Transport) sendReq(room id.RoomID, evtType event.Type, txnKey string) mautrix.ReqSendEvent {
	if txnKey == "" {
		t.log.Warn().Stringer("room_id", room).Str("event_type", evtType.Type).Msg("Send without a TxnKey: a retry may post twice")
		return mautrix.ReqSendEvent{}
	}
	return mautrix.ReqSendEvent{TransactionID: TxnID(room, evtType, txnKey)}
}

// Send implements chat.Transport. The message is an m.notice, or m.text
// when it is an Alert (or not a Notice), with HTML and a plain body and an
// explicit m.mentions that lists people only in an Alert (messageContent). With
// Thread it goes into that thread (a real in-thread reply when ReplyTo is
// set too); ReplyTo alone makes a plain reply.
func (t *Transport) Send(ctx context.Context, msg chat.Outgoing) (chat.Sent, error) {
	if err := t.Login(ctx); err != nil {
		return chat.Sent{}, err
	}
	room, err := t.roomID(ctx, msg.Room)
	if err != nil {
		return chat.Sent{}, err
	}
	content := fitContent(msg.Body, func(d chat.Doc) *event.MessageEventContent {
		m := msg
		m.Body = d
		return messageContent(m)
	})
	thread := id.EventID(msg.Thread)
	reply := id.EventID(msg.ReplyTo)
	switch {
	case thread != "":
		rel := &event.RelatesTo{}
		if reply != "" {
			rel.SetThread(thread, "")
			rel.SetReplyTo(reply) // keeps rel_type m.thread
		} else {
			rel.SetThread(thread, thread) // is_falling_back reply for old clients
		}
		content.RelatesTo = rel
	case reply != "":
		content.RelatesTo = (&event.RelatesTo{}).SetReplyTo(reply)
	}
	var body any = content
	if msg.TxnKey != "" {
		// The marker lets FindSent recognise this message after a crash.
		body = &event.Content{Parsed: content, Raw: map[string]any{TxnMarkerKey: TxnID(room, event.EventMessage, msg.TxnKey)}}
	}
	resp, err := t.cli.SendMessageEvent(ctx, room, event.EventMessage, body, t.sendReq(room, event.EventMessage, msg.TxnKey))
	if err != nil {
		return chat.Sent{}, fmt.Errorf("matrix: send to %s: %w", room, classify(err))
	}
	return sentAs(room, resp.EventID, msg), nil
}

// sentAs is where msg landed as event evt.
func sentAs(room id.RoomID, evt id.EventID, msg chat.Outgoing) chat.Sent {
	sent := chat.Sent{Room: room.String(), ID: evt.String(), Thread: msg.Thread}
	if sent.Thread == "" && msg.NewThread != "" {
		sent.Thread = sent.ID // this message roots the thread
	}
	return sent
}

// TxnMarkerKey is the content field holding a message's transaction ID
// (a hash of its TxnKey, never the key itself).
const TxnMarkerKey = "org.liaisonbot.txn"

// findSentLimit is how many of the room's latest events FindSent looks at.
const findSentLimit = 200

// FindSent implements chat.SentFinder: it looks for the bot's message with
// txnKey's marker among the room's latest events. Homeservers are meant to
// deduplicate a repeated transaction ID, but Dendrite v0.15.2 stores an
// event whose request was cancelled without remembering its transaction
// ID, so a retry after a crash would post twice.
func (t *Transport) FindSent(ctx context.Context, msg chat.Outgoing) (chat.Sent, bool, error) {
	if err := t.Login(ctx); err != nil {
		return chat.Sent{}, false, err
	}
	room, err := t.roomID(ctx, msg.Room)
	if err != nil {
		return chat.Sent{}, false, err
	}
	want := TxnID(room, event.EventMessage, msg.TxnKey)
	// In an encrypted room the marker is inside the encrypted content: the
	// bot decrypts its own messages (it keeps its outbound sessions).
	filter := &mautrix.FilterPart{Senders: []id.UserID{t.cli.UserID}, Types: []event.Type{event.EventMessage, event.EventEncrypted}}
	resp, err := t.cli.Messages(ctx, room, "", "", mautrix.DirectionBackward, filter, findSentLimit)
	if err != nil {
		return chat.Sent{}, false, fmt.Errorf("matrix: look for an earlier send in %s: %w", room, err)
	}
	for _, evt := range resp.Chunk {
		if evt.Type == event.EventEncrypted && t.crypto != nil && evt.Sender == t.cli.UserID {
			prepare(evt, room)
			if dec, err := t.crypto.helper.Decrypt(ctx, evt); err == nil {
				evt = dec
			}
		}
		if evt.Sender != t.cli.UserID || evt.Content.Raw[TxnMarkerKey] != want {
			continue
		}
		return sentAs(room, evt.ID, msg), true, nil
	}
	return chat.Sent{}, false, nil
}

// React implements chat.Transport (an m.annotation; the key is sent fully
// qualified, as clients send it).
func (t *Transport) React(ctx context.Context, room, target, key, txnKey string) error {
	if err := t.Login(ctx); err != nil {
		return err
	}
	rid, err := t.roomID(ctx, room)
	if err != nil {
		return err
	}
	content := &event.ReactionEventContent{}
	content.RelatesTo.SetAnnotation(id.EventID(target), variationselector.FullyQualify(key))
	_, err = t.cli.SendMessageEvent(ctx, rid, event.EventReaction, content, t.sendReq(rid, event.EventReaction, txnKey))
	if err != nil {
		return fmt.Errorf("matrix: react in %s: %w", rid, classify(err))
	}
	return nil
}

// Edit implements chat.Transport: an m.replace with m.new_content; it
// notifies nobody (empty m.mentions).
func (t *Transport) Edit(ctx context.Context, room, target string, body chat.Doc, txnKey string) error {
	if err := t.Login(ctx); err != nil {
		return err
	}
	rid, err := t.roomID(ctx, room)
	if err != nil {
		return err
	}
	content := fitContent(body, func(d chat.Doc) *event.MessageEventContent {
		return messageContent(chat.Outgoing{Body: d, Notice: true})
	})
	content.SetEdit(id.EventID(target))
	_, err = t.cli.SendMessageEvent(ctx, rid, event.EventMessage, content, t.sendReq(rid, event.EventMessage, "edit\x00"+txnKey))
	if err != nil {
		return fmt.Errorf("matrix: edit in %s: %w", rid, classify(err))
	}
	return nil
}

// JoinRoom implements chat.Transport: join by room ID or alias. A joined
// configured room is allowed by the invite gate from then on.
func (t *Transport) JoinRoom(ctx context.Context, room string) error {
	if err := t.Login(ctx); err != nil {
		return err
	}
	// POST /join/{roomIdOrAlias}: the server resolves aliases itself.
	resp, err := t.cli.JoinRoom(ctx, room, nil)
	if err != nil {
		return fmt.Errorf("matrix: join %s: %w", room, err)
	}
	t.mu.Lock()
	if t.preJoinedOK && !t.preJoined[resp.RoomID] {
		t.joinedThisRun[resp.RoomID] = time.Now()
	}
	if strings.HasPrefix(room, "#") {
		t.aliases[room] = resp.RoomID
	}
	for _, r := range t.cfg.Rooms {
		if r == room || r == resp.RoomID.String() {
			t.allowedRooms[resp.RoomID] = true
			t.unresolved = slices.DeleteFunc(t.unresolved, func(a string) bool { return a == room })
		}
	}
	t.mu.Unlock()
	return nil
}

// IsModerator implements chat.Transport: power level >= 50 in room. The
// power levels are read together with the create event, so the creators of
// a v12 room count as the highest level (NOTES §3).
func (t *Transport) IsModerator(ctx context.Context, room string, user chat.User) (bool, error) {
	if err := t.Login(ctx); err != nil {
		return false, err
	}
	rid, err := t.roomID(ctx, room)
	if err != nil {
		return false, err
	}
	state, err := t.cli.State(ctx, rid)
	if err != nil {
		return false, fmt.Errorf("matrix: room state of %s: %w", rid, err)
	}
	return moderatorLevel(state, id.UserID(user.ID)), nil
}

func moderatorLevel(state mautrix.RoomStateMap, user id.UserID) bool {
	create := state[event.StateCreate][""]
	if pl := state[event.StatePowerLevels][""]; pl != nil {
		levels := pl.Content.AsPowerLevels()
		if levels.CreateEvent == nil {
			levels.CreateEvent = create
		}
		return levels.GetUserLevel(user) >= 50
	}
	// No power levels event: the creator has 100, everyone else 0.
	return create != nil && create.Sender == user
}

// roomID resolves an alias (cached); room IDs pass through.
func (t *Transport) roomID(ctx context.Context, room string) (id.RoomID, error) {
	switch {
	case strings.HasPrefix(room, "!"):
		return id.RoomID(room), nil
	case strings.HasPrefix(room, "#"):
		return t.resolveRoom(ctx, room)
	case room == "":
		return "", errors.New("matrix: no room given")
	}
	return "", fmt.Errorf("matrix: %q is neither a room ID nor an alias", room)
}

func (t *Transport) resolveRoomAPI(ctx context.Context, alias string) (id.RoomID, error) {
	t.mu.Lock()
	rid, ok := t.aliases[alias]
	t.mu.Unlock()
	if ok {
		return rid, nil
	}
	resp, err := t.cli.ResolveAlias(ctx, id.RoomAlias(alias))
	if err != nil {
		return "", fmt.Errorf("matrix: resolve %s: %w", alias, err)
	}
	t.mu.Lock()
	t.aliases[alias] = resp.RoomID
	t.mu.Unlock()
	return resp.RoomID, nil
}
