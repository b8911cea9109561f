// Package zulip is the Zulip chat transport of liaisonbot (API:
// https://zulip.com/api/, described by
// https://github.com/zulip/zulip/blob/main/zerver/openapi/zulip.yaml, Zulip
// 10.2). It talks to the REST API directly (no Go client library is fit,
// NOTES §4) and is tested against zulipfake, which validates every request
// against the OpenAPI description.
//
// Mapping onto internal/chat:
//   - A room is a channel (stream) name, e.g. "teas". Direct conversations
//     are rooms "dm:<user id>[,<user id>…]": the Zulip user IDs of the
//     other participants (the bot excluded), ascending. Send also accepts
//     e-mails there ("dm:alice@example.org"). Event.Direct is true for a
//     one-to-one conversation with the bot only.
//   - Thread is the topic. Outgoing.NewThread names a new topic; topics
//     are cut to 60 code points (Zulip's max_topic_length) with "…" so
//     that chat.Sent.Thread is exactly the topic the message is in.
//     A channel message without either goes to Config.DefaultTopic.
//   - A message's ID is the Zulip message ID in decimal; events are
//     "zulip:msg:<id>". A user is chat.User{ID: Zulip user ID in decimal,
//     DisplayName: full name, Email: delivery_email when the bot may see
//     it, else the account e-mail}: on the IETF's Zulip (Datatracker
//     login) that is the Datatracker e-mail.
//   - Reaction keys are the Unicode emoji of emoji_code ("2705" -> "✅",
//     "274c" -> "❌"); the bot reacts with ✅ as "check"/2705 and ❌ as
//     "cross_mark"/274c (NOTES §3.6).
//
// Delivery guarantees:
//   - Events reach the sink at least once. The queue ID, the last event ID
//     and the highest message ID handed over are kept in the chat.KV, and
//     advanced only after the sink accepted the event; a sink error means
//     the same events are fetched again.
//   - When the server lost the queue (BAD_EVENT_QUEUE_ID: 10 idle
//     minutes, a server restart), a new queue is registered and the
//     messages since the last handled one are fetched with GET /messages
//     and handed to the sink before any event of the new queue; a message
//     seen both ways has the same event ID, so the bot handles it once.
//     Reactions made while no queue existed cannot be fetched as events:
//     after the catch-up the sink gets a chat.EventResync, and the bot
//     reads the reactions on the messages it follows back through
//     Reactions (chat.ReactionLister).
//   - On the first start ever, history is not delivered: the catch-up
//     point is the newest message at registration.
//   - Sends are idempotent per TxnKey: the posted message ID is stored
//     under the key and a repeated send returns it. Zulip has no server
//     side transaction IDs, so a crash between the server's answer and
//     storing it (a few milliseconds) can still post twice.
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
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// Platform is the chat.Event.Platform of this transport.
const Platform = "zulip"

// KV key names (prefixed with "zulip.<bot e-mail>.").
const (
	kvQueueID     = "queue_id"
	kvLastEventID = "last_event_id"
	kvLastMsgID   = "last_message_id"
	kvSentPrefix  = "sent."
)

// userTTL is how long a looked-up user (e-mail, role) is trusted.
const userTTL = 10 * time.Minute

// Transport is the Zulip implementation of chat.Transport.
type Transport struct {
	cfg Config
	kv  chat.KV
	log zerolog.Logger
	cli *client

	connected atomic.Bool

	meMu sync.Mutex
	me   *ownUser

	mu    sync.Mutex
	users map[string]cachedUser // by user ID or lower-case e-mail
	locs  map[int]msgLoc        // message ID -> room/topic

	sendMu sync.Mutex
}

type ownUser struct {
	ID       int
	Email    string
	FullName string
}

type cachedUser struct {
	u  apiUser
	at time.Time
}

type msgLoc struct {
	Room, Thread string
}

var _ chat.Transport = (*Transport)(nil)

// New makes a transport; it does not talk to the server yet.
func New(cfg Config, kv chat.KV) (*Transport, error) {
	if kv == nil {
		return nil, errors.New("zulip: a KV is required")
	}
	if err := cfg.resolve(); err != nil {
		return nil, err
	}
	cfg.Log = cfg.Log.With().Str("component", "zulip").Logger()
	t := &Transport{
		cfg:   cfg,
		kv:    kv,
		log:   cfg.Log,
		users: map[string]cachedUser{},
		locs:  map[int]msgLoc{},
	}
	t.cli = newClient(&t.cfg)
	return t, nil
}

// Platform implements chat.Transport.
func (t *Transport) Platform() string { return Platform }

// Self implements chat.Transport. Before the first exchange with the
// server the ID is not known yet.
func (t *Transport) Self() chat.User {
	t.meMu.Lock()
	defer t.meMu.Unlock()
	if t.me == nil {
		return chat.User{DisplayName: t.cfg.BotName, Email: t.cfg.Email}
	}
	return chat.User{ID: strconv.Itoa(t.me.ID), DisplayName: t.me.FullName, Email: t.me.Email}
}

// Connected implements chat.Transport: true once the last long poll
// (heartbeats included) worked.
func (t *Transport) Connected() bool { return t.connected.Load() }

func (t *Transport) kvKey(name string) string {
	return "zulip." + strings.ToLower(t.cfg.Email) + "." + name
}

// ensureMe fetches the bot's own account once (GET /users/me).
func (t *Transport) ensureMe(ctx context.Context) (*ownUser, error) {
	t.meMu.Lock()
	defer t.meMu.Unlock()
	if t.me != nil {
		return t.me, nil
	}
	var resp struct {
		UserID   int    `json:"user_id"`
		Email    string `json:"email"`
		FullName string `json:"full_name"`
		IsBot    bool   `json:"is_bot"`
	}
	if err := t.cli.call(ctx, http.MethodGet, "/users/me", nil, &resp); err != nil {
		return nil, err
	}
	t.me = &ownUser{ID: resp.UserID, Email: resp.Email, FullName: resp.FullName}
	t.log.Info().Int("user_id", resp.UserID).Str("email", resp.Email).Str("full_name", resp.FullName).
		Bool("is_bot", resp.IsBot).Msg("Logged in to Zulip")
	return t.me, nil
}

// Run implements chat.Transport: subscribe to the configured channels,
// then long-poll the event queue and hand events to sink until ctx ends.
// It returns an error only when it cannot go on (credentials rejected).
func (t *Transport) Run(ctx context.Context, sink chat.Sink) error {
	if sink == nil {
		return errors.New("zulip: Run needs a sink")
	}
	defer t.connected.Store(false)
	for attempt := 0; ; attempt++ {
		_, err := t.ensureMe(ctx)
		if err == nil {
			break
		}
		if fatal(err) {
			return fmt.Errorf("zulip: the server rejected the bot's credentials: %w", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		d := backoff(attempt, t.cfg.Backoff, t.cfg.MaxBackoff)
		t.log.Warn().Err(err).Dur("retry_in", d).Msg("Zulip login failed, retrying")
		if !sleepCtx(ctx, d) {
			return nil
		}
	}
	for _, s := range t.cfg.Streams {
		if err := t.JoinRoom(ctx, s); err != nil {
			t.log.Warn().Err(err).Str("room", s).Msg("Could not subscribe to a configured channel")
		}
	}
	l := &loop{t: t, sink: sink}
	if err := l.load(ctx); err != nil {
		return err
	}
	return l.run(ctx)
}

// loop is the state of the event loop (one goroutine).
type loop struct {
	t           *Transport
	sink        chat.Sink
	queueID     string
	lastEventID int
	lastMsgID   int  // highest message ID handed to the sink
	haveMsgID   bool // lastMsgID is known (false on the first start ever)
	storedEvent int
}

func (l *loop) load(ctx context.Context) error {
	t := l.t
	get := func(name string) (string, error) {
		v, _, err := t.kv.Get(ctx, t.kvKey(name))
		return v, err
	}
	var err error
	if l.queueID, err = get(kvQueueID); err != nil {
		return fmt.Errorf("zulip: read state: %w", err)
	}
	ev, err := get(kvLastEventID)
	if err != nil {
		return fmt.Errorf("zulip: read state: %w", err)
	}
	l.lastEventID = -1
	if n, err := strconv.Atoi(ev); err == nil {
		l.lastEventID = n
	}
	l.storedEvent = l.lastEventID
	msg, err := get(kvLastMsgID)
	if err != nil {
		return fmt.Errorf("zulip: read state: %w", err)
	}
	if n, err := strconv.Atoi(msg); err == nil {
		l.lastMsgID, l.haveMsgID = n, true
	}
	t.log.Info().Str("queue_id", l.queueID).Int("last_event_id", l.lastEventID).Int("last_message_id", l.lastMsgID).
		Msg("Zulip event state loaded")
	return nil
}

func (l *loop) put(ctx context.Context, name, value string) {
	if err := l.t.kv.Put(ctx, l.t.kvKey(name), value); err != nil && ctx.Err() == nil {
		l.t.log.Warn().Err(err).Str("key", name).Msg("Could not store Zulip event state")
	}
}

func (l *loop) run(ctx context.Context) error {
	t := l.t
	failures := 0
	wait := func(err error) bool {
		t.connected.Store(false)
		d := backoff(failures, t.cfg.Backoff, t.cfg.MaxBackoff)
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests {
			d = t.cli.retryWait(err, failures)
		}
		failures++
		t.log.Warn().Err(err).Dur("retry_in", d).Msg("Zulip event loop failed, retrying")
		return sleepCtx(ctx, d)
	}
	for ctx.Err() == nil {
		if l.queueID == "" {
			if err := l.register(ctx); err != nil {
				if fatal(err) {
					return fmt.Errorf("zulip: register: %w", err)
				}
				if ctx.Err() != nil || !wait(err) {
					return nil
				}
				continue
			}
		}
		events, err := l.poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if IsCode(err, "BAD_EVENT_QUEUE_ID") {
			t.log.Warn().Str("queue_id", l.queueID).Msg("Zulip event queue lost, registering a new one and catching up")
			l.queueID = ""
			continue
		}
		if err != nil {
			if fatal(err) {
				return fmt.Errorf("zulip: events: %w", err)
			}
			if !wait(err) {
				return nil
			}
			continue
		}
		t.connected.Store(true)
		if err := l.deliver(ctx, events); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !wait(err) {
				return nil
			}
			continue
		}
		failures = 0
	}
	return nil
}

// register makes a new event queue; when the loop knows where it stopped,
// it then hands over the messages sent since (catch-up) before the new
// queue's events. The new queue is stored only after the catch-up went
// through, so a crash during it catches up again.
func (l *loop) register(ctx context.Context) error {
	t := l.t
	params := url.Values{
		"event_types":     {jsonValue([]string{"message", "reaction"})},
		"apply_markdown":  {"false"},
		"client_gravatar": {"true"},
		"slim_presence":   {"true"},
	}
	var resp struct {
		QueueID      string `json:"queue_id"`
		LastEventID  int    `json:"last_event_id"`
		MaxMessageID *int   `json:"max_message_id"`
		Version      string `json:"zulip_version"`
		FeatureLevel int    `json:"zulip_feature_level"`
	}
	if err := t.cli.call(ctx, http.MethodPost, "/register", params, &resp); err != nil {
		return err
	}
	t.log.Info().Str("queue_id", resp.QueueID).Str("zulip_version", resp.Version).Int("zulip_feature_level", resp.FeatureLevel).
		Msg("Registered a Zulip event queue")
	if !l.haveMsgID {
		// First start ever: history is not acted on.
		if resp.MaxMessageID != nil {
			l.lastMsgID = *resp.MaxMessageID
		}
		l.haveMsgID = true
		l.put(ctx, kvLastMsgID, strconv.Itoa(l.lastMsgID))
	} else {
		if err := l.catchUp(ctx); err != nil {
			return err
		}
		// Reactions made while no queue existed are lost as events: tell
		// the bot, which reads back the reactions it follows.
		if err := l.sink(ctx, chat.Event{Platform: Platform, Kind: chat.EventResync, ID: "zulip:resync:" + resp.QueueID, Time: time.Now()}); err != nil {
			return fmt.Errorf("sink: %w", err)
		}
	}
	l.queueID, l.lastEventID = resp.QueueID, resp.LastEventID
	l.put(ctx, kvQueueID, l.queueID)
	l.put(ctx, kvLastEventID, strconv.Itoa(l.lastEventID))
	l.storedEvent = l.lastEventID
	return nil
}

// catchUp hands the sink the messages after lastMsgID that the bot can
// see (its channels and direct messages), oldest first.
func (l *loop) catchUp(ctx context.Context) error {
	t := l.t
	fetched := 0
	for fetched < t.cfg.CatchUpLimit {
		params := url.Values{
			"anchor":          {strconv.Itoa(l.lastMsgID)},
			"include_anchor":  {"false"},
			"num_before":      {"0"},
			"num_after":       {"100"},
			"apply_markdown":  {"false"},
			"client_gravatar": {"true"},
		}
		var resp struct {
			FoundNewest bool         `json:"found_newest"`
			Messages    []apiMessage `json:"messages"`
		}
		if err := t.cli.call(ctx, http.MethodGet, "/messages", params, &resp); err != nil {
			return fmt.Errorf("catch up: %w", err)
		}
		for _, m := range resp.Messages {
			if m.ID <= l.lastMsgID {
				continue
			}
			if err := l.deliverMessage(ctx, m, m.Flags); err != nil {
				return err
			}
			fetched++
		}
		t.log.Info().Int("messages", len(resp.Messages)).Int("last_message_id", l.lastMsgID).Msg("Caught up on Zulip messages")
		if resp.FoundNewest || len(resp.Messages) == 0 {
			return nil
		}
	}
	t.log.Warn().Int("limit", t.cfg.CatchUpLimit).Msg("Zulip catch-up limit reached; older messages are skipped")
	return nil
}

// poll is one long poll of GET /events.
func (l *loop) poll(ctx context.Context) ([]json.RawMessage, error) {
	params := url.Values{
		"queue_id":      {l.queueID},
		"last_event_id": {strconv.Itoa(l.lastEventID)},
	}
	var resp struct {
		Events []json.RawMessage `json:"events"`
	}
	// No retries inside: the loop backs off and keeps the queue.
	if err := l.t.cli.callRetries(ctx, http.MethodGet, "/events", params, &resp, 0, l.t.cfg.PollTimeout); err != nil {
		return nil, err
	}
	return resp.Events, nil
}

// deliver hands events to the sink in order, advancing (and storing) the
// last event ID after each one the sink accepted.
func (l *loop) deliver(ctx context.Context, events []json.RawMessage) error {
	t := l.t
	for _, raw := range events {
		var head struct {
			ID   int    `json:"id"`
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			t.log.Warn().Err(err).Msg("Undecodable Zulip event skipped")
			continue
		}
		if head.ID <= l.lastEventID {
			continue
		}
		switch head.Type {
		case "heartbeat":
		case "message":
			var ev struct {
				Message apiMessage `json:"message"`
				Flags   []string   `json:"flags"`
			}
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.log.Warn().Err(err).Int("event_id", head.ID).Msg("Undecodable Zulip message event skipped")
				break
			}
			if err := l.deliverMessage(ctx, ev.Message, ev.Flags); err != nil {
				return err
			}
		case "reaction":
			var ev apiReactionEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.log.Warn().Err(err).Int("event_id", head.ID).Msg("Undecodable Zulip reaction event skipped")
				break
			}
			ce, ok, err := t.convertReaction(ctx, ev, l.queueID)
			if err != nil {
				return err
			}
			if ok {
				if err := l.sink(ctx, ce); err != nil {
					return fmt.Errorf("sink: %w", err)
				}
			}
		}
		l.lastEventID = head.ID
		if head.Type != "heartbeat" {
			l.put(ctx, kvLastEventID, strconv.Itoa(l.lastEventID))
			l.storedEvent = l.lastEventID
		}
	}
	return nil
}

// deliverMessage converts and hands over one message, then records it as
// the catch-up point.
func (l *loop) deliverMessage(ctx context.Context, m apiMessage, flags []string) error {
	t := l.t
	t.remember(m)
	ce, ok, err := t.convertMessage(ctx, m, flags)
	if err != nil {
		return err
	}
	if ok {
		if err := l.sink(ctx, ce); err != nil {
			return fmt.Errorf("sink: %w", err)
		}
	}
	if m.ID > l.lastMsgID {
		l.lastMsgID = m.ID
		l.put(ctx, kvLastMsgID, strconv.Itoa(l.lastMsgID))
	}
	return nil
}
