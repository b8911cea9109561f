package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/httpapi"
	"github.com/liaisonbot/liaisonbot/internal/metrics"
)

// heartbeatPoll names the leader's last successful Datatracker poll.
const heartbeatPoll = "datatracker_poll"

func (b *Bot) pollInterval() time.Duration {
	if b.PollInterval > 0 {
		return b.PollInterval
	}
	return b.Config.Datatracker.PollInterval
}

// pollStaleAfter is how old the last successful poll may be before the bot
// reports itself unready: three intervals, and at least two minutes (as the
// README says of /readyz).
func (b *Bot) pollStaleAfter() time.Duration { return max(3*b.pollInterval(), 2*time.Minute) }

// readinessChecks are /readyz: the database answers, the chat platform is
// connected, and the leading replica polled the Datatracker recently (read
// from the database, so every replica reports the same).
func (b *Bot) readinessChecks() []httpapi.Check {
	return []httpapi.Check{
		{Name: "database", Fn: b.Store.Ping},
		{Name: "chat", Fn: func(context.Context) error {
			if b.exclusive() && !b.Leading() {
				return nil // the leading replica holds the chat session
			}
			if !b.Chat.Connected() {
				return fmt.Errorf("not connected to %s", b.Chat.Platform())
			}
			return nil
		}},
		{Name: "datatracker", Fn: func(ctx context.Context) error {
			last, err := b.Store.LastHeartbeat(ctx, heartbeatPoll)
			if err != nil {
				return err
			}
			if last.IsZero() {
				return errors.New("no successful Datatracker poll yet")
			}
			lag := b.Now().Sub(last)
			metrics.PollLag.Set(lag.Seconds())
			if lag > b.pollStaleAfter() {
				return fmt.Errorf("last successful Datatracker poll %s ago", lag.Round(time.Second))
			}
			return nil
		}},
	}
}
