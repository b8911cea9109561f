package mirror

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// refreshChunk is how many ids one id__in= request asks for.
const refreshChunk = 100

// RefreshTracked re-reads the statements the bot still tracks — posted
// ones with a deadline inside the reminder window and not tagged taken,
// and those still pending or approved — with their relations in both
// directions, and stores tags, state, deadline and relations as the
// Datatracker has them now. It exists because some changes record no
// event, so the incremental poll never sees them: "Mark as action taken"
// only swaps the tags required → taken (liaison_detail in
// https://github.com/ietf-tools/datatracker/blob/main/ietf/liaisons/views.py).
// The requests are batched (id__in=, source__in=, target__in=; Tastypie's
// "in" lookup) and made before the one short transaction that stores the
// result. It returns how many statements were re-read.
func (m *Mirror) RefreshTracked(ctx context.Context) (int, error) {
	window := m.TrackWindow
	if window <= 0 {
		window = 60 * 24 * time.Hour
	}
	ids, err := m.Store.TrackedStatementIDs(ctx, m.now().Add(-window))
	if err != nil || len(ids) == 0 {
		if err == nil {
			m.markRefreshed()
		}
		return 0, err
	}
	var statements []*store.Statement
	var related []store.Related
	seenRel := map[int64]bool{}
	for i := 0; i < len(ids); i += refreshChunk {
		chunk := joinIDs(ids[i:min(i+refreshChunk, len(ids))])
		q := url.Values{}
		q.Set("id__in", chunk)
		q.Set("limit", strconv.Itoa(refreshChunk))
		err := m.DT.Statements(ctx, q, func(ss []datatracker.Statement) error {
			for _, s := range ss {
				statements = append(statements, storeStatement(s))
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("refresh statements: %w", err)
		}
		for _, key := range []string{"source__in", "target__in"} {
			q := url.Values{}
			q.Set(key, chunk)
			q.Set("limit", "1000")
			err := m.DT.Related(ctx, q, func(rs []datatracker.Related) error {
				for _, r := range rs {
					if !seenRel[r.ID] {
						seenRel[r.ID] = true
						related = append(related, store.Related{ID: r.ID, Source: r.Source, Target: r.Target, Relationship: r.Relationship})
					}
				}
				return nil
			})
			if err != nil {
				return 0, fmt.Errorf("refresh relations: %w", err)
			}
		}
	}
	if len(statements) < len(ids) {
		m.Log.Warn().Int("asked", len(ids)).Int("got", len(statements)).Msg("some tracked statements are no longer listed by the Datatracker; keeping the mirrored copy")
	}
	err = m.Store.Tx(ctx, func(q store.Q) error {
		if err := q.UpsertStatements(ctx, statements); err != nil {
			return err
		}
		return q.ReplaceRelatedOf(ctx, ids, related)
	})
	if err != nil {
		return 0, err
	}
	m.markRefreshed()
	m.Log.Debug().Int("statements", len(statements)).Int("relations", len(related)).Msg("tracked statements refreshed")
	return len(statements), nil
}

func (m *Mirror) markRefreshed() {
	m.refreshMu.Lock()
	m.lastRefresh = m.now()
	m.refreshMu.Unlock()
}

// MaybeRefreshTracked runs RefreshTracked when the last one is older than
// every (the hourly refresh between reminder runs).
func (m *Mirror) MaybeRefreshTracked(ctx context.Context, every time.Duration) error {
	m.refreshMu.Lock()
	last := m.lastRefresh
	m.refreshMu.Unlock()
	if !last.IsZero() && m.now().Sub(last) < every {
		return nil
	}
	_, err := m.RefreshTracked(ctx)
	return err
}

func joinIDs(ids []int64) string {
	b := make([]byte, 0, len(ids)*6)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}
