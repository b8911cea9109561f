package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// A LeaderTask runs only on the leading replica (the Datatracker poller,
// the reminder schedule): it runs until ctx ends.
type LeaderTask struct {
	Name string
	Run  func(ctx context.Context) error
}

// leaderLoop makes this replica compete for leadership: the replica that
// holds the advisory lock runs the leader tasks; when its database session
// dies (crash, PostgreSQL restart) the lock goes with it and another
// replica (or this one, reconnected) takes over within LeaderRetry.
func (b *Bot) leaderLoop(ctx context.Context) error {
	for {
		l, err := b.Store.TryLead(ctx, store.LeaderLockKey, b.LeaderCheck)
		if err != nil && ctx.Err() == nil {
			b.Log.Warn().Err(err).Msg("could not try the leader lock; retrying")
		}
		if l != nil {
			b.leading.Store(true)
			b.Log.Info().Msg("leading: polling the Datatracker and running the reminder schedule here")
			err := b.lead(ctx, l)
			l.Release()
			b.leading.Store(false)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// A configuration error fails the same way on every try and on
			// every replica: end the process with it instead of competing
			// again forever.
			if cerr := (*config.Error)(nil); errors.As(err, &cerr) {
				return cerr
			}
			if b.sessionRan.Load() {
				return fmt.Errorf("%w (%v)", errSessionMoved, err)
			}
			b.Log.Warn().Err(err).Msg("leadership lost; competing again")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(b.LeaderRetry):
		}
	}
}

var errLeadershipLost = errors.New("database session holding the leader lock is gone")

// lead runs the leader tasks until ctx ends, the lock is lost, or one fails.
func (b *Bot) lead(ctx context.Context, l *store.Leadership) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for _, t := range b.LeaderTasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := t.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				cancel(fmt.Errorf("%s: %w", t.Name, err))
			}
		}()
	}
	select {
	case <-l.Lost:
		cancel(errLeadershipLost)
	case <-ctx.Done():
	}
	wg.Wait()
	return context.Cause(ctx)
}

// Leading reports whether this replica currently leads.
func (b *Bot) Leading() bool { return b.leading.Load() }
