package bot

import (
	"context"
	"net/http"

	"github.com/liaisonbot/liaisonbot/commands"
	"github.com/liaisonbot/liaisonbot/internal/calendar"
	"github.com/liaisonbot/liaisonbot/internal/reminder"
)

// NewReminder builds the deadline-reminder service of the config on the
// bot's store, platform and clock (issue 5; 4053bis §3.1, §5.1).
func (b *Bot) NewReminder() (*reminder.Reminder, error) {
	r, err := reminder.New(b.Config, b.Store, b.Chat.Platform(), b.Log)
	if err != nil {
		return nil, err
	}
	r.Now = b.now
	r.OnQueued = func() { nudge(b.sendWake) }
	// Tags, state, deadline and relations can change in the Datatracker
	// without an event ("Mark as action taken"): re-read the tracked
	// statements before every run (issue 13).
	r.BeforeTick = func(ctx context.Context) error {
		_, err := b.Mirror.RefreshTracked(ctx)
		return err
	}
	// The opted-in digests of "/liaison notify" go with the reminders.
	r.AfterTick = func(ctx context.Context) (int, error) {
		return commands.SendDigests(ctx, b.Store, b.Commands.Env)
	}
	return r, nil
}

// RunReminders runs the reminder schedule until ctx ends: a catch-up tick
// at once (one reminder per statement after downtime), then on
// reminders.schedule in reminders.timezone. It is a leader task: one
// replica runs it, and the per-(statement, deadline, rung) claims keep it
// exactly once even if two ever overlap.
func (b *Bot) RunReminders(ctx context.Context) error {
	r, err := b.NewReminder()
	if err != nil {
		return err
	}
	return r.Run(ctx)
}

// CalendarHandler serves /calendar/all.ics and /calendar/<acronym>.ics;
// mount it on "GET /calendar/".
func (b *Bot) CalendarHandler() http.Handler {
	return &calendar.Feed{Store: b.Store, Base: b.Config.Datatracker.URL, Zone: b.Config.Reminders.DeadlineTimezone, Now: b.now}
}
