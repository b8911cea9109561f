package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// exclusive reports whether the transport's session may run in one
// process at a time (Matrix with end-to-end encryption): then the sync
// and the outbox run as a leader task, on the leading replica only, and
// the other replicas handle the events it recorded.
func (b *Bot) exclusive() bool {
	x, ok := b.Chat.(chat.Exclusive)
	return ok && x.Exclusive()
}

// errSessionMoved ends a replica that held the exclusive chat session and
// lost the lead: its in-memory crypto state may be behind what the next
// leader saves, so it must not take the session again in this process.
// Its supervisor starts it afresh (the state is reloaded from the store).
var errSessionMoved = errors.New("the encrypted chat session ran here and the lead moved to another replica; ending so that a restart reloads the device's keys from the database")

// chatSession is the leader task of an exclusive transport: its sync and
// the outbox workers, until ctx ends or one of them fails.
func (b *Bot) chatSession(parent context.Context) error {
	b.sessionRan.Store(true)
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	var wg sync.WaitGroup
	run := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
				cancel(fmt.Errorf("%s: %w", name, err))
			}
		}()
	}
	run("chat", func(ctx context.Context) error { return b.Chat.Run(ctx, b.Sink) })
	for i := range max(b.OutboxWorkers, 1) {
		run(fmt.Sprintf("outbox %d", i+1), b.outboxLoop)
	}
	<-ctx.Done()
	wg.Wait()
	if parent.Err() != nil {
		return parent.Err() // the lead ended: the leader loop says why
	}
	return context.Cause(ctx)
}
