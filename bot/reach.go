package bot

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/liaisonbot/liaisonbot/internal/store"
)

// reach remembers whether this bot's Datatracker ever answered a poll and
// why the last poll failed, so that empty answers can say "not reached
// yet" instead of "none" (an empty mirror is not an empty Datatracker).
type reach struct {
	ok      atomic.Bool
	lastErr atomic.Pointer[string]
}

func (b *Bot) pollDone(err error) {
	if err == nil {
		b.reach.ok.Store(true)
		return
	}
	msg := err.Error()
	b.reach.lastErr.Store(&msg)
}

// datatrackerUnreached is "" once the Datatracker answered a poll (this
// run, or an earlier one: the sync cursor records its last success);
// otherwise a sentence saying so, with the reason.
func (b *Bot) datatrackerUnreached(ctx context.Context) string {
	if b.reach.ok.Load() {
		return ""
	}
	st, ok, err := b.Store.GetSyncState(ctx, store.CursorPostedEvents)
	if err == nil && ok && st.LastSuccess != nil {
		b.reach.ok.Store(true)
		return ""
	}
	reason := "the first poll has not finished yet"
	if p := b.reach.lastErr.Load(); p != nil {
		reason = *p
	} else if ok && st.LastError != "" {
		reason = st.LastError
	}
	return fmt.Sprintf("The Datatracker at %s has not been reached yet: %s. Statements appear once a poll succeeds.", b.Config.Datatracker.URL, reason)
}
