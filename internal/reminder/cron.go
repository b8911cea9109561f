package reminder

import (
	"context"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/liaisonbot/liaisonbot/internal/metrics"
)

// Run ticks once at start (today's rungs, and after downtime one catch-up
// per statement for the latest rung missed while down; never rungs dated
// before the statement was first seen) and then on the cron schedule
// (reminders.schedule, read in reminders.timezone) until ctx ends. A tick
// still running when the next one is due is not doubled. Failed ticks are
// logged; the next tick retries what was not claimed.
func (r *Reminder) Run(ctx context.Context) error {
	c, err := r.Cron(ctx)
	if err != nil {
		return err
	}
	r.TickLogged(ctx)
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	return ctx.Err()
}

// Cron builds the schedule (not started) that calls TickLogged.
func (r *Reminder) Cron(ctx context.Context) (*cron.Cron, error) {
	loc := r.ScheduleZone
	if loc == nil {
		loc = time.UTC
	}
	c := cron.New(cron.WithLocation(loc), cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	if _, err := c.AddFunc(r.Schedule, func() { r.TickLogged(ctx) }); err != nil {
		return nil, fmt.Errorf("reminders.schedule %q: %w", r.Schedule, err)
	}
	return c, nil
}

// TickLogged runs Tick at the clock's now and logs the outcome.
func (r *Reminder) TickLogged(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	if r.BeforeTick != nil {
		if err := r.BeforeTick(ctx); err != nil && ctx.Err() == nil {
			r.Log.Warn().Err(err).Msg("before the reminder tick")
		}
	}
	start := time.Now()
	n, err := r.Tick(ctx, r.now())
	ev := r.Log.Info()
	if err != nil {
		ev = r.Log.Error().Err(err)
	}
	if r.AfterTick != nil {
		m, err := r.AfterTick(ctx)
		if err != nil && ctx.Err() == nil {
			r.Log.Warn().Err(err).Msg("after the reminder tick")
		}
		n += m
	}
	ev.Int("queued", n).Dur("took", time.Since(start)).Msg("reminder tick")
	metrics.Reminders.Add(float64(n))
	if n > 0 && r.OnQueued != nil {
		r.OnQueued()
	}
}
