// Package bot wires liaisonbot together: a chat transport, the store, the
// command dispatcher and the background workers (inbox, outbox, and later
// the Datatracker poller and the reminder schedule).
//
// The flow of every chat event: the transport hands it to the sink, which
// records it in chat_event (a replayed event is a no-op) and returns at
// once; an inbox worker claims it (a lease, committed at once; one room's
// events in order, rooms in parallel), makes the handler's network reads
// outside any transaction, then records, queues replies in the outbox and
// marks the event handled in one short transaction; the outbox worker sends them
// with deterministic transaction IDs. A crash anywhere leaves work to be
// redone, never lost, and never done twice.
package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/commands"
	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/httpapi"
	"github.com/liaisonbot/liaisonbot/internal/llm"
	"github.com/liaisonbot/liaisonbot/internal/llm/llmstore"
	"github.com/liaisonbot/liaisonbot/internal/metrics"
	"github.com/liaisonbot/liaisonbot/internal/mirror"
	"github.com/liaisonbot/liaisonbot/internal/pending"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// maxAttempts is how often an event is tried before the user gets an
// apology and the event is left for the operator.
const maxAttempts = 5

// defaultInboxWorkers is how many events are handled at once when the
// options do not say.
const defaultInboxWorkers = 4

// Bot is a running liaisonbot.
type Bot struct {
	Config   *config.Config
	Log      zerolog.Logger
	Store    *store.Store
	Chat     chat.Transport
	Commands *commands.Dispatcher
	Now      func() time.Time
	Mirror   *mirror.Mirror
	// Pending tells the approvers of statements pending in the
	// Datatracker (after each successful poll).
	Pending   *pending.Service
	inboxWake chan struct{}
	sendWake  chan struct{}
	pollNow   chan struct{}
	// PollInterval overrides the configured Datatracker poll interval
	// (tests).
	PollInterval time.Duration
	// PollEvery is how often idle workers look for work another replica
	// (or a transaction committed elsewhere) left.
	PollEvery time.Duration
	// OutboxWorkers send in parallel (to different rooms; one room's
	// messages keep their order).
	OutboxWorkers int
	// InboxWorkers handle events in parallel (different rooms; one room's
	// events keep their order); 0 means defaultInboxWorkers.
	InboxWorkers int
	// LeaderTasks run on the one replica holding the leader lock.
	LeaderTasks []LeaderTask
	// LeaderCheck is how often the leader checks its lock's session is
	// alive; LeaderRetry how often the others try to take over.
	LeaderCheck, LeaderRetry time.Duration
	// HTTP serves /healthz, /readyz, /metrics and the calendars when the
	// config has http.listen (or HTTPListener is set, in tests).
	HTTP         *httpapi.Server
	HTTPListener net.Listener
	leading      atomic.Bool
	sessionRan   atomic.Bool // the exclusive chat session ran in this process
	reach        reach
}

// New builds a bot on an open store and a transport.
func New(cfg *config.Config, log zerolog.Logger, st *store.Store, tr chat.Transport) *Bot {
	b := &Bot{
		Config:      cfg,
		Log:         log,
		Store:       st,
		Chat:        tr,
		Now:         time.Now,
		inboxWake:   make(chan struct{}, 1),
		sendWake:    make(chan struct{}, 1),
		pollNow:     make(chan struct{}, 1),
		PollEvery:   2 * time.Second,
		LeaderCheck: 5 * time.Second,
		LeaderRetry: 5 * time.Second,
	}
	b.OutboxWorkers = outboxWorkers(cfg)
	b.InboxWorkers = cfg.Chat.InboxWorkers // chat.inbox_workers; 0 (tests' configs) is the default
	b.Mirror = NewMirror(cfg, st, tr.Platform(), log)
	b.Mirror.Now = b.now // the reminder window of RefreshTracked follows the bot's clock
	lm := llm.New(cfg.LLM, log, llmstore.Recorder(st, log))
	if z := llmstore.NewSummarizer(lm, st, cfg.Datatracker.URL, log); z != nil {
		b.Mirror.Summarizer = z
	}
	b.LeaderTasks = []LeaderTask{{Name: "datatracker", Run: b.pollLoop}, {Name: "reminders", Run: b.RunReminders}}
	if b.exclusive() {
		b.LeaderTasks = append(b.LeaderTasks, LeaderTask{Name: "chat", Run: b.chatSession})
	}
	b.HTTP = httpapi.New(log.With().Str("component", "http").Logger(), b.readinessChecks()...)
	b.HTTP.Handle("GET /calendar/", b.CalendarHandler())
	env := &commands.Env{Platform: tr.Platform(), Config: cfg, Chat: tr, Now: b.now, Log: log.With().Str("component", "commands").Logger(),
		Docs: newDocLookup(b.Mirror.DT, st)}
	env.Unreached = b.datatrackerUnreached
	b.Commands = commands.New(env, commands.RoomVerbs()...)
	b.Commands.Register(commands.StatementVerbs()...)
	b.Commands.Register(commands.DraftVerbs()...)
	b.Commands.Register(commands.LLMVerbs(lm)...)
	env.LLM = lm
	b.Commands.Register(commands.ReminderVerbs()...)
	b.Commands.Reactions = &commands.Approvals{Env: env}
	b.Pending = &pending.Service{Store: st, Platform: tr.Platform(), Users: env.Identities(), ApprovalsRoom: cfg.ApprovalsRoom,
		Directory: commands.LoadDirectory, Overrides: cfg.Approvals.Overrides, Docs: env.Docs, Base: cfg.Datatracker.URL,
		DeadlineZone: cfg.Reminders.DeadlineTimezone, RemindEvery: cfg.Approvals.PendingRemindEvery,
		MaxReminders: cfg.Approvals.PendingMaxReminders, Now: b.now, Log: log.With().Str("component", "pending").Logger()}
	if d, ok := tr.(chat.DirectOpener); ok {
		b.Pending.Direct = d
	}
	b.Commands.Queued = func() { nudge(b.sendWake) }
	return b
}

// NewMirror builds the Datatracker mirror of the config.
func NewMirror(cfg *config.Config, st *store.Store, platform string, log zerolog.Logger) *mirror.Mirror {
	return &mirror.Mirror{
		DT:           datatracker.New(cfg.Datatracker.URL, datatracker.WithTimeout(cfg.Datatracker.Timeout)),
		Store:        st,
		Platform:     platform,
		Log:          log.With().Str("component", "mirror").Logger(),
		Base:         cfg.Datatracker.URL,
		DeadlineZone: cfg.Reminders.DeadlineTimezone,
	}
}

func (b *Bot) now() time.Time { return b.Now() }

func nudge(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Sink records an incoming event; the transport calls it in its receive
// loop, so it only writes one row and returns.
func (b *Bot) Sink(ctx context.Context, evt chat.Event) error {
	if evt.Platform == "" {
		evt.Platform = b.Chat.Platform()
	}
	if evt.Sender.ID == b.Chat.Self().ID {
		return nil
	}
	isNew, err := b.Store.RecordEvent(ctx, evt)
	if err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	if isNew {
		nudge(b.inboxWake)
	}
	return nil
}

// Run syncs the configured room bindings, then runs the transport and the
// workers until ctx ends or one of them fails.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.SyncConfigRooms(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	run := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
				select {
				case errs <- fmt.Errorf("%s: %w", name, err):
				default: // the first error is the one reported
				}
				cancel()
			}
		}()
	}
	if !b.exclusive() {
		run("chat", func(ctx context.Context) error {
			err := b.Chat.Run(ctx, b.Sink)
			if err == nil && ctx.Err() == nil {
				// The transport ended (console EOF): finish what was asked,
				// then stop the bot.
				b.drain(ctx, 30*time.Second)
				cancel()
			}
			return err
		})
		for i := range max(b.OutboxWorkers, 1) {
			run(fmt.Sprintf("outbox %d", i+1), b.outboxLoop)
		}
	}
	inbox := b.InboxWorkers
	if inbox <= 0 {
		inbox = defaultInboxWorkers
	}
	for i := range inbox {
		run(fmt.Sprintf("inbox %d", i+1), b.inboxLoop)
	}
	run("leader", b.leaderLoop)
	switch {
	case b.HTTPListener != nil:
		run("http", func(ctx context.Context) error { return b.HTTP.ServeListener(ctx, b.HTTPListener) })
	case b.Config.HTTP.Listen != "":
		run("http", func(ctx context.Context) error { return b.HTTP.Serve(ctx, b.Config.HTTP.Listen) })
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// drain waits until every recorded event is handled and every queued
// message sent, or the time-out passes.
func (b *Bot) drain(ctx context.Context, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	platform := b.Chat.Platform()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		nudge(b.inboxWake)
		nudge(b.sendWake)
		ev, err1 := b.Store.PendingEvents(ctx, platform)
		out, err2 := b.Store.OutboxPending(ctx, platform)
		if err1 == nil && err2 == nil && ev == 0 && out == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// SyncConfigRooms makes the config-sourced room bindings match the config.
func (b *Bot) SyncConfigRooms(ctx context.Context) error {
	var want []store.Binding
	for _, r := range b.Config.Rooms {
		if r.Coordination {
			want = append(want, store.Binding{Room: r.Room, Coordination: true})
		}
		for _, g := range r.Groups {
			want = append(want, store.Binding{Room: r.Room, Group: g})
		}
	}
	return b.Store.SyncConfigBindings(ctx, b.Chat.Platform(), want)
}

func (b *Bot) wait(ctx context.Context, wake chan struct{}) error {
	t := time.NewTimer(b.PollEvery)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wake:
	case <-t.C:
	}
	return nil
}

func (b *Bot) inboxLoop(ctx context.Context) error {
	// After each event there may be more: wake a peer to handle another
	// room in parallel.
	return b.work(ctx, "inbox", b.inboxWake, b.HandleNextEvent, func() { nudge(b.inboxWake) })
}

// eventLease is how long a claim holds without being renewed; a worker
// renews it every third of that while it handles the event, so only a dead
// worker's claim expires.
const eventLease = 15 * time.Second

// HandleNextEvent handles the oldest claimable event, if any. The claim is
// committed at once (no transaction stays open while the handler waits on
// the network); the handler prepares outside any transaction and records
// its effects and the event's handled mark in one short transaction
// (commands.Process). A crash leaves the claim to expire and the event to
// be handled again; handlers are idempotent (deterministic outbox keys).
func (b *Bot) HandleNextEvent(ctx context.Context) (bool, error) {
	platform := b.Chat.Platform()
	claimed, err := b.Store.ClaimEvent(ctx, platform, maxAttempts, eventLease)
	if claimed == nil || err != nil {
		return false, err
	}
	log := b.Log.With().Str("event_id", claimed.Event.ID).Str("room", claimed.Event.Room).Logger()
	stop := b.keepLease(ctx, claimed.ID, log)
	err = b.Commands.Process(ctx, b.Store, claimed.Event, func(ctx context.Context, q store.Q) error {
		return q.MarkEventHandled(ctx, claimed.ID)
	})
	stop()
	if errors.Is(err, store.ErrEventTaken) {
		log.Warn().Msg("event was handled by another worker after this one's claim expired")
		return true, nil
	}
	if err == nil {
		nudge(b.sendWake)
		return true, nil
	}
	if ctx.Err() != nil {
		// Stopping: give the claim back so a restart (or another
		// replica) handles the event at once instead of after the lease.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if rerr := b.Store.ReleaseEvent(rctx, claimed.ID); rerr != nil {
			log.Warn().Err(rerr).Msg("could not release the event's claim; it is handled after the lease expires")
		}
		return false, ctx.Err()
	}
	// The handler's work was rolled back: record the attempt, and after the
	// last one tell the user instead of failing silently.
	log.Error().Err(err).Int("attempt", claimed.Attempts+1).Msg("handling event failed")
	ferr := b.Store.Tx(ctx, func(q store.Q) error {
		if err := q.MarkEventFailed(ctx, claimed.ID, err.Error()); err != nil {
			return err
		}
		if claimed.Attempts+1 >= maxAttempts && claimed.Event.Kind == chat.EventMessage {
			_, err := q.Enqueue(ctx, platform, store.KindNotice, commands.Apology(claimed.Event))
			return err
		}
		return nil
	})
	return true, ferr
}

// keepLease renews the claim of event id until the returned stop is
// called.
func (b *Bot) keepLease(ctx context.Context, id int64, log zerolog.Logger) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(eventLease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if err := b.Store.ExtendEventLease(ctx, id, eventLease); err != nil {
					log.Warn().Err(err).Msg("renewing the event's claim failed")
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (b *Bot) outboxLoop(ctx context.Context) error {
	// After each send there may be more: wake a peer to send in parallel.
	return b.work(ctx, "outbox", b.sendWake, b.SendNext, func() { nudge(b.sendWake) })
}

// work runs step until it finds nothing to do, then waits for wake (or
// PollEvery). When step fails (the database is away) it waits longer each
// time, up to 30 s, so an outage does not flood the log.
func (b *Bot) work(ctx context.Context, name string, wake chan struct{}, step func(context.Context) (bool, error), after func()) error {
	failures := 0
	for {
		for {
			did, err := step(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				failures++
				b.Log.Error().Err(err).Int("failures", failures).Msg(name)
				break
			}
			failures = 0
			if !did {
				break
			}
			if after != nil {
				after()
			}
		}
		if failures > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff(failures, b.PollEvery, 30*time.Second)):
			}
			continue
		}
		if err := b.wait(ctx, wake); err != nil {
			return err
		}
	}
}

// SendNext delivers the oldest due outbox item, if any. The send happens
// while the row is locked, so two replicas never send the same item, and
// with the item's deterministic transaction key, so a send retried after a
// crash posts once.
//
// A send that has started finishes (and is recorded) even when ctx ends:
// on shutdown, in-flight sends complete instead of leaving a message
// posted but unrecorded (which a platform without transaction IDs, like
// Zulip, would post again).
func (b *Bot) SendNext(parent context.Context) (bool, error) {
	if err := parent.Err(); err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), sendGrace)
	defer cancel()
	platform := b.Chat.Platform()
	did := false
	err := b.Store.Tx(ctx, func(q store.Q) error {
		it, err := q.ClaimOutbox(ctx, platform, b.Now())
		if err != nil || it == nil {
			return err
		}
		did = true
		// Wake an idle peer now, not after this send: the next room's
		// send starts while this one is in flight.
		nudge(b.sendWake)
		log := b.Log.With().Int64("outbox_id", it.ID).Str("kind", it.Kind).Str("room", it.Msg.Room).Logger()
		if it.EditOf != 0 {
			return b.sendEdit(ctx, q, it, log)
		}
		sentID := it.SentID
		if it.SentAt == nil {
			sent, err := b.send(ctx, it, log)
			if err != nil {
				return b.sendFailed(ctx, q, it, log, err)
			}
			if err := q.MarkSent(ctx, it.ID, sent); err != nil {
				return err
			}
			sentID = sent.ID
			metrics.Sent.WithLabelValues(it.Kind).Inc()
			if it.Attempts > 0 {
				metrics.SendRetries.Inc()
			}
			log.Debug().Str("sent_id", sent.ID).Msg("sent")
			if len(it.React) > 0 {
				// Commit where the message landed before adding the bot's
				// own reactions (two more requests): a person's ✅ given
				// meanwhile must find the approval request it answers.
				// The next claim adds the reactions.
				nudge(b.sendWake)
				return nil
			}
		}
		if len(it.React) > 0 {
			for _, key := range it.React {
				if err := b.Chat.React(ctx, it.Msg.Room, sentID, key, it.Msg.TxnKey+"/react/"+key); err != nil {
					return b.sendFailed(ctx, q, it, log, err)
				}
			}
			return q.MarkReacted(ctx, it.ID)
		}
		return nil
	})
	return did, err
}

// sendEdit replaces the text of the message of the row it.EditOf (the
// room's queue sent that row first). Editing is idempotent: a retry after a
// crash edits to the same text again.
func (b *Bot) sendEdit(ctx context.Context, q store.Q, it *store.OutboxItem, log zerolog.Logger) error {
	target, err := q.OutboxByID(ctx, it.EditOf)
	if err != nil {
		return err
	}
	if target == nil || target.SentID == "" {
		// Nothing was posted to edit (given up, or a transport that has no
		// message IDs): the edit has nothing to do.
		log.Warn().Int64("edit_of", it.EditOf).Msg("edit of a message that was not posted; skipped")
		return q.MarkOutboxFailed(ctx, it.ID, "the message to edit was not posted")
	}
	if err := b.Chat.Edit(ctx, target.Msg.Room, target.SentID, it.Msg.Body, it.Msg.TxnKey); err != nil {
		return b.sendFailed(ctx, q, it, log, err)
	}
	metrics.Sent.WithLabelValues(it.Kind).Inc()
	return q.MarkSent(ctx, it.ID, chat.Sent{Room: target.Msg.Room})
}

// send posts an outbox item. On a transport that can look for a message it
// sent (chat.SentFinder), the start of the attempt is committed first, and
// when an earlier attempt had started (the bot may have crashed after the
// server stored the message) it asks the server before posting again.
func (b *Bot) send(ctx context.Context, it *store.OutboxItem, log zerolog.Logger) (chat.Sent, error) {
	f, ok := b.Chat.(chat.SentFinder)
	if !ok {
		return b.Chat.Send(ctx, it.Msg)
	}
	before, since, err := b.Store.NoteSendStarted(ctx, it.ID)
	if err != nil {
		return chat.Sent{}, err
	}
	if before {
		sent, found, err := f.FindSent(ctx, it.Msg)
		if err != nil {
			return chat.Sent{}, err
		}
		if found {
			log.Info().Str("sent_id", sent.ID).Msg("an earlier attempt was posted; not sending again")
			return sent, nil
		}
		if since < sentSettle {
			// The server may have stored the earlier attempt without
			// showing it yet (Dendrite's sync API indexes events
			// asynchronously): look again later rather than post twice.
			return chat.Sent{}, errNotVisibleYet
		}
	}
	return b.Chat.Send(ctx, it.Msg)
}

// sentSettle is how long after an interrupted attempt the bot waits for
// the message to show in the room before it concludes that the attempt
// never reached the server and sends it again.
const sentSettle = 10 * time.Second

var errNotVisibleYet = errors.New("an interrupted earlier attempt may not be visible in the room yet; looking again later")

func (b *Bot) sendFailed(ctx context.Context, q store.Q, it *store.OutboxItem, log zerolog.Logger, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	metrics.SendErrors.Inc()
	if errors.Is(err, chat.ErrRejected) && it.Attempts+1 >= maxRejections {
		return b.giveUp(ctx, q, it, log, err)
	}
	delay := backoff(it.Attempts+1, 2*time.Second, maxSendBackoff)
	log.Warn().Err(err).Int("attempt", it.Attempts+1).Dur("retry_in", delay).Msg("send failed")
	return q.MarkSendFailed(ctx, it.ID, err.Error(), b.Now().Add(delay))
}

// maxRejections is how many times the chat server may refuse a message for
// good (chat.ErrRejected) before the bot gives it up: a refusal can follow
// a moment's state (a room the bot was just invited to), but a message
// too large or malformed is refused every time.
const maxRejections = 4

// giveUp marks a refused message failed and tells the room it was meant
// for (the person whose command caused it is there), unless the message
// was itself such a notice.
func (b *Bot) giveUp(ctx context.Context, q store.Q, it *store.OutboxItem, log zerolog.Logger, err error) error {
	metrics.SendFailed.WithLabelValues(it.Kind).Inc()
	log.Error().Err(err).Int("attempts", it.Attempts+1).Msg("the chat server refused the message; giving it up")
	if err := q.MarkOutboxFailed(ctx, it.ID, err.Error()); err != nil {
		return err
	}
	if strings.HasPrefix(it.Msg.TxnKey, failedKeyPrefix) || it.Kind == store.KindEdit {
		// An edit refused (e.g. past Zulip's edit time limit) loses
		// nothing: the thread below the message has every outcome.
		return nil
	}
	doc := chat.NewDoc(chat.P(chat.T("⚠ A message of the bot could not be posted here: the chat server refused it (" +
		reason(err) + "). It is not retried. Try a shorter text or ask the bot's operator; the log has the details.")))
	_, qerr := q.Enqueue(ctx, it.Platform, store.KindNotice, chat.Outgoing{Room: it.Msg.Room, Thread: it.Msg.Thread,
		Body: doc, Notice: true, TxnKey: failedKeyPrefix + it.Msg.TxnKey})
	return qerr
}

// failedKeyPrefix starts the key of a notice about a message given up.
const failedKeyPrefix = "failed/"

// reason is what the server said (e.g. "M_TOO_LARGE (HTTP 413): event too
// large"), without the bot's own context, kept short.
func reason(err error) string {
	s := err.Error()
	if _, after, ok := strings.Cut(s, chat.ErrRejected.Error()+": "); ok {
		s = after
	}
	if r := []rune(s); len(r) > 160 {
		s = string(r[:160]) + "…"
	}
	return s
}

// sendGrace bounds how long an in-flight send may take to finish after
// shutdown began.
const sendGrace = 30 * time.Second

// maxSendBackoff bounds the wait between retries of one message, so a
// message is delivered within a minute of the homeserver's recovery.
const maxSendBackoff = time.Minute

// backoff is the one back-off of the bot's loops: the wait after the
// failures-th consecutive failure (1, 2, …) doubles from first and stops
// growing at limit.
func backoff(failures int, first, limit time.Duration) time.Duration {
	d := first
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
