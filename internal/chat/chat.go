// Package chat is the one chat-platform interface of liaisonbot. Matrix,
// Zulip and the console implement Transport; everything above (commands/,
// bot/) sees chat platforms only through the types in this package.
//
// Conventions that let one design fit Matrix and Zulip:
//   - A Room is where a group lives: a Matrix room ID, or a Zulip stream
//     name. Direct conversations are rooms too (Room.Direct).
//   - A thread groups the messages about one statement: on Matrix a thread
//     rooted at the announcement (Thread = root event ID); on Zulip a topic
//     (Thread = topic name, e.g. "LS 2043: subject").
//   - Message and reaction identities are opaque strings chosen by the
//     platform (Matrix event IDs, Zulip message IDs in decimal).
//   - Reaction keys are normalised to the Unicode emoji ("✅", "❌"), never
//     a platform's emoji name.
package chat

import (
	"context"
	"errors"
	"time"
)

// Emoji keys the bot reacts to.
const (
	KeyApprove = "✅"
	KeyReject  = "❌"
)

// User is a chat identity. Email is the Datatracker e-mail when the
// platform or the config knows it (Zulip account e-mail; Matrix via the
// config's identity table); empty means unknown: may read, never approve.
type User struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name,omitempty"`
	Email       string `json:"email,omitempty"`
}

// EventKind tells what happened in chat.
type EventKind string

const (
	EventMessage        EventKind = "message"
	EventReaction       EventKind = "reaction"
	EventReactionRemove EventKind = "reaction_remove"
	EventInvite         EventKind = "invite"
	// EventResync says the transport lost events it cannot replay (Zulip:
	// reactions made while the server had dropped the bot's event queue).
	// Handlers re-read what they follow through ReactionLister.
	EventResync EventKind = "resync"
)

// Event is something that arrived from a chat platform. Transports hand
// events to a Sink; the bot records them durably before acting, so an event
// delivered twice (replay after restart, queue re-registration) is handled
// once, keyed by (Platform, ID).
type Event struct {
	Platform string    `json:"platform"`
	Kind     EventKind `json:"kind"`
	// ID is unique per platform: the Matrix event ID, or for Zulip a key
	// derived from the message ID / reaction tuple.
	ID     string `json:"id"`
	Room   string `json:"room"`
	Direct bool   `json:"direct,omitempty"`
	// Thread is the thread the event belongs to, if any (see package doc).
	Thread string    `json:"thread,omitempty"`
	Sender User      `json:"sender"`
	Time   time.Time `json:"time"`

	// EventMessage: the plain text, reply fallbacks removed.
	Text string `json:"text,omitempty"`
	// MentionsBot is true when the message addresses the bot by mention.
	MentionsBot bool `json:"mentions_bot,omitempty"`

	// EventReaction / EventReactionRemove: the message reacted to and the
	// normalised key. ReactionID is the platform's ID of the reaction
	// itself (a Matrix annotation event; on Zulip derived from the tuple),
	// so a later removal can be matched to the reaction it undoes.
	Target     string `json:"target,omitempty"`
	Key        string `json:"key,omitempty"`
	ReactionID string `json:"reaction_id,omitempty"`
}

// Sink receives events from a transport. It must be quick (record and
// return): a transport calls it from its receive loop. An error means the
// event was not recorded; the transport must not advance its stream
// position past it.
type Sink func(ctx context.Context, evt Event) error

// Outgoing is one message to send.
type Outgoing struct {
	Room string `json:"room"`
	// Thread, when set, puts the message in that thread (Matrix: thread
	// root event ID; Zulip: topic).
	Thread string `json:"thread,omitempty"`
	// NewThread, when set and Thread is empty, asks the platform to start a
	// thread with this message under this title (Zulip: the topic name;
	// Matrix: ignored, the message itself becomes the thread root).
	NewThread string `json:"new_thread,omitempty"`
	// ReplyTo is a message to reply to (quote), if any.
	ReplyTo string `json:"reply_to,omitempty"`
	Body    Doc    `json:"body"`
	// Notice marks bot output (Matrix m.notice). Almost always true.
	Notice bool `json:"notice"`
	// Alert marks a message meant to alert the people it mentions
	// (approval requests, deadline reminders, notices to liaison managers):
	// it must notify them under the platform's default settings. On Matrix
	// an m.notice never does (the default override rule
	// .m.rule.suppress_notices comes before the mention rules), so an Alert
	// is sent as m.text with m.mentions; on Zulip its mentions are real
	// mentions rather than silent ones.
	Alert bool `json:"alert,omitempty"`
	// TxnKey is a deterministic idempotency key: sending the same key
	// twice must post once (Matrix transaction ID; Zulip local_id +
	// recorded result).
	TxnKey string `json:"txn_key"`
}

// Sent identifies a message the bot posted.
type Sent struct {
	Room   string `json:"room"`
	ID     string `json:"id"`
	Thread string `json:"thread,omitempty"` // thread the message is in (or roots)
}

// Transport is a chat platform.
type Transport interface {
	// Platform names the platform: "matrix", "zulip" or "console".
	Platform() string
	// Self is the bot's own identity on the platform.
	Self() User
	// Run connects and delivers events to sink until ctx ends. It returns
	// nil on a clean stop, an error when it cannot go on.
	Run(ctx context.Context, sink Sink) error
	// Send posts a message. Retried sends with the same TxnKey post once.
	Send(ctx context.Context, msg Outgoing) (Sent, error)
	// React adds a reaction with key to a message.
	React(ctx context.Context, room, target, key, txnKey string) error
	// Edit replaces the text of a message the bot sent.
	Edit(ctx context.Context, room, target string, body Doc, txnKey string) error
	// JoinRoom makes the bot a member of a configured room.
	JoinRoom(ctx context.Context, room string) error
	// IsModerator reports whether user may manage bindings in room
	// (Matrix: power level >= 50; Zulip: realm moderator or above).
	IsModerator(ctx context.Context, room string, user User) (bool, error)
	// Connected reports whether the last exchange with the server worked.
	Connected() bool
}

// SentFinder is implemented by transports that can tell whether a message
// with a TxnKey was already posted (Matrix: the bot's recent events carry
// a marker derived from the key). The bot asks before re-sending a message
// whose earlier attempt may have reached the server just before a crash,
// so a homeserver that forgets transaction IDs cannot make it post twice.
type SentFinder interface {
	// FindSent answers what Send would have returned for msg, if msg is
	// in its room already.
	FindSent(ctx context.Context, msg Outgoing) (sent Sent, found bool, err error)
}

// Reaction is one reaction standing on a message.
type Reaction struct {
	Sender User
	// Key is normalised like Event.Key; ReactionID is what Event.ReactionID
	// of the reaction's event is (so the two can be matched).
	Key        string
	ReactionID string
}

// ErrMessageGone is returned (wrapped) by ReactionLister when the message
// no longer exists or the bot can no longer see it.
var ErrMessageGone = errors.New("message gone")

// ReactionLister is implemented by transports that can lose reaction
// events (Zulip, whose server drops an idle event queue): after an
// EventResync the bot asks which reactions stand on the messages it
// follows. The bot's own reactions are left out.
type ReactionLister interface {
	Reactions(ctx context.Context, room, target string) ([]Reaction, error)
}

// KV persists a transport's small state (Matrix sync token and device ID,
// Zulip queue ID and last event ID) in the bot's database. Keys are chosen
// by the transport and should be prefixed with its platform name.
type KV interface {
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	Put(ctx context.Context, key, value string) error
}

// DirectOpener is implemented by transports on which the bot can start a
// private conversation with a person (approval requests for statements
// pending in the Datatracker, opted-in digests). DirectRoom returns the
// room of the bot's direct conversation with user (user.ID a platform
// identity, as render.Identities gives it), creating it the first time and
// remembering it, so that every later call answers the same room.
type DirectOpener interface {
	DirectRoom(ctx context.Context, user User) (room string, err error)
}

// ErrNoSuchUser is returned (wrapped) by DirectRoom when the person has no
// account on the platform, or the server refuses a direct conversation
// with them for good: the caller reaches them another way.
var ErrNoSuchUser = errors.New("no such user on the chat platform")

// Exclusive is implemented by transports whose session may be used by one
// process at a time. Matrix with end-to-end encryption is one: the
// device's Olm and Megolm state lives in the process's memory between
// saves to the shared store, so two replicas syncing or sending as the
// same device would race on one-time keys and sessions. The bot then
// runs the transport (its sync and every send) on the leading replica
// only; the others record nothing from chat and send nothing, but still
// handle the recorded events.
type Exclusive interface {
	Exclusive() bool
}
