package bot

import (
	"context"

	"github.com/liaisonbot/liaisonbot/commands"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/metrics"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// pollLoop polls the Datatracker every poll interval, backing off after a
// fault (5xx, time-out, malformed JSON, an HTML error page) from 5 s up to
// the interval; the cursor only moves on success, so nothing is lost. It
// also refreshes groups and roles on their own schedule.
func (b *Bot) pollLoop(ctx context.Context) error {
	interval := b.pollInterval()
	failures := 0
	for {
		if err := b.maybeRefreshRoles(ctx); err != nil && ctx.Err() == nil {
			b.Log.Warn().Err(err).Msg("refreshing groups and roles failed; keeping the cached ones")
		}
		n, err := b.Mirror.Poll(ctx)
		if n > 0 {
			// Send the announcements now, not after the bookkeeping below
			// (heartbeat, refreshes, drafts).
			nudge(b.sendWake)
		}
		if ctx.Err() == nil {
			b.pollDone(err)
		}
		wait := interval
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failures++
			wait = backoff(failures, 5*time.Second, interval)
			metrics.PollErrors.Inc()
			b.Log.Warn().Err(err).Int("failures", failures).Dur("retry_in", wait).Msg("Datatracker poll failed")
		} else {
			failures = 0
			metrics.PollLag.Set(0)
			if err := b.Store.Heartbeat(ctx, heartbeatPoll, b.Now()); err != nil && ctx.Err() == nil {
				b.Log.Warn().Err(err).Msg("could not record the poll heartbeat")
			}
			// At least hourly, also between reminder runs (issue 13).
			if err := b.Mirror.MaybeRefreshTracked(ctx, time.Hour); err != nil && ctx.Err() == nil {
				b.Log.Warn().Err(err).Msg("refreshing the tracked statements failed; keeping the mirrored copy")
			}
			if err := b.recordDrafts(ctx); err != nil && ctx.Err() == nil {
				b.Log.Warn().Err(err).Msg("linking approved drafts to recorded statements failed")
			}
			// Statements pending in the Datatracker: tell, remind and
			// release their approvers (issue 16). A failure is retried
			// at the next poll.
			if n, err := b.Pending.Run(ctx); err != nil && ctx.Err() == nil {
				b.Log.Warn().Err(err).Msg("telling the approvers of pending statements failed")
			} else if n > 0 {
				nudge(b.sendWake)
			}
		}
		if n > 0 {
			metrics.Announcements.Add(float64(n))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		case <-b.pollNow:
		}
	}
}

func (b *Bot) maybeRefreshRoles(ctx context.Context) error {
	st, ok, err := b.Store.GetSyncState(ctx, store.CursorRoles)
	if err != nil {
		return err
	}
	if ok && time.Since(time.Unix(st.Value, 0)) < b.Config.Datatracker.RolesRefresh {
		return nil
	}
	if !ok {
		// The first poll's backfill loads them.
		if _, done, _ := b.Store.GetSyncState(ctx, store.CursorPostedEvents); !done {
			return nil
		}
	}
	return b.Mirror.RefreshGroupsAndRoles(ctx)
}

// PollNow asks the poller to poll at once (tests, admin command).
func (b *Bot) PollNow() { nudge(b.pollNow) }

// recordDrafts links approved drafts to the statements they became and
// reminds authors of unrecorded ones (after each successful poll).
func (b *Bot) recordDrafts(ctx context.Context) error {
	return b.Store.Tx(ctx, func(q store.Q) error {
		n, err := commands.RecordApprovedDrafts(ctx, q, b.Commands.Env)
		if n > 0 {
			b.Log.Info().Int("drafts", n).Msg("approved drafts recorded in the Datatracker")
		}
		nudge(b.sendWake)
		return err
	})
}
