package mirror

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// retryBatch is how many statements of the retry list one poll fetches.
const retryBatch = 20

// backoff is the wait before attempt n+1 after n failed attempts.
func (m *Mirror) backoff(attempts int) time.Duration {
	base := m.RetryBase
	if base <= 0 {
		base = 5 * time.Second
	}
	return min(base<<min(max(attempts-1, 0), 20), time.Hour)
}

func (m *Mirror) goneAfter() (int, time.Duration) {
	n, d := m.GoneAttempts, m.GoneAfter
	if n <= 0 {
		n = 10
	}
	if d <= 0 {
		d = 24 * time.Hour
	}
	return n, d
}

// retryDue fetches the statements of the retry list whose back-off has
// passed; those fetched are stored (and announced if a posted event was
// seen for them), the others wait longer. One that stayed missing across
// many attempts spanning at least a day is recorded as gone, with a
// warning. It returns the number of announcements queued.
func (m *Mirror) retryDue(ctx context.Context) (int, error) {
	due, err := m.Store.DueRetries(ctx, m.now(), retryBatch)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	total := 0
	for _, r := range due {
		n, stop, err := m.retryOne(ctx, r)
		if err != nil {
			return total, err
		}
		total += n
		if stop {
			// The Datatracker is failing (not one statement missing): the
			// others wait for the next poll rather than each spending a
			// time-out now.
			break
		}
	}
	return total, nil
}

// retryOne fetches one statement of the retry list; stop reports a
// failure other than a 404.
func (m *Mirror) retryOne(ctx context.Context, r store.Retry) (int, bool, error) {
	id := r.StatementID
	f := &fetched{post: r.Announce}
	err := m.DT.Events(ctx, query("statement", id), func(evs []datatracker.Event) error {
		for _, e := range evs {
			f.evs = append(f.evs, storeEvent(e))
		}
		return nil
	})
	if err == nil {
		err = m.fetch(ctx, id, f)
	}
	if err == nil {
		err = m.ensureGroups(ctx, append(append([]int64{}, f.st.FromGroups...), f.st.ToGroups...))
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, true, ctx.Err()
		}
		return 0, !errors.Is(err, datatracker.ErrNotFound), m.retryFailed(ctx, r, err)
	}
	var summary string
	if f.post && f.st.State == "posted" && m.Summarizer != nil {
		summary = m.Summarizer.Summary(ctx, f.st, f.att)
	}
	announced := 0
	err = m.Store.Tx(ctx, func(q store.Q) error {
		announced = 0
		if err := m.store(ctx, q, f); err != nil {
			return err
		}
		if _, err := q.RetryDone(ctx, id); err != nil {
			return err
		}
		if f.post && f.st.State == "posted" {
			n, err := m.announce(ctx, q, id, summary)
			announced = n
			return err
		}
		return nil
	})
	if err == nil {
		m.Log.Info().Int64("statement", id).Int("attempts", r.Attempts+1).Int("announcements", announced).Msg("statement from the retry list fetched")
	}
	return announced, false, err
}

func (m *Mirror) retryFailed(ctx context.Context, r store.Retry, ferr error) error {
	now := m.now()
	attempts, span := m.goneAfter()
	if r.Attempts+1 >= attempts && now.Sub(r.FirstFailedAt) >= span {
		m.Log.Warn().Err(ferr).Int64("statement", r.StatementID).Int("attempts", r.Attempts+1).
			Time("first_failed", r.FirstFailedAt).Msg("statement still cannot be fetched after a day of retries; recording it as gone")
		return m.Store.RetryGone(ctx, r.StatementID, now)
	}
	nr, err := m.Store.RetryFailed(ctx, r.StatementID, false, now, now.Add(m.backoff(r.Attempts+1)), ferr.Error())
	if err != nil {
		return fmt.Errorf("retry list: %w", err)
	}
	m.Log.Info().Err(ferr).Int64("statement", r.StatementID).Int("attempts", nr.Attempts).Time("next", nr.NextAt).Msg("statement fetch failed again; retrying later")
	return nil
}
