// Package mirror keeps liaisonbot's copy of the Datatracker's liaison
// statements, groups and roles, and announces newly posted statements.
//
// The Datatracker is the system of record (4053bis §3: every statement sent
// or received is recorded there); we only read it. An incremental poll asks
// for posted and modified events after the last event ID seen — one small
// request when nothing happened, however long the history — so a statement
// posted days after it was submitted (out of ID order) is still caught.
// Each batch is stored, announced (through the outbox) and the cursor moved
// in one transaction: a crash or a Datatracker fault leaves the cursor
// where it was, so nothing is lost, and the announcement table makes each
// (statement, room) announcement happen once.
package mirror

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/render"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// RoleNames are the roles the bot caches (4053bis §4.1 approvers, chairs
// and secretaries, SDO liaison managers, the IAB's liaison coordinators).
var RoleNames = []string{"chair", "secr", "ad", "liaiman", "liaison_coordinator"}

// Summarizer optionally adds a short machine-generated summary to
// announcements. The mirror calls it for newly posted statements before
// the transaction that stores and announces them (a model call must not
// hold a transaction open); it returns "" when it has none, and must
// handle its own failures.
type Summarizer interface {
	Summary(ctx context.Context, s *store.Statement, atts []store.Attachment) string
}

// Mirror syncs the Datatracker into the store.
type Mirror struct {
	DT       *datatracker.Client
	Store    *store.Store
	Platform string
	Log      zerolog.Logger
	// Base is the Datatracker base URL for links; DeadlineZone the zone
	// deadlines are read in.
	Base         string
	DeadlineZone string
	// BatchSize is how many events one poll request asks for.
	BatchSize int
	// Summarizer may be nil.
	Summarizer Summarizer
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// RetryBase is the first back-off of the retry list (5 s if zero); it
	// doubles per attempt up to an hour.
	RetryBase time.Duration
	// GoneAttempts and GoneAfter: a statement still failing after this
	// many attempts spanning at least GoneAfter is recorded as gone (10
	// and 24 h if zero).
	GoneAttempts int
	GoneAfter    time.Duration
	// TrackWindow is how far back a deadline keeps a statement tracked
	// by RefreshTracked (60 days if zero: the overdue reminders of the
	// ladder and its optional weekly tail).
	TrackWindow time.Duration

	refreshMu   sync.Mutex
	lastRefresh time.Time
}

func (m *Mirror) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// eventTypes are the events an incremental poll follows.
var eventTypes = []string{"submitted", "approved", "posted", "killed", "resurrected", "modified"}

// Poll runs one incremental sync: it repeats until the Datatracker has no
// newer events. The first poll ever backfills the history silently. It
// returns the number of announcements queued.
func (m *Mirror) Poll(ctx context.Context) (int, error) {
	cur, ok, err := m.Store.GetSyncState(ctx, store.CursorPostedEvents)
	if err != nil {
		return 0, err
	}
	if !ok {
		m.Log.Info().Msg("no sync cursor yet: backfilling the Datatracker history without announcing it")
		if err := m.Backfill(ctx); err != nil {
			return 0, err
		}
		return 0, nil
	}
	batch := m.BatchSize
	if batch <= 0 {
		batch = 100
	}
	total := 0
	after := cur.Value
	for {
		evs, err := m.DT.EventsAfter(ctx, after, eventTypes, batch)
		if err != nil {
			m.failed(ctx, err)
			return total, err
		}
		if len(evs) == 0 {
			// An idle poll: record the success (for /readyz).
			if err := m.Store.SetSyncState(ctx, store.CursorPostedEvents, after); err != nil {
				return total, err
			}
			break
		}
		n, err := m.apply(ctx, evs)
		if err != nil {
			m.failed(ctx, err)
			return total, err
		}
		total += n
		after = evs[len(evs)-1].ID
		if len(evs) < batch {
			break
		}
	}
	n, err := m.retryDue(ctx)
	return total + n, err
}

func (m *Mirror) failed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	if serr := m.Store.SyncFailed(context.WithoutCancel(ctx), store.CursorPostedEvents, err.Error()); serr != nil {
		m.Log.Error().Err(serr).Msg("recording sync failure")
	}
}

// fetched is one statement with what came with it.
type fetched struct {
	st   *store.Statement
	evs  []store.StatementEvent
	rel  []store.Related
	att  []store.Attachment
	post bool // a posted event is in this batch
}

// apply fetches the statements of a batch of events, then stores them,
// announces the newly posted ones and moves the cursor in one transaction.
// A statement whose fetch fails (a 404 a moment after its event, a 5xx, a
// time-out, a truncated body) does not hold the cursor back nor get
// forgotten: it goes to the retry list, which later polls work through
// (retryDue), and is announced then.
func (m *Mirror) apply(ctx context.Context, evs []datatracker.Event) (int, error) {
	byID := map[int64]*fetched{}
	var order []int64
	var allEvents []store.StatementEvent
	for _, e := range evs {
		f := byID[e.StatementID]
		if f == nil {
			f = &fetched{}
			byID[e.StatementID] = f
			order = append(order, e.StatementID)
		}
		se := storeEvent(e)
		f.evs = append(f.evs, se)
		allEvents = append(allEvents, se)
		if e.Type == "posted" {
			f.post = true
		}
	}
	failed := map[int64]error{}
	var groupIDs []int64
	for _, id := range order {
		f := byID[id]
		if err := m.fetch(ctx, id, f); err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			failed[id] = err
			continue
		}
		groupIDs = append(groupIDs, f.st.FromGroups...)
		groupIDs = append(groupIDs, f.st.ToGroups...)
	}
	if err := m.ensureGroups(ctx, groupIDs); err != nil {
		return 0, err
	}
	summaries := m.summaries(ctx, order, byID)
	now := m.now()
	announced := 0
	err := m.Store.Tx(ctx, func(q store.Q) error {
		announced = 0
		// Every event is kept, also those of statements to retry (the
		// retry reads them again with the statement).
		if err := q.UpsertEvents(ctx, allEvents); err != nil {
			return err
		}
		for _, id := range order {
			f := byID[id]
			if err, ok := failed[id]; ok {
				r, rerr := q.RetryFailed(ctx, id, f.post, now, now.Add(m.backoff(1)), err.Error())
				if rerr != nil {
					return rerr
				}
				m.Log.Warn().Err(err).Int64("statement", id).Int("attempts", r.Attempts).Msg("statement of an event could not be fetched; it stays on the retry list")
				continue
			}
			if err := m.store(ctx, q, f); err != nil {
				return err
			}
			ann, err := q.RetryDone(ctx, id)
			if err != nil {
				return err
			}
			if ann {
				f.post = true // its posted event came in an earlier batch
			}
		}
		for _, id := range order {
			f := byID[id]
			if _, ok := failed[id]; ok || !f.post || f.st.State != "posted" {
				continue // pending and dead statements are never announced
			}
			n, err := m.announce(ctx, q, f.st.ID, summaries[f.st.ID])
			if err != nil {
				return err
			}
			announced += n
		}
		return q.SetSyncState(ctx, store.CursorPostedEvents, evs[len(evs)-1].ID)
	})
	if err == nil && announced > 0 {
		m.Log.Info().Int("announcements", announced).Int64("cursor", evs[len(evs)-1].ID).Msg("statements announced")
	}
	return announced, err
}

// fetch reads a statement with the relations and attachments it needs
// into f, stamping its dates from f.evs. Any failure fails the whole
// statement, so it is fetched again as a whole.
func (m *Mirror) fetch(ctx context.Context, id int64, f *fetched) error {
	st, err := m.DT.Statement(ctx, id)
	if err != nil {
		return fmt.Errorf("statement %d: %w", id, err)
	}
	f.st = storeStatement(st)
	for _, e := range f.evs {
		stampEvent(f.st, e)
	}
	if f.rel, err = m.related(ctx, id); err != nil {
		return err
	}
	if f.att, err = m.attachments(ctx, id); err != nil {
		return err
	}
	return nil
}

// store writes a fetched statement and what came with it.
func (m *Mirror) store(ctx context.Context, q store.Q, f *fetched) error {
	if err := q.UpsertStatement(ctx, f.st); err != nil {
		return err
	}
	if err := q.UpsertEvents(ctx, f.evs); err != nil {
		return err
	}
	if err := q.UpsertRelated(ctx, f.rel); err != nil {
		return err
	}
	return q.UpsertAttachments(ctx, f.att)
}

// summaries asks the Summarizer, if any, for the summaries of the
// statements of a batch that will be announced.
func (m *Mirror) summaries(ctx context.Context, order []int64, byID map[int64]*fetched) map[int64]string {
	if m.Summarizer == nil {
		return nil
	}
	out := map[int64]string{}
	for _, id := range order {
		if f := byID[id]; f != nil && f.st != nil && f.post && f.st.State == "posted" {
			out[id] = m.Summarizer.Summary(ctx, f.st, f.att)
		}
	}
	return out
}

func (m *Mirror) related(ctx context.Context, id int64) ([]store.Related, error) {
	var out []store.Related
	for _, key := range []string{"source", "target"} {
		err := m.DT.Related(ctx, query(key, id), func(rs []datatracker.Related) error {
			for _, r := range rs {
				out = append(out, store.Related{ID: r.ID, Source: r.Source, Target: r.Target, Relationship: r.Relationship})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("related of %d: %w", id, err)
		}
	}
	return out, nil
}

func (m *Mirror) attachments(ctx context.Context, id int64) ([]store.Attachment, error) {
	var as []datatracker.Attachment
	err := m.DT.Attachments(ctx, query("statement", id), func(page []datatracker.Attachment) error {
		as = append(as, page...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("attachments of %d: %w", id, err)
	}
	out := make([]store.Attachment, 0, len(as))
	for _, a := range as {
		sa, err := m.storeAttachment(ctx, a)
		if err != nil {
			return nil, fmt.Errorf("attachments of %d: %w", id, err)
		}
		out = append(out, sa)
	}
	return out, nil
}

// ensureGroups fetches groups not yet mirrored. A group the Datatracker
// answers 404 for is recorded as a placeholder (so the statement is still
// recorded and announced in the coordination rooms) and fetched again at
// the next group refresh.
func (m *Mirror) ensureGroups(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	missing, err := m.Store.MissingGroups(ctx, ids)
	if err != nil {
		return err
	}
	var gs []store.Group
	seen := map[int64]bool{}
	for _, id := range missing {
		if seen[id] {
			continue
		}
		seen[id] = true
		g, err := m.DT.Group(ctx, id)
		if errors.Is(err, datatracker.ErrNotFound) {
			m.Log.Error().Int64("group", id).Msg("the Datatracker has no such group; recording a placeholder")
			gs = append(gs, store.Group{ID: id, Acronym: fmt.Sprintf("group-%d", id)})
			continue
		}
		if err != nil {
			return fmt.Errorf("group %d: %w", id, err)
		}
		gs = append(gs, storeGroup(g))
		if g.ParentID != 0 && !seen[g.ParentID] {
			if p, err := m.DT.Group(ctx, g.ParentID); err == nil {
				seen[g.ParentID] = true
				gs = append(gs, storeGroup(p))
			}
		}
	}
	return m.Store.UpsertGroups(ctx, gs)
}

// announce queues the announcement of a posted statement in every room
// bound to one of its groups and in every coordination room, once per
// room.
func (m *Mirror) announce(ctx context.Context, q store.Q, id int64, summary string) (int, error) {
	s, err := q.StatementByID(ctx, id)
	if err != nil || s == nil {
		return 0, err
	}
	groups, err := q.GroupsByID(ctx, append(append([]int64{}, s.FromGroups...), s.ToGroups...))
	if err != nil {
		return 0, err
	}
	var acronyms []string
	for _, g := range groups {
		acronyms = append(acronyms, g.Acronym)
	}
	rooms, err := q.RoomsFor(ctx, m.Platform, acronyms)
	if err != nil || len(rooms) == 0 {
		return 0, err
	}
	v := render.View{S: s, Groups: groups, Base: m.Base, DeadlineZone: m.DeadlineZone}
	if v.Attachments, err = q.AttachmentsOf(ctx, id); err != nil {
		return 0, err
	}
	rels, err := q.RelatedTo(ctx, id)
	if err != nil {
		return 0, err
	}
	for _, r := range rels {
		if r.Source == id {
			t, err := q.StatementByID(ctx, r.Target)
			if err != nil {
				return 0, err
			}
			if t == nil {
				t = &store.Statement{ID: r.Target}
			}
			v.RespondsTo = append(v.RespondsTo, t)
		}
	}
	v.Summary = summary
	doc := render.Announcement(v)
	n := 0
	for _, room := range rooms {
		msg := chat.Outgoing{
			Room:      room,
			NewThread: render.Topic(s),
			Body:      doc,
			Notice:    true,
			TxnKey:    fmt.Sprintf("announce/%d/%s", id, room),
		}
		oid, err := q.Enqueue(ctx, m.Platform, store.KindAnnouncement, msg)
		if err != nil {
			return n, err
		}
		isNew, err := q.ClaimAnnouncement(ctx, id, m.Platform, room, oid)
		if err != nil {
			return n, err
		}
		if isNew {
			n++
		}
	}
	return n, nil
}

// Backfill loads the whole history in bulk and announces nothing; the
// cursor is set to the newest event seen, so only later events announce.
func (m *Mirror) Backfill(ctx context.Context) error {
	start := time.Now()
	if err := m.RefreshGroupsAndRoles(ctx); err != nil {
		return err
	}
	// Events first: their newest ID becomes the cursor, so anything posted
	// while the backfill runs is caught by the next poll.
	var maxEvent int64
	times := map[int64][]store.StatementEvent{}
	var events []store.StatementEvent
	err := m.DT.Events(ctx, query("limit", 1000), func(evs []datatracker.Event) error {
		for _, e := range evs {
			se := storeEvent(e)
			events = append(events, se)
			times[e.StatementID] = append(times[e.StatementID], se)
			maxEvent = max(maxEvent, e.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("backfill events: %w", err)
	}
	var statements []*store.Statement
	err = m.DT.Statements(ctx, query("limit", 1000), func(ss []datatracker.Statement) error {
		for _, s := range ss {
			st := storeStatement(s)
			for _, e := range times[s.ID] {
				stampEvent(st, e)
			}
			statements = append(statements, st)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("backfill statements: %w", err)
	}
	var related []store.Related
	err = m.DT.Related(ctx, query("limit", 1000), func(rs []datatracker.Related) error {
		for _, r := range rs {
			related = append(related, store.Related{ID: r.ID, Source: r.Source, Target: r.Target, Relationship: r.Relationship})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("backfill related: %w", err)
	}
	var atts []store.Attachment
	err = m.DT.Attachments(ctx, query("limit", 1000), func(as []datatracker.Attachment) error {
		for _, a := range as {
			atts = append(atts, store.Attachment{ID: a.ID, StatementID: a.StatementID, Document: a.Document, Removed: a.Removed})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("backfill attachments: %w", err)
	}
	// Titles and links as an incremental poll gives them (issue 13): the
	// documents in bulk, name__in= a chunk at a time.
	if err := m.documentTitles(ctx, atts); err != nil {
		return fmt.Errorf("backfill attachment documents: %w", err)
	}
	err = m.Store.Tx(ctx, func(q store.Q) error {
		for i := 0; i < len(statements); i += 2000 {
			if err := q.UpsertStatements(ctx, statements[i:min(i+2000, len(statements))]); err != nil {
				return err
			}
		}
		for i := 0; i < len(events); i += 5000 {
			if err := q.UpsertEvents(ctx, events[i:min(i+5000, len(events))]); err != nil {
				return err
			}
		}
		if err := q.UpsertRelated(ctx, related); err != nil {
			return err
		}
		if err := q.UpsertAttachments(ctx, atts); err != nil {
			return err
		}
		cur, ok, err := q.GetSyncState(ctx, store.CursorPostedEvents)
		if err != nil {
			return err
		}
		if !ok || cur.Value < maxEvent {
			if err := q.SetSyncState(ctx, store.CursorPostedEvents, maxEvent); err != nil {
				return err
			}
		}
		return q.SetSyncState(ctx, store.CursorBackfilled, time.Now().Unix())
	})
	if err != nil {
		return fmt.Errorf("backfill store: %w", err)
	}
	// Fresh statistics, so the planner knows the tables are no longer
	// empty (autovacuum gets there only a minute or more later; until then
	// the deadline queries pick nested loops over the whole history).
	if err := m.Store.Analyze(ctx); err != nil {
		m.Log.Warn().Err(err).Msg("ANALYZE after the backfill failed")
	}
	m.Log.Info().Int("statements", len(statements)).Int("events", len(events)).Dur("took", time.Since(start)).Msg("backfill done")
	return nil
}

// RefreshGroupsAndRoles reloads every group and the cached roles.
func (m *Mirror) RefreshGroupsAndRoles(ctx context.Context) error {
	var groups []store.Group
	err := m.DT.Groups(ctx, query("limit", 1000), func(gs []datatracker.Group) error {
		for _, g := range gs {
			groups = append(groups, storeGroup(g))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("groups: %w", err)
	}
	var roles []store.Role
	q := query("limit", 1000)
	q.Set("name__in", joinComma(RoleNames))
	err = m.DT.Roles(ctx, q, func(rs []datatracker.Role) error {
		for _, r := range rs {
			roles = append(roles, store.Role{ID: r.ID, Name: r.Name, GroupID: r.GroupID, PersonID: r.PersonID, Email: r.Email})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	return m.Store.Tx(ctx, func(q store.Q) error {
		for i := 0; i < len(groups); i += 2000 {
			if err := q.UpsertGroups(ctx, groups[i:min(i+2000, len(groups))]); err != nil {
				return err
			}
		}
		if err := q.ReplaceRoles(ctx, roles); err != nil {
			return err
		}
		return q.SetSyncState(ctx, store.CursorRoles, time.Now().Unix())
	})
}
