// Package pending tells the approvers of statements pending in the
// Datatracker, privately, that their approval is needed, reminds them,
// and tells them once when the statement was approved, posted or killed.
//
// The Datatracker's own approval mail usually reaches nobody: for a WG
// statement its approver set comes out empty
// (https://github.com/ietf-tools/datatracker/issues/9457), and the tools
// team's workaround is to ask approvers by hand to visit the pending tab.
// The public API shows pending statements and their events (submitted,
// approved, posted, killed, resurrected), which the mirror follows; this
// package works out the 4053bis §4.1 approvers exactly as for chat drafts.
// Pending statements are never announced in group rooms: the Datatracker
// shows its pending list only to those who may submit statements.
//
// Every network call (opening a direct room, the §4.3 document look-ups)
// is made before the short transaction that records the request and
// queues its message; the request row keeps it exactly once.
package pending

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/render"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// Defaults of the configuration.
const (
	DefaultRemindEvery  = 24 * time.Hour
	DefaultMaxReminders = 5
	// Window: statements submitted longer ago are not asked about.
	Window = rules.PendingWindow
)

// DocLookup looks up a document a statement references (4053bis §4.3).
type DocLookup interface {
	LookupDoc(ctx context.Context, ref rules.DocRef) (rules.DocInfo, error)
}

// Service is one platform's pending-approval requests.
type Service struct {
	Store    *store.Store
	Platform string
	// Users maps e-mails to chat users; Direct opens direct rooms (nil:
	// every request goes to ApprovalsRoom).
	Users  render.Identities
	Direct chat.DirectOpener
	// ApprovalsRoom takes the request for approvers without a chat
	// identity ("" : they are logged and skipped).
	ApprovalsRoom string
	// Directory builds the process rules' view of groups and roles.
	Directory func(ctx context.Context, q store.Q) (rules.Directory, error)
	// Overrides are approvals.overrides.
	Overrides map[string][]string
	// Docs, when set, gives the §4.3 warnings.
	Docs         DocLookup
	Base         string
	DeadlineZone string
	RemindEvery  time.Duration
	MaxReminders int
	Now          func() time.Time
	Log          zerolog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) every() time.Duration {
	if s.RemindEvery > 0 {
		return s.RemindEvery
	}
	return DefaultRemindEvery
}

func (s *Service) maxReminders() int {
	if s.MaxReminders > 0 {
		return s.MaxReminders
	}
	return DefaultMaxReminders
}

// Run makes one pass: new requests, due reminders, and the closing word
// for statements no longer pending. It returns how many messages it
// queued. A failure with one statement does not stop the others.
func (s *Service) Run(ctx context.Context) (int, error) {
	now := s.now()
	queued := 0
	var errs []error
	open, err := s.Store.OpenPendingRequests(ctx, s.Platform)
	if err != nil {
		return 0, err
	}
	pending, err := s.Store.PendingStatements(ctx, now.Add(-Window))
	if err != nil {
		return 0, err
	}
	isPending := map[int64]bool{}
	for _, st := range pending {
		isPending[st.ID] = true
		n, err := s.statement(ctx, st, now)
		queued += n
		if err != nil {
			errs = append(errs, fmt.Errorf("pending LS %d: %w", st.ID, err))
		}
	}
	for _, p := range open {
		if isPending[p.StatementID] {
			continue
		}
		n, err := s.conclude(ctx, p)
		queued += n
		if err != nil {
			errs = append(errs, fmt.Errorf("conclude pending LS %d: %w", p.StatementID, err))
		}
	}
	return queued, errors.Join(errs...)
}

// destination is one room a request goes to, and for whom.
type destination struct {
	room      string
	direct    bool
	approvers []rules.Approver
	users     []chat.User // their chat identities, when known
}

// statement handles one pending statement: the first request, a reminder
// when due, or a new round when a killed statement was resurrected.
func (s *Service) statement(ctx context.Context, st *store.Statement, now time.Time) (int, error) {
	reqs, err := s.Store.PendingRequestsOf(ctx, s.Platform, st.ID)
	if err != nil {
		return 0, err
	}
	if len(reqs) == 0 {
		return s.request(ctx, st, now)
	}
	n := 0
	var errs []error
	for _, p := range reqs {
		switch {
		case p.Concluded == "" && p.Room == "":
			continue // nobody could be told: nothing to remind
		case p.Concluded == "":
			if now.Sub(p.LastSentAt) < s.every() || p.Reminders >= s.maxReminders() {
				continue
			}
			next := p
			next.Reminders++
			next.LastSentAt = now
			k, err := s.follow(ctx, st, p, next, s.reminderDoc(ctx, st, p, next, now), fmt.Sprintf("r%d", next.Reminders), true)
			n += k
			errs = append(errs, err)
		default:
			// Pending again after it ended: a killed statement was
			// resurrected (dead → pending). Ask again.
			next := p
			next.Round++
			next.Reminders = 0
			next.Concluded = ""
			next.LastSentAt = now
			k, err := s.follow(ctx, st, p, next, s.resurrectedDoc(ctx, st, p), "again", true)
			n += k
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// request makes the first request for a statement: works out its
// approvers (4053bis §4.1), opens the direct rooms, then records and
// queues in one transaction.
func (s *Service) request(ctx context.Context, st *store.Statement, now time.Time) (int, error) {
	var (
		dir rules.Directory
		aud store.StatementGroups
		by  string
	)
	err := s.Store.Tx(ctx, func(q store.Q) error {
		var err error
		if dir, err = s.Directory(ctx, q); err != nil {
			return err
		}
		if aud, err = q.GroupsOf(ctx, []*store.Statement{st}); err != nil {
			return err
		}
		by, err = q.SubmittedBy(ctx, st.ID)
		return err
	})
	if err != nil {
		return 0, err
	}
	approvers, aerr := rules.Approvers(dir, aud.Acronyms(st.FromGroups), s.Overrides)
	if len(approvers) == 0 {
		// An incoming statement (from another SDO) or a group without
		// approvers: nobody to ask.
		s.Log.Info().Int64("statement", st.ID).AnErr("why", aerr).Msg("pending statement has no approver to tell")
		return 0, s.untold(ctx, st, nil, now)
	}
	var (
		dests   []destination
		missing []rules.Approver
	)
	// Network first: direct rooms, then the §4.3 look-ups.
	for _, a := range approvers {
		u, ok := s.Users(a.Email)
		if !ok || s.Direct == nil {
			missing = append(missing, a)
			continue
		}
		u.DisplayName = orStr(a.Person, a.Email)
		room, err := s.Direct.DirectRoom(ctx, u)
		if errors.Is(err, chat.ErrNoSuchUser) {
			missing = append(missing, a)
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("open a direct room with %s: %w", a.Email, err)
		}
		dests = append(dests, destination{room: room, direct: true, approvers: []rules.Approver{a}, users: []chat.User{u}})
	}
	if len(missing) > 0 {
		if s.ApprovalsRoom == "" {
			s.Log.Warn().Int64("statement", st.ID).Strs("approvers", emails(missing)).
				Msg("approvers of a pending statement have no chat identity and no approvals_room is configured; they are not told")
		} else {
			dests = append(dests, destination{room: s.ApprovalsRoom, approvers: missing})
		}
	}
	warnings := s.docWarnings(ctx, st)
	n := 0
	err = s.Store.Tx(ctx, func(q store.Q) error {
		n = 0
		for _, d := range dests {
			doc := s.requestDoc(st, aud, by, d, warnings, now)
			msg := chat.Outgoing{Room: d.room, Body: doc, Notice: true, Alert: true,
				TxnKey: fmt.Sprintf("pending/%d/%s/1", st.ID, d.room)}
			if !d.direct {
				msg.NewThread = render.Topic(st) + " (pending)"
			}
			// Claim first: a row that exists means another pass sent it.
			ok, err := q.InsertPendingRequest(ctx, store.PendingRequest{Platform: s.Platform, StatementID: st.ID, Room: d.room,
				Approvers: emails(d.approvers), Direct: d.direct, Round: 1, FirstSentAt: now})
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			id, err := q.Enqueue(ctx, s.Platform, store.KindReminder, msg)
			if err != nil {
				return err
			}
			if err := q.SetPendingOutbox(ctx, s.Platform, st.ID, d.room, id); err != nil {
				return err
			}
			if err := q.AddAudit(ctx, store.Audit{Platform: s.Platform, Actor: "liaisonbot", Action: "pending.request", Room: d.room,
				Args: fmt.Sprintf("LS %d", st.ID), Detail: map[string]any{"approvers": emails(d.approvers)}}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err == nil && len(dests) == 0 {
		err = s.untold(ctx, st, missing, now)
	}
	return n, err
}

// untold records a statement whose approvers nobody could tell (a row
// with no room), so that the next pass does not try again.
func (s *Service) untold(ctx context.Context, st *store.Statement, approvers []rules.Approver, now time.Time) error {
	return s.Store.Tx(ctx, func(q store.Q) error {
		_, err := q.InsertPendingRequest(ctx, store.PendingRequest{Platform: s.Platform, StatementID: st.ID, Room: "",
			Approvers: emails(approvers), FirstSentAt: now})
		return err
	})
}

// follow queues a follow-up (reminder, closing word, new round) in the
// request's room, in the request's thread outside direct rooms, moving
// the row from p to next in the same transaction.
func (s *Service) follow(ctx context.Context, st *store.Statement, p, next store.PendingRequest, doc chat.Doc, what string, alert bool) (int, error) {
	if p.Room == "" {
		return 0, s.Store.Tx(ctx, func(q store.Q) error {
			_, err := q.UpdatePendingRequest(ctx, p, next)
			return err
		})
	}
	n := 0
	err := s.Store.Tx(ctx, func(q store.Q) error {
		n = 0
		ok, err := q.UpdatePendingRequest(ctx, p, next)
		if err != nil || !ok {
			return err
		}
		msg := chat.Outgoing{Room: p.Room, Body: doc, Notice: true, Alert: alert,
			TxnKey: fmt.Sprintf("pending/%d/%s/%d/%s", p.StatementID, p.Room, next.Round, what)}
		if !p.Direct {
			if p.OutboxID != 0 {
				if it, err := q.OutboxByID(ctx, p.OutboxID); err != nil {
					return err
				} else if it != nil && it.SentID != "" {
					msg.Thread = orStr(it.SentThread, it.SentID)
				}
			}
			if msg.Thread == "" && st != nil {
				msg.NewThread = render.Topic(st) + " (pending)"
			}
		}
		if _, err := q.Enqueue(ctx, s.Platform, store.KindReminder, msg); err != nil {
			return err
		}
		n = 1
		return q.AddAudit(ctx, store.Audit{Platform: s.Platform, Actor: "liaisonbot", Action: "pending." + what, Room: p.Room,
			Args: fmt.Sprintf("LS %d", p.StatementID), Detail: map[string]any{"round": next.Round, "reminders": next.Reminders, "concluded": next.Concluded}})
	})
	return n, err
}

// conclude says once, in each room a request went to, how the statement
// left the pending state.
func (s *Service) conclude(ctx context.Context, p store.PendingRequest) (int, error) {
	st, err := s.Store.StatementByID(ctx, p.StatementID)
	if err != nil {
		return 0, err
	}
	state := "gone"
	if st != nil {
		state = st.State
	}
	if st != nil && state == "pending" {
		return 0, nil // older than the window: it stays open, unreminded
	}
	next := p
	next.Concluded = state
	return s.follow(ctx, st, p, next, s.concludedDoc(st, p, state), "end-"+state, false)
}

func (s *Service) docWarnings(ctx context.Context, st *store.Statement) []rules.Problem {
	if s.Docs == nil {
		return nil
	}
	var out []rules.Problem
	var infos []rules.DocInfo
	for _, ref := range rules.ExtractDocRefs(st.Title + "\n" + st.Body) {
		info, err := s.Docs.LookupDoc(ctx, ref)
		if err != nil {
			s.Log.Warn().Err(err).Str("doc", ref.Name).Msg("document lookup failed")
			out = append(out, rules.Problem{Field: rules.FieldBody, Section: "§4.3",
				Message: fmt.Sprintf("Could not look up %s in the Datatracker; check its status before approving (4053bis §4.3).", ref.Display)})
			continue
		}
		infos = append(infos, info)
	}
	return append(rules.DocWarnings(infos), out...)
}

func emails(as []rules.Approver) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.Email)
	}
	return out
}

func orStr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
