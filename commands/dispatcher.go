// Package commands is liaisonbot's command layer: the verb table (which
// generates help and usage lines), parsing, permission checks and the
// handlers. It sees chat platforms only through internal/chat; everything a
// handler does (database writes, replies through the outbox, the audit
// entry) happens in the transaction of the event being handled, so a crash
// leaves either nothing or everything.
package commands

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/llm"
	"github.com/liaisonbot/liaisonbot/internal/metrics"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// Env is what handlers may use besides the request's transaction.
type Env struct {
	Platform string
	Config   *config.Config
	// Chat answers questions about the platform (moderators); handlers
	// never send through it directly: replies go through the outbox.
	Chat chat.Transport
	Now  func() time.Time
	Log  zerolog.Logger
	// Docs looks up documents referenced in drafts (4053bis §4.3); nil
	// skips those warnings.
	Docs DocLookup
	// LLM is the optional language model (nil: off).
	LLM *llm.Client
	// Unreached says why the Datatracker was never reached ("" once it
	// was, or nil), so that an empty mirror is not reported as "none".
	Unreached func(ctx context.Context) string
}

// Verb is one entry of the verb table.
type Verb struct {
	Name    string
	Aliases []string
	Args    string // usage of the arguments, e.g. "<id>"
	Summary string // one line for the help list
	Help    string // longer help, citing the procedure's sections
	// Body names what the lines after the command hold, if anything.
	Body string
	// RequiresModerator lets only the room's moderators and bot admins
	// run the verb; RequiresIdentity, when set, says what a sender whose
	// Datatracker e-mail the bot does not know may not do ("draft
	// statements"). The dispatcher checks them once, before Run, as
	// mautrix's command handlers declare RequiresAdmin
	// (https://github.com/mautrix/go/blob/main/bridgev2/commands/handler.go).
	RequiresModerator bool
	RequiresIdentity  string
	Run               func(r *Request) error
}

// Usage is the verb's usage line.
func (v *Verb) Usage() string {
	u := "/liaison " + v.Name
	if v.Args != "" {
		u += " " + v.Args
	}
	if v.Body != "" {
		u += "\n<" + v.Body + " on the following lines>"
	}
	return u
}

// Dispatcher routes commands to verbs.
type Dispatcher struct {
	Env *Env
	// Reactions handles reactions (approvals); nil ignores them.
	Reactions ReactionHandler
	// Queued, if set, is called after a message was queued outside the
	// event's final transaction (the "working on it…" notice), to wake the
	// sender.
	Queued func()
	verbs  []*Verb
	byName map[string]*Verb
}

// New builds a dispatcher with the given verbs plus help.
func New(env *Env, verbs ...*Verb) *Dispatcher {
	d := &Dispatcher{Env: env, byName: map[string]*Verb{}}
	d.Register(&Verb{
		Name:    "help",
		Args:    "[verb]",
		Summary: "list the commands, or explain one",
		Help:    "Without a verb, lists every command. With one, shows its usage and what it does.",
		Run:     d.help,
	})
	d.Register(verbs...)
	return d
}

// Register adds verbs; a duplicate name is a programming error.
func (d *Dispatcher) Register(verbs ...*Verb) {
	for _, v := range verbs {
		for _, n := range append([]string{v.Name}, v.Aliases...) {
			if _, dup := d.byName[n]; dup {
				panic("commands: verb registered twice: " + n)
			}
			d.byName[n] = v
		}
		d.verbs = append(d.verbs, v)
	}
	sort.Slice(d.verbs, func(i, j int) bool { return d.verbs[i].Name < d.verbs[j].Name })
}

// Verbs lists the verb table in help order.
func (d *Dispatcher) Verbs() []*Verb { return d.verbs }

// Lookup finds a verb by name or alias.
func (d *Dispatcher) Lookup(name string) *Verb { return d.byName[name] }

// Request is one command being handled.
type Request struct {
	Ctx    context.Context
	Q      store.Q
	Env    *Env
	Event  chat.Event
	Verb   *Verb
	Parsed Parsed
	// Result is what the audit log records: ok, usage, denied, not_found…
	Result string
	Detail map[string]any
	// Log is the request's logger: verb, room, sender and event ID.
	Log     zerolog.Logger
	replies int
}

// NewRequest is the request of one chat event, a command's or a
// reaction's: its transaction q, the environment, and a logger carrying
// the verb (or the event kind), room, sender and event ID.
func NewRequest(ctx context.Context, q store.Q, env *Env, evt chat.Event, verb string) *Request {
	log := env.Log.With().Str("verb", verb).Str("room", evt.Room).Str("sender", evt.Sender.ID).Str("event_id", evt.ID).Logger()
	return &Request{Ctx: ctx, Q: q, Env: env, Event: evt, Result: "ok", Log: log}
}

// about is the same request about another event (a reaction rebuilt by a
// resync).
func (r *Request) about(evt chat.Event) *Request {
	return NewRequest(r.Ctx, r.Q, r.Env, evt, string(evt.Kind))
}

// UsageError is bad input: the user gets the message and the usage line.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef makes a UsageError.
func Usagef(format string, args ...any) error { return &UsageError{Msg: fmt.Sprintf(format, args...)} }

// DeniedError is a refusal on permissions: the user gets the message.
type DeniedError struct{ Msg string }

func (e *DeniedError) Error() string { return e.Msg }

// Deniedf makes a DeniedError.
func Deniedf(format string, args ...any) error {
	return &DeniedError{Msg: fmt.Sprintf(format, args...)}
}

// Reply queues a message in the room (and thread) of the command. Each
// reply has a deterministic transaction key derived from the command's
// event ID, so handling the same command again cannot post twice.
func (r *Request) Reply(doc chat.Doc) error {
	r.replies++
	_, err := r.Q.Enqueue(r.Ctx, r.Env.Platform, store.KindReply, chat.Outgoing{
		Room:   r.Event.Room,
		Thread: r.Event.Thread,
		Body:   doc,
		Notice: true,
		TxnKey: fmt.Sprintf("reply/%s/%d", r.Event.ID, r.replies),
	})
	return err
}

// Replyf queues a plain-text reply. The text is literal (escaped by the
// renderer), never markup.
func (r *Request) Replyf(format string, args ...any) error {
	return r.Reply(chat.Text(fmt.Sprintf(format, args...)))
}

// Send queues a message elsewhere with an explicit, deterministic key.
func (r *Request) Send(kind string, msg chat.Outgoing, react ...string) (int64, error) {
	msg.Notice = true
	return r.Q.Enqueue(r.Ctx, r.Env.Platform, kind, msg, react...)
}

// Actor is the sender's identity string for the audit log.
func (r *Request) Actor() string { return r.Event.Sender.ID }

// IsAdmin reports whether the sender is a configured admin.
func (r *Request) IsAdmin() bool {
	if r.Env.Config == nil {
		return false
	}
	for _, a := range r.Env.Config.Admins {
		if strings.EqualFold(a, r.Event.Sender.ID) || (r.Event.Sender.Email != "" && strings.EqualFold(a, r.Event.Sender.Email)) {
			return true
		}
	}
	return false
}

// Handle handles one chat message: if it is a command, runs it and records
// it in the audit log, all on q (the event's transaction). It reports
// whether the message was a command. An error is an internal failure (the
// transaction should be rolled back and the event retried); bad input and
// refusals are answered in chat and are not errors.
func (d *Dispatcher) Handle(ctx context.Context, q store.Q, evt chat.Event) (bool, error) {
	p, ok := Parse(evt.Text, evt.MentionsBot, evt.Direct)
	if !ok {
		return false, nil
	}
	r := NewRequest(ctx, q, d.Env, evt, p.Verb)
	r.Parsed = p

	var err error
	switch v := d.byName[p.Verb]; {
	case p.Verb == "":
		r.Verb = d.byName["help"]
		err = d.help(r)
	case v == nil:
		r.Result = "unknown"
		err = r.Reply(d.unknown(p.Verb))
	default:
		r.Verb = v
		if len(p.Args) == 1 && (p.Args[0] == "help" || p.Args[0] == "--help" || p.Args[0] == "-h") {
			err = r.Reply(d.verbHelp(v))
		} else {
			if err = d.authorize(r, v); err == nil {
				err = v.Run(r)
			}
		}
	}

	var ue *UsageError
	var de *DeniedError
	switch {
	case errors.As(err, &ue):
		r.Result = "usage"
		err = r.Reply(chat.NewDoc(
			chat.P(chat.T("⚠ "+ue.Msg)),
			chat.P(chat.T("Usage: "), chat.C(r.Verb.Usage())),
			chat.P(chat.T("More: "), chat.C("/liaison help "+r.Verb.Name)),
		))
	case errors.As(err, &de):
		r.Result = "denied"
		err = r.Reply(chat.Text("⛔ " + de.Msg))
	}
	if incomplete(ctx) {
		return true, errNeedNetwork // rolled back and run again: log the final pass only
	}
	if err != nil {
		r.Log.Error().Err(err).Msg("command failed")
		return true, err
	}
	verb := p.Verb
	if r.Verb != nil {
		verb = r.Verb.Name
	}
	r.Log.Info().Str("result", r.Result).Msg("command")
	metrics.Commands.WithLabelValues(verb, r.Result).Inc()
	return true, q.AddAudit(ctx, store.Audit{
		Platform:   d.Env.Platform,
		Actor:      evt.Sender.ID,
		ActorEmail: evt.Sender.Email,
		Room:       evt.Room,
		Action:     "command:" + verb,
		Args:       strings.TrimSpace(p.Raw + "\n" + p.Body),
		Result:     r.Result,
		Detail:     r.Detail,
	})
}

// authorize checks the permissions the verb declares.
func (d *Dispatcher) authorize(r *Request, v *Verb) error {
	if v.RequiresIdentity != "" {
		if err := r.requireIdentity(v.RequiresIdentity); err != nil {
			return err
		}
	}
	if v.RequiresModerator {
		return r.requireModerator()
	}
	return nil
}

// Apology is the reply a user gets when their command failed on our side
// and will not be retried any more.
func Apology(evt chat.Event) chat.Outgoing {
	return chat.Outgoing{
		Room:   evt.Room,
		Thread: evt.Thread,
		Body:   chat.Text("⚠ Sorry, that command failed on our side and has been logged for the operator. Please try again later."),
		Notice: true,
		TxnKey: "apology/" + evt.ID,
	}
}

func (d *Dispatcher) help(r *Request) error {
	if len(r.Parsed.Args) > 0 {
		name := strings.ToLower(r.Parsed.Args[0])
		v := d.byName[name]
		if v == nil {
			r.Result = "unknown"
			return r.Reply(d.unknown(name))
		}
		return r.Reply(d.verbHelp(v))
	}
	doc := chat.NewDoc(chat.P(
		chat.B("liaisonbot"),
		chat.T(" tracks IETF liaison statements (draft-iab-rfc4053bis): announcements, drafts and approvals, deadlines. "+
			"Write commands as /liaison <verb>, or !liaison <verb> where your client takes /liaison for its own."),
	))
	var items [][]chat.Span
	for _, v := range d.verbs {
		items = append(items, chat.Item(chat.C(strings.TrimSpace(v.Name+" "+v.Args)), chat.T(" — "+v.Summary)))
	}
	doc.Add(chat.List(items...), chat.P(chat.T("Details of one command: "), chat.C("/liaison help <verb>")))
	return r.Reply(doc)
}

func (d *Dispatcher) verbHelp(v *Verb) chat.Doc {
	summary := []rune(v.Summary)
	if len(summary) > 0 {
		summary[0] = unicode.ToUpper(summary[0])
	}
	doc := chat.NewDoc(chat.P(chat.T("Usage: "), chat.C(v.Usage())), chat.P(chat.T(string(summary)+".")))
	if v.Help != "" {
		doc.Add(chat.P(chat.T(v.Help)))
	}
	if len(v.Aliases) > 0 {
		doc.Add(chat.P(chat.T("Also: " + strings.Join(v.Aliases, ", "))))
	}
	return doc
}

func (d *Dispatcher) unknown(verb string) chat.Doc {
	doc := chat.NewDoc(chat.P(chat.T("Unknown command "), chat.C(verb), chat.T(".")))
	if best := d.closest(verb); best != "" {
		doc.Add(chat.P(chat.T("Did you mean "), chat.C("/liaison "+best), chat.T("?")))
	}
	doc.Add(chat.P(chat.T("All commands: "), chat.C("/liaison help")))
	return doc
}

// closest finds the verb nearest to s by edit distance (at most 3), or by
// prefix.
func (d *Dispatcher) closest(s string) string {
	return nearest(s, slices.Collect(maps.Keys(d.byName)), 4)
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
