package zulip

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// apiMessage is a message object of events and GET /messages (unknown
// fields ignored: newer servers add some, NOTES §2 gotcha 8).
type apiMessage struct {
	ID               int             `json:"id"`
	Type             string          `json:"type"` // "stream" or "private"
	StreamID         int             `json:"stream_id"`
	DisplayRecipient json.RawMessage `json:"display_recipient"`
	Subject          string          `json:"subject"`
	Content          string          `json:"content"`
	SenderID         int             `json:"sender_id"`
	SenderEmail      string          `json:"sender_email"`
	SenderFullName   string          `json:"sender_full_name"`
	Timestamp        int64           `json:"timestamp"`
	Flags            []string        `json:"flags"`
}

type apiRecipient struct {
	ID       int    `json:"id"`
	Email    string `json:"email"`
	FullName string `json:"full_name"`
}

type apiReactionEvent struct {
	ID           int    `json:"id"`
	Op           string `json:"op"`
	MessageID    int    `json:"message_id"`
	UserID       int    `json:"user_id"`
	EmojiName    string `json:"emoji_name"`
	EmojiCode    string `json:"emoji_code"`
	ReactionType string `json:"reaction_type"`
}

type apiUser struct {
	UserID        int     `json:"user_id"`
	Email         string  `json:"email"`
	DeliveryEmail *string `json:"delivery_email"`
	FullName      string  `json:"full_name"`
	Role          int     `json:"role"`
	IsBot         bool    `json:"is_bot"`
	IsActive      bool    `json:"is_active"`
}

// MessageEventID is the chat.Event ID of a Zulip message.
func MessageEventID(id int) string { return "zulip:msg:" + strconv.Itoa(id) }

// DMRoom is the room of a direct conversation with the given users (the
// bot excluded).
func DMRoom(userIDs ...int) string {
	ids := append([]int(nil), userIDs...)
	sort.Ints(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return "dm:" + strings.Join(parts, ",")
}

// remember notes where a message is, for reaction events (which carry
// only the message ID).
func (t *Transport) remember(m apiMessage) {
	room, thread, ok := t.locate(m)
	if !ok {
		return
	}
	t.rememberLoc(m.ID, room, thread)
}

func (t *Transport) rememberLoc(id int, room, thread string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.locs) > 20000 {
		t.locs = map[int]msgLoc{} // crude bound; misses are fetched
	}
	t.locs[id] = msgLoc{Room: room, Thread: thread}
}

// locate finds a message's room and thread.
func (t *Transport) locate(m apiMessage) (room, thread string, ok bool) {
	switch m.Type {
	case "stream":
		var name string
		if err := json.Unmarshal(m.DisplayRecipient, &name); err != nil {
			return "", "", false
		}
		return name, m.Subject, true
	case "private":
		var rec []apiRecipient
		if err := json.Unmarshal(m.DisplayRecipient, &rec); err != nil {
			return "", "", false
		}
		self := t.selfID()
		var others []int
		for _, r := range rec {
			if r.ID != self {
				others = append(others, r.ID)
			}
		}
		if len(others) == 0 {
			return "", "", false
		}
		return DMRoom(others...), "", true
	}
	return "", "", false
}

func (t *Transport) selfID() int {
	t.meMu.Lock()
	defer t.meMu.Unlock()
	if t.me == nil {
		return 0
	}
	return t.me.ID
}

// convertMessage turns a message into a chat.Event; ok=false for messages
// the bot does not act on (its own, unknown types).
func (t *Transport) convertMessage(ctx context.Context, m apiMessage, flags []string) (chat.Event, bool, error) {
	me := t.selfID()
	if m.SenderID == me || m.ID == 0 {
		return chat.Event{}, false, nil
	}
	room, thread, ok := t.locate(m)
	if !ok {
		return chat.Event{}, false, nil
	}
	sender, err := t.identity(ctx, m.SenderID, m.SenderEmail, m.SenderFullName)
	if err != nil {
		return chat.Event{}, false, err
	}
	text, addressed := t.stripMention(m.Content)
	ce := chat.Event{
		Platform:    Platform,
		Kind:        chat.EventMessage,
		ID:          MessageEventID(m.ID),
		Room:        room,
		Thread:      thread,
		Sender:      sender,
		Time:        time.Unix(m.Timestamp, 0),
		Text:        text,
		MentionsBot: addressed,
	}
	if m.Type == "private" {
		ce.Direct = !strings.Contains(room, ",")
	}
	return ce, true, nil
}

// mentionRe matches a user mention at the start of a message:
// @**Name**, @**Name|id**, silent @_**Name|id**.
var mentionRe = regexp.MustCompile(`^@_?\*\*([^*|]*)(?:\|(\d+))?\*\*`)

// stripMention removes a leading mention of the bot and reports whether
// it was there (commands.Parse then takes the rest as a command). The bot
// is recognised by its user ID, its full name or the configured name.
func (t *Transport) stripMention(content string) (string, bool) {
	trimmed := strings.TrimLeftFunc(content, unicode.IsSpace)
	m := mentionRe.FindStringSubmatch(trimmed)
	if m == nil {
		return content, false
	}
	me := t.Self()
	name, id := strings.TrimSpace(m[1]), m[2]
	isBot := false
	switch {
	case id != "":
		isBot = id == me.ID
	default:
		isBot = name != "" && (strings.EqualFold(name, me.DisplayName) || strings.EqualFold(name, t.cfg.BotName))
	}
	if !isBot {
		return content, false
	}
	rest := strings.TrimPrefix(trimmed[len(m[0]):], ":")
	return strings.TrimLeftFunc(rest, unicode.IsSpace), true
}

// convertReaction turns a reaction event into a chat.Event. The reaction
// ID is (message, user, emoji code), the same for its add and its remove;
// the event ID adds the op and the queue's event identity, so a replay
// from the same queue is recognised while adding a reaction again after
// removing it is a new event.
func (t *Transport) convertReaction(ctx context.Context, ev apiReactionEvent, queueID string) (chat.Event, bool, error) {
	if ev.UserID == t.selfID() || ev.MessageID == 0 {
		return chat.Event{}, false, nil
	}
	sender, err := t.identity(ctx, ev.UserID, "", "")
	if err != nil {
		return chat.Event{}, false, err
	}
	loc, err := t.messageLoc(ctx, ev.MessageID)
	if err != nil {
		return chat.Event{}, false, err
	}
	rid := reactionID(ev.MessageID, ev.UserID, ev.ReactionType, ev.EmojiCode)
	ce := chat.Event{
		Platform:   Platform,
		Kind:       chat.EventReaction,
		ID:         fmt.Sprintf("%s:%s:%s:%d", rid, ev.Op, queueID, ev.ID),
		Room:       loc.Room,
		Direct:     strings.HasPrefix(loc.Room, "dm:") && !strings.Contains(loc.Room, ","),
		Thread:     loc.Thread,
		Sender:     sender,
		Time:       time.Now(),
		Target:     strconv.Itoa(ev.MessageID),
		Key:        ReactionKey(ev.ReactionType, ev.EmojiCode, ev.EmojiName),
		ReactionID: rid,
	}
	if ev.Op == "remove" {
		ce.Kind = chat.EventReactionRemove
	}
	return ce, true, nil
}

// reactionID is the chat.Event.ReactionID of a reaction: the same for its
// add and remove events and for the reaction read back from the message.
func reactionID(msgID, userID int, reactionType, code string) string {
	if reactionType != "" && reactionType != "unicode_emoji" {
		code = reactionType + "/" + code
	}
	return fmt.Sprintf("zulip:reaction:%d:%d:%s", msgID, userID, code)
}

// Reactions implements chat.ReactionLister: the reactions standing on a
// message now (GET /messages/{message_id}), the bot's own left out.
func (t *Transport) Reactions(ctx context.Context, room, target string) ([]chat.Reaction, error) {
	id, err := strconv.Atoi(target)
	if err != nil {
		return nil, fmt.Errorf("zulip: message ID %q: %w", target, chat.ErrMessageGone)
	}
	var resp struct {
		Message struct {
			Reactions []struct {
				EmojiName    string `json:"emoji_name"`
				EmojiCode    string `json:"emoji_code"`
				ReactionType string `json:"reaction_type"`
				UserID       int    `json:"user_id"`
			} `json:"reactions"`
		} `json:"message"`
	}
	if err := t.cli.call(ctx, http.MethodGet, "/messages/"+target, url.Values{"apply_markdown": {"false"}}, &resp); err != nil {
		if transient(err) || ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("zulip: message %d in %s: %w (%v)", id, room, chat.ErrMessageGone, err)
	}
	var out []chat.Reaction
	for _, r := range resp.Message.Reactions {
		if r.UserID == t.selfID() {
			continue
		}
		sender, err := t.identity(ctx, r.UserID, "", "")
		if err != nil {
			return nil, err
		}
		out = append(out, chat.Reaction{
			Sender:     sender,
			Key:        ReactionKey(r.ReactionType, r.EmojiCode, r.EmojiName),
			ReactionID: reactionID(id, r.UserID, r.ReactionType, r.EmojiCode),
		})
	}
	return out, nil
}

// ReactionKey normalises a Zulip reaction to a chat key: the Unicode
// emoji of a unicode_emoji code ("2705" -> "✅", "1f44d-1f3fb" -> 👍🏻),
// variation selectors removed; custom emoji become ":name:".
func ReactionKey(reactionType, code, name string) string {
	if reactionType == "" || reactionType == "unicode_emoji" {
		var b strings.Builder
		ok := code != ""
		for _, part := range strings.Split(code, "-") {
			n, err := strconv.ParseUint(part, 16, 32)
			if err != nil || n > unicode.MaxRune {
				ok = false
				break
			}
			if n == 0xfe0f {
				continue
			}
			b.WriteRune(rune(n))
		}
		if ok {
			return b.String()
		}
	}
	return ":" + name + ":"
}

// emojiFor maps the keys the bot reacts with to Zulip emoji (name, code).
var emojiFor = map[string][2]string{
	chat.KeyApprove: {"check", "2705"},
	chat.KeyReject:  {"cross_mark", "274c"},
	"✔":             {"check_mark", "2714"},
	"👍":             {"+1", "1f44d"},
	"👀":             {"eyes", "1f440"},
	"🎉":             {"tada", "1f389"},
}

// messageLoc finds where a message is: from the cache, else GET
// /messages/{id}. A message the bot cannot see any more gives an empty
// location (the event is still delivered).
func (t *Transport) messageLoc(ctx context.Context, id int) (msgLoc, error) {
	t.mu.Lock()
	loc, ok := t.locs[id]
	t.mu.Unlock()
	if ok {
		return loc, nil
	}
	var resp struct {
		Message apiMessage `json:"message"`
	}
	err := t.cli.call(ctx, http.MethodGet, "/messages/"+strconv.Itoa(id), url.Values{"apply_markdown": {"false"}}, &resp)
	if err != nil {
		if transient(err) {
			return msgLoc{}, err
		}
		t.log.Warn().Err(err).Int("message_id", id).Msg("Reaction to a message the bot cannot see")
		return msgLoc{}, nil
	}
	room, thread, ok := t.locate(resp.Message)
	if !ok {
		return msgLoc{}, nil
	}
	t.rememberLoc(id, room, thread)
	return msgLoc{Room: room, Thread: thread}, nil
}

// identity builds the chat.User of a Zulip user: the e-mail is the
// delivery_email when the bot may see it (the account's real address),
// else the API e-mail.
func (t *Transport) identity(ctx context.Context, id int, email, name string) (chat.User, error) {
	u, err := t.lookupUser(ctx, strconv.Itoa(id))
	if err != nil {
		if transient(err) {
			return chat.User{}, err
		}
		t.log.Warn().Err(err).Int("user_id", id).Msg("Could not look up a Zulip user")
		return chat.User{ID: strconv.Itoa(id), DisplayName: name, Email: email}, nil
	}
	out := chat.User{ID: strconv.Itoa(id), DisplayName: u.FullName, Email: u.Email}
	if u.DeliveryEmail != nil && *u.DeliveryEmail != "" {
		out.Email = *u.DeliveryEmail
	}
	if out.DisplayName == "" {
		out.DisplayName = name
	}
	if out.Email == "" {
		out.Email = email
	}
	return out, nil
}

// lookupUser fetches a user by ID or e-mail (GET /users/{user_id} or
// /users/{email}), cached for userTTL.
func (t *Transport) lookupUser(ctx context.Context, key string) (apiUser, error) {
	ck := strings.ToLower(key)
	t.mu.Lock()
	c, ok := t.users[ck]
	t.mu.Unlock()
	if ok && time.Since(c.at) < userTTL {
		return c.u, nil
	}
	var resp struct {
		User apiUser `json:"user"`
	}
	if err := t.cli.call(ctx, http.MethodGet, "/users/"+url.PathEscape(key), nil, &resp); err != nil {
		return apiUser{}, err
	}
	now := time.Now()
	t.mu.Lock()
	t.users[ck] = cachedUser{u: resp.User, at: now}
	t.users[strconv.Itoa(resp.User.UserID)] = cachedUser{u: resp.User, at: now}
	t.mu.Unlock()
	return resp.User, nil
}
