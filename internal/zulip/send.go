package zulip

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// Send implements chat.Transport: a channel message into the topic
// msg.Thread (or msg.NewThread, or the default topic), or a direct
// message for a "dm:" room. A TxnKey already sent returns the first
// result without posting again. Zulip has no reply relation: ReplyTo is
// ignored (answers go into the same topic).
func (t *Transport) Send(ctx context.Context, msg chat.Outgoing) (chat.Sent, error) {
	if _, err := t.ensureMe(ctx); err != nil {
		return chat.Sent{}, err
	}
	// One send at a time, so two sends with one key cannot both miss.
	t.sendMu.Lock()
	defer t.sendMu.Unlock()
	if msg.TxnKey != "" {
		v, ok, err := t.kv.Get(ctx, t.kvKey(kvSentPrefix+msg.TxnKey))
		if err != nil {
			return chat.Sent{}, fmt.Errorf("zulip: read sent state: %w", err)
		}
		if ok {
			var s chat.Sent
			if json.Unmarshal([]byte(v), &s) == nil && s.ID != "" {
				t.log.Debug().Str("txn_key", msg.TxnKey).Str("message_id", s.ID).Msg("Already sent")
				return s, nil
			}
		}
	}
	content := render(msg.Body, msg.Alert, t.resolver(ctx, msg.Body))
	if strings.TrimSpace(content) == "" {
		return chat.Sent{}, errors.New("zulip: empty message")
	}
	params := url.Values{"content": {content}}
	sent := chat.Sent{Room: msg.Room}
	if to, ok := strings.CutPrefix(msg.Room, "dm:"); ok {
		var rec []any
		for _, p := range strings.Split(to, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if n, err := strconv.Atoi(p); err == nil {
				rec = append(rec, n)
			} else {
				rec = append(rec, p)
			}
		}
		if len(rec) == 0 {
			return chat.Sent{}, fmt.Errorf("zulip: room %q names nobody", msg.Room)
		}
		params.Set("type", "direct")
		params.Set("to", jsonValue(rec))
	} else {
		topic := msg.Thread
		if topic == "" {
			topic = msg.NewThread
		}
		topic = CutTopic(topic)
		if topic == "" {
			topic = CutTopic(t.cfg.DefaultTopic)
		}
		params.Set("type", "stream")
		params.Set("to", msg.Room)
		params.Set("topic", topic)
		sent.Thread = topic
	}
	var resp struct {
		ID int `json:"id"`
	}
	if err := t.cli.call(ctx, http.MethodPost, "/messages", params, &resp); err != nil {
		return chat.Sent{}, err
	}
	sent.ID = strconv.Itoa(resp.ID)
	t.rememberLoc(resp.ID, sent.Room, sent.Thread)
	if msg.TxnKey != "" {
		b, _ := json.Marshal(sent)
		if err := t.kv.Put(ctx, t.kvKey(kvSentPrefix+msg.TxnKey), string(b)); err != nil {
			// Posted, but a retry would post again: say so loudly.
			t.log.Error().Err(err).Str("txn_key", msg.TxnKey).Str("message_id", sent.ID).Msg("Could not record a sent message")
		}
	}
	t.log.Debug().Str("room", sent.Room).Str("topic", sent.Thread).Str("message_id", sent.ID).Str("txn_key", msg.TxnKey).Msg("Sent")
	return sent, nil
}

// resolver resolves the doc's mentions to Zulip users: a numeric chat
// user ID is the Zulip user ID; an e-mail (ID or Email) is looked up.
// Users that cannot be resolved are written as plain names.
func (t *Transport) resolver(ctx context.Context, d chat.Doc) func(chat.User) (mentionTarget, bool) {
	return func(u chat.User) (mentionTarget, bool) {
		if id, err := strconv.Atoi(u.ID); err == nil && id > 0 {
			return mentionTarget{ID: id, Name: u.DisplayName}, true
		}
		for _, key := range []string{u.ID, u.Email} {
			if !strings.Contains(key, "@") || strings.HasPrefix(key, "@") {
				continue
			}
			au, err := t.lookupUser(ctx, key)
			if err != nil {
				t.log.Warn().Err(err).Str("user", key).Msg("Could not resolve a mention")
				continue
			}
			return mentionTarget{ID: au.UserID, Name: au.FullName}, true
		}
		return mentionTarget{}, false
	}
}

// React implements chat.Transport. Only the keys in emojiFor can be
// sent; adding a reaction that is already there succeeds.
func (t *Transport) React(ctx context.Context, room, target, key, txnKey string) error {
	e, ok := emojiFor[key]
	if !ok {
		return fmt.Errorf("zulip: no Zulip emoji for reaction key %q", key)
	}
	id, err := strconv.Atoi(target)
	if err != nil {
		return fmt.Errorf("zulip: %q is not a message ID", target)
	}
	params := url.Values{"emoji_name": {e[0]}, "emoji_code": {e[1]}, "reaction_type": {"unicode_emoji"}}
	err = t.cli.call(ctx, http.MethodPost, "/messages/"+strconv.Itoa(id)+"/reactions", params, nil)
	if IsCode(err, "REACTION_ALREADY_EXISTS") {
		return nil
	}
	return err
}

// Edit implements chat.Transport: PATCH the content of a message the bot
// sent. Zulip limits content edits in time (600 s by default, NOTES §3.7).
func (t *Transport) Edit(ctx context.Context, room, target string, body chat.Doc, txnKey string) error {
	id, err := strconv.Atoi(target)
	if err != nil {
		return fmt.Errorf("zulip: %q is not a message ID", target)
	}
	content := render(body, false, t.resolver(ctx, body)) // an edit pings nobody
	return t.cli.call(ctx, http.MethodPatch, "/messages/"+strconv.Itoa(id), url.Values{"content": {content}}, nil)
}

// JoinRoom implements chat.Transport: subscribe the bot to an existing
// channel. A channel that does not exist is an error (subscribing would
// create it, and a typo in the config should not make channels).
func (t *Transport) JoinRoom(ctx context.Context, room string) error {
	if strings.HasPrefix(room, "dm:") {
		return nil
	}
	var sid struct {
		StreamID int `json:"stream_id"`
	}
	if err := t.cli.call(ctx, http.MethodGet, "/get_stream_id", url.Values{"stream": {room}}, &sid); err != nil {
		return fmt.Errorf("zulip: channel %q: %w", room, err)
	}
	var resp struct {
		Subscribed        map[string][]string `json:"subscribed"`
		AlreadySubscribed map[string][]string `json:"already_subscribed"`
		Unauthorized      []string            `json:"unauthorized"`
	}
	params := url.Values{"subscriptions": {jsonValue([]map[string]string{{"name": room}})}}
	if err := t.cli.call(ctx, http.MethodPost, "/users/me/subscriptions", params, &resp); err != nil {
		return fmt.Errorf("zulip: subscribe to %q: %w", room, err)
	}
	if len(resp.Unauthorized) > 0 {
		return fmt.Errorf("zulip: not allowed to subscribe to %q (a private channel: ask a member to add the bot)", room)
	}
	t.log.Info().Str("room", room).Int("stream_id", sid.StreamID).Bool("new", len(resp.Subscribed) > 0).Msg("Subscribed to channel")
	return nil
}

// IsModerator implements chat.Transport: the user is a realm moderator,
// administrator or owner (role <= 300). Zulip has no per-channel
// moderators.
func (t *Transport) IsModerator(ctx context.Context, room string, user chat.User) (bool, error) {
	key := user.ID
	if _, err := strconv.Atoi(key); err != nil {
		key = user.Email
	}
	if key == "" {
		return false, nil
	}
	u, err := t.lookupUser(ctx, key)
	if err != nil {
		if transient(err) {
			return false, err
		}
		return false, nil
	}
	return u.IsActive && u.Role > 0 && u.Role <= 300, nil
}
