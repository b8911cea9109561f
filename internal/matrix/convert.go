package matrix

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.mau.fi/util/variationselector"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// convert turns a timeline event into a chat.Event; ok=false for events
// the bot does not act on (its own, notices, edits, other types).
func (t *Transport) convert(_ context.Context, evt *event.Event) (chat.Event, bool) {
	if evt.Sender == t.cli.UserID || evt.ID == "" {
		return chat.Event{}, false
	}
	ce := chat.Event{
		Platform: Platform,
		ID:       evt.ID.String(),
		Room:     evt.RoomID.String(),
		Sender:   t.user(evt.RoomID, evt.Sender),
		Time:     time.UnixMilli(evt.Timestamp),
	}
	switch evt.Type {
	case event.EventMessage:
		content, ok := evt.Content.Parsed.(*event.MessageEventContent)
		if !ok {
			return chat.Event{}, false
		}
		// m.notice is bot output (ours or another bot's): never a command.
		if content.MsgType != event.MsgText && content.MsgType != event.MsgEmote {
			return chat.Event{}, false
		}
		// Edits are not re-run (the original was handled).
		if content.RelatesTo.GetReplaceID() != "" || content.NewContent != nil {
			return chat.Event{}, false
		}
		content.RemoveReplyFallback()
		body := content.Body
		if content.RelatesTo.GetReplyTo() != "" {
			// Plain-text replies (no formatted_body) keep their "> <@u>"
			// fallback after RemoveReplyFallback.
			body = event.TrimReplyFallbackText(body)
		}
		ce.Kind = chat.EventMessage
		ce.Thread = content.RelatesTo.GetThreadParent().String()
		ce.Direct = t.isDirect(evt.RoomID)
		text, addressed := t.stripAddress(evt.RoomID, body)
		ce.Text = text
		ce.MentionsBot = addressed || (content.Mentions != nil && content.Mentions.Has(t.cli.UserID))
		return ce, true

	case event.EventReaction:
		content, ok := evt.Content.Parsed.(*event.ReactionEventContent)
		if !ok || content.RelatesTo.Type != event.RelAnnotation || content.RelatesTo.EventID == "" {
			return chat.Event{}, false
		}
		ce.Kind = chat.EventReaction
		ce.Target = content.RelatesTo.EventID.String()
		ce.Key = NormalizeKey(content.RelatesTo.Key)
		ce.ReactionID = evt.ID.String()
		return ce, true

	case event.EventRedaction:
		// Room versions < 11 carry the target at the top level, v11+ in
		// the content; Dendrite sends both (NOTES §1.4).
		redacts := evt.Redacts
		if redacts == "" {
			if c, ok := evt.Content.Parsed.(*event.RedactionEventContent); ok {
				redacts = c.Redacts
			}
		}
		if redacts == "" {
			return chat.Event{}, false
		}
		// Any redaction may undo a reaction; the bot looks the ID up.
		ce.Kind = chat.EventReactionRemove
		ce.ReactionID = redacts.String()
		return ce, true
	}
	return chat.Event{}, false
}

// NormalizeKey strips emoji variation selectors (U+FE0F), so "✅️" and "✅"
// are the same key.
func NormalizeKey(key string) string {
	return variationselector.Remove(key)
}

// user builds the chat identity of an MXID: display name from the member
// cache, else the localpart; e-mail from the identity table.
func (t *Transport) user(room id.RoomID, u id.UserID) chat.User {
	name := t.members.name(room, u)
	if name == "" {
		name = u.Localpart()
		if name == "" {
			name = u.String()
		}
	}
	return chat.User{ID: u.String(), DisplayName: name, Email: t.emails[u]}
}

// isDirect: a room of exactly two joined members (the bot and one person)
// is a direct conversation, whether or not a client flagged it as such.
func (t *Transport) isDirect(room id.RoomID) bool {
	n, ok := t.members.count(room)
	return ok && n == 2
}

// stripAddress removes a leading "<bot name>:" (display name, localpart or
// MXID, case-insensitive) and reports whether it was there.
func (t *Transport) stripAddress(room id.RoomID, body string) (string, bool) {
	self := t.cli.UserID
	names := []string{self.String(), t.cfg.DisplayName, t.members.name(room, self), self.Localpart(), "@" + self.Localpart()}
	trimmed := strings.TrimLeftFunc(body, unicode.IsSpace)
	for _, n := range names {
		if n == "" || len(trimmed) <= len(n) {
			continue
		}
		if !strings.EqualFold(trimmed[:len(n)], n) || !utf8.ValidString(trimmed[:len(n)]) {
			continue
		}
		rest := trimmed[len(n):]
		if !strings.HasPrefix(rest, ":") {
			continue
		}
		return strings.TrimLeftFunc(rest[1:], unicode.IsSpace), true
	}
	return body, false
}
