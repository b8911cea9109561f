package commands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/llm"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// Prepare, then commit. A handler never makes a network call (Datatracker,
// model, platform look-ups) while its transaction is open: one slow answer
// would hold row locks and a pooled connection, and stall every room. A
// handler asks for network answers through fetch; Process runs the handler
// in a transaction, and when it asked for an answer it did not have yet,
// rolls that pass back, fetches outside any transaction, and runs the
// handler again in a fresh, short transaction. That pass reads the state
// again (a draft's revision and state), so a change made meanwhile is seen:
// an answer keyed by what it depends on (a draft's revision) is fetched
// anew, and the handler decides on the state as it is now. The mirror
// works the same way (summaries are prepared before its transaction).

// TxRunner runs a function in a database transaction (*store.Store).
type TxRunner interface {
	Tx(ctx context.Context, fn func(q store.Q) error) error
}

// errNeedNetwork aborts a pass that asked for a network answer it did not
// have; the pass is rolled back and run again once the answer is there.
var errNeedNetwork = errors.New("commands: network answer needed before the transaction")

// maxPasses bounds how often a handler is re-prepared when the state it
// read keeps changing (or its reads depend on each other).
const maxPasses = 8

type answer struct {
	v   any
	err error
}

type netCall struct {
	key  string
	slow bool
	fn   func(context.Context) (any, error)
}

// prepared holds the network answers of one event being handled.
type prepared struct {
	mu      sync.Mutex
	answers map[string]answer
	missing []netCall
	acked   bool // "working on it…" queued
}

type preparedKey struct{}

// fetch returns the answer of the network read fn, known by key (which
// names everything the answer depends on). Inside Process it never calls
// fn during a transaction: it returns the answer fetched before the pass,
// or records the need and returns errNeedNetwork. Outside Process (a test
// driving Handle on its own transaction) it calls fn.
//
// slow marks a long call (a model): the user gets "working on it…" at once
// and the answer as a later message. A slow call is only queued when the
// pass lacks nothing else, since its input may depend on those answers.
func fetch[T any](ctx context.Context, key string, slow bool, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	p, _ := ctx.Value(preparedKey{}).(*prepared)
	if p == nil {
		return fn(ctx)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if a, ok := p.answers[key]; ok {
		v, _ := a.v.(T)
		return v, a.err
	}
	if slow && len(p.missing) > 0 {
		return zero, errNeedNetwork
	}
	for _, m := range p.missing {
		if m.key == key {
			return zero, errNeedNetwork
		}
	}
	p.missing = append(p.missing, netCall{key: key, slow: slow, fn: func(c context.Context) (any, error) { return fn(c) }})
	return zero, errNeedNetwork
}

// needsNetwork reports whether err is a pass waiting for an answer (the
// handler should stop, not warn: the pass is rolled back).
func needsNetwork(err error) bool { return errors.Is(err, errNeedNetwork) }

// WorkingDoc is the immediate answer to a command whose result takes long
// (a model call); the result follows as a later message.
func WorkingDoc() chat.Doc { return chat.Text("⏳ Working on it… the answer follows in a moment.") }

// Process handles evt the prepare-then-commit way: network reads outside
// any transaction, then one short transaction that handles the event on
// the state as it is, records, audits, enqueues, and runs commit (which
// marks the event handled) before committing. The transaction's context
// is marked (store.MarkTx), so a network call made under it can be caught.
func (d *Dispatcher) Process(ctx context.Context, st TxRunner, evt chat.Event, commit func(ctx context.Context, q store.Q) error) error {
	p := &prepared{answers: map[string]answer{}}
	pctx := context.WithValue(ctx, preparedKey{}, p)
	for pass := 1; ; pass++ {
		p.mu.Lock()
		p.missing = nil
		p.mu.Unlock()
		tctx := store.MarkTx(pctx)
		err := st.Tx(tctx, func(q store.Q) error {
			herr := d.HandleEvent(tctx, q, evt)
			p.mu.Lock()
			missing := len(p.missing) > 0
			p.mu.Unlock()
			if missing {
				return errNeedNetwork // roll back whatever the pass did
			}
			if herr != nil {
				return herr
			}
			return commit(tctx, q)
		})
		p.mu.Lock()
		missing := p.missing
		p.mu.Unlock()
		if len(missing) == 0 {
			return err
		}
		if pass >= maxPasses {
			return fmt.Errorf("commands: %s still needed network answers after %d passes", evt.ID, pass)
		}
		if err := d.ack(ctx, st, evt, p, missing); err != nil {
			return err
		}
		// The reads of one pass are independent (a slow one is only asked
		// alone): ask them at once, so two hanging look-ups cost one wait.
		var wg sync.WaitGroup
		for _, m := range missing {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, ferr := m.fn(pctx)
				p.mu.Lock()
				p.answers[m.key] = answer{v: v, err: ferr}
				p.mu.Unlock()
			}()
		}
		wg.Wait()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// ack queues "working on it…" (once) before a slow call.
func (d *Dispatcher) ack(ctx context.Context, st TxRunner, evt chat.Event, p *prepared, missing []netCall) error {
	slow := false
	for _, m := range missing {
		slow = slow || m.slow
	}
	if !slow || p.acked || evt.Kind != chat.EventMessage {
		return nil
	}
	p.acked = true
	err := st.Tx(ctx, func(q store.Q) error {
		_, err := q.Enqueue(ctx, d.Env.Platform, store.KindReply, chat.Outgoing{
			Room: evt.Room, Thread: evt.Thread, Body: WorkingDoc(), Notice: true, TxnKey: "working/" + evt.ID,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("commands: queue working notice: %w", err)
	}
	if d.Queued != nil {
		d.Queued()
	}
	return nil
}

// errNoProposal is the model giving no usable answer (memoised like any
// other answer, so the final pass says so instead of asking again).
var errNoProposal = errors.New("commands: no proposal from the model")

// lookupDoc is the §4.3 document look-up of a request (4053bis §4.3),
// fetched before the transaction.
func (r *Request) lookupDoc(ref rules.DocRef) (rules.DocInfo, error) {
	return fetch(r.Ctx, "doc/"+ref.Name, false, func(ctx context.Context) (rules.DocInfo, error) {
		return r.Env.Docs.LookupDoc(ctx, ref)
	})
}

// extractMetadata asks the model for the §2 metadata of text, before the
// transaction; a slow call, so the user hears "working on it…" first.
func extractMetadata(r *Request, c *llm.Client, text string) (llm.Metadata, bool) {
	if c == nil || !c.Enabled() {
		return llm.Metadata{}, false
	}
	sum := sha256.Sum256([]byte(text))
	md, err := fetch(r.Ctx, "extract/"+hex.EncodeToString(sum[:8]), true, func(ctx context.Context) (llm.Metadata, error) {
		if md, ok := c.Extract(ctx, text); ok {
			return md, nil
		}
		return llm.Metadata{}, errNoProposal
	})
	return md, err == nil
}

// incomplete reports whether the pass running under ctx lacks a network
// answer (it will be rolled back and run again).
func incomplete(ctx context.Context) bool {
	p, _ := ctx.Value(preparedKey{}).(*prepared)
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.missing) > 0
}
