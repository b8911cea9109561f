package reminder

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/render"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// matchWindow is how long before a report a statement may have been
// posted and still be the one reported (it may have been recorded by the
// liaison manager before the chair reported it).
const matchWindow = 30 * 24 * time.Hour

// Matches reports whether statement s records what report rep describes
// (4053bis §3.1: the receiver makes sure a public record is created): the
// other body's reference appears in the statement's identifiers, or the
// sending body is one of its from-groups and the subjects share most of
// their words, or the subjects are nearly the same.
func Matches(rep store.Received, s *store.Statement, groups map[int64]store.Group) bool {
	if ref := norm(rep.Reference); len(ref) >= 3 && strings.Contains(norm(s.OtherIdentifiers), ref) {
		return true
	}
	sim := Similarity(rep.Subject, s.Title)
	if sim >= 0.8 {
		return true
	}
	from := norm(rep.FromBody)
	if from == "" || sim < 0.5 {
		return false
	}
	for _, id := range s.FromGroups {
		g, ok := groups[id]
		if !ok {
			continue
		}
		if norm(g.Acronym) == from || norm(g.Name) == from {
			return true
		}
	}
	return false
}

// norm lower-cases s and keeps only letters and digits ("ITU-T SG15" and
// "itu-t-sg-15" are both "itutsg15").
func norm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// words are the lower-case words of s of three letters or more, except
// the ones every liaison subject has.
func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		switch w {
		case "the", "and", "for", "liaison", "statement", "on", "to", "of", "reply", "response":
			continue
		}
		if len([]rune(w)) >= 3 || unicode.IsDigit([]rune(w)[0]) {
			out[w] = true
		}
	}
	return out
}

// Similarity is the Jaccard similarity of the words of two subjects, 0…1.
func Similarity(a, b string) float64 {
	wa, wb := words(a), words(b)
	if len(wa) == 0 || len(wb) == 0 {
		return 0
	}
	both := 0
	for w := range wa {
		if wb[w] {
			both++
		}
	}
	return float64(both) / float64(len(wa)+len(wb)-both)
}

func (r *Reminder) followupEvery() time.Duration {
	d := r.FollowupDays
	if d <= 0 {
		d = DefaultFollowupDays
	}
	return time.Duration(d) * 24 * time.Hour
}

// followReceived matches open received reports against the statements
// recorded since, telling the reporter when theirs appears, and follows up
// the others every FollowupDays until they do (issue 5 point 7).
func (r *Reminder) followReceived(ctx context.Context, now time.Time) (int, error) {
	open, err := r.Store.OpenReceived(ctx, r.Platform)
	if err != nil || len(open) == 0 {
		return 0, err
	}
	since := open[0].CreatedAt
	for _, rep := range open {
		since = minTime(since, rep.CreatedAt)
		if rep.ReceivedOn != nil {
			since = minTime(since, *rep.ReceivedOn)
		}
	}
	cands, err := r.Store.PostedSince(ctx, since.Add(-matchWindow))
	if err != nil {
		return 0, err
	}
	var ids []int64
	for _, s := range cands {
		ids = append(ids, s.FromGroups...)
	}
	groups, err := r.Store.GroupsByID(ctx, ids)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, rep := range open {
		var match *store.Statement
		for _, s := range cands {
			if s.PostedAt != nil && s.PostedAt.Before(rep.CreatedAt.Add(-matchWindow)) {
				continue
			}
			if Matches(rep, s, groups) {
				match = s
				break
			}
		}
		var n int
		var err error
		if match != nil {
			n, err = r.receivedMatched(ctx, rep, match)
		} else if !lastTouched(rep).After(now.Add(-r.followupEvery())) {
			n, err = r.receivedFollowup(ctx, rep, now)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("received report %d: %w", rep.ID, err))
		}
		sent += n
	}
	return sent, errors.Join(errs...)
}

func lastTouched(rep store.Received) time.Time {
	if rep.LastFollowupAt != nil {
		return *rep.LastFollowupAt
	}
	return rep.CreatedAt
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func reporter(rep store.Received) chat.Span {
	return chat.M(chat.User{ID: rep.Reporter, DisplayName: rep.Reporter, Email: rep.ReporterEmail})
}

// ReceivedLabel describes a report in one line: "#3 from ITU-T SG15 to
// teas: "subject" (received 2025-09-01)".
func ReceivedLabel(rep store.Received) string {
	s := fmt.Sprintf("#%d from %s", rep.ID, rep.FromBody)
	if rep.ToGroup != "" {
		s += " to " + rep.ToGroup
	}
	s += fmt.Sprintf(": %q", oneLine(rep.Subject))
	if rep.ReceivedOn != nil {
		s += " (received " + rep.ReceivedOn.Format(time.DateOnly) + ")"
	}
	return s
}

// enqueueReceived queues doc in the reporter's room (thread) and in every
// coordination room, with keys key/<room>.
func (r *Reminder) enqueueReceived(ctx context.Context, q store.Q, rep store.Received, key string, doc chat.Doc) (int, error) {
	rooms := []string{rep.Room}
	coord, err := q.CoordinationRooms(ctx, r.Platform)
	if err != nil {
		return 0, err
	}
	for _, c := range coord {
		if c != rep.Room {
			rooms = append(rooms, c)
		}
	}
	for _, room := range rooms {
		// Alert: the follow-up must notify the people it mentions (issue
		// 13 point 1).
		msg := chat.Outgoing{Room: room, Body: doc, Notice: true, Alert: true, TxnKey: key + "/" + room}
		if room == rep.Room {
			msg.Thread = rep.Thread
		}
		if _, err := q.Enqueue(ctx, r.Platform, store.KindNotice, msg); err != nil {
			return 0, err
		}
	}
	return len(rooms), nil
}

func (r *Reminder) receivedMatched(ctx context.Context, rep store.Received, s *store.Statement) (int, error) {
	n := 0
	err := r.Store.Tx(ctx, func(q store.Q) error {
		ok, err := q.MatchReceived(ctx, rep.ID, s.ID)
		if err != nil || !ok {
			return err
		}
		doc := chat.NewDoc(chat.P(chat.T("✅ "), reporter(rep), chat.T(": the statement you reported as received, "+ReceivedLabel(rep)+
			", is now recorded in the Datatracker as "), render.Ref(r.Base, s.ID), chat.T(" "), chat.B(oneLine(s.Title)),
			chat.T(". No further follow-ups (4053bis §3.1).")))
		n, err = r.enqueueReceived(ctx, q, rep, fmt.Sprintf("received/%d/matched/%d", rep.ID, s.ID), doc)
		return err
	})
	if err == nil && n > 0 {
		r.Log.Info().Int64("report", rep.ID).Int64("statement", s.ID).Msg("received report matched")
	}
	return n, err
}

func (r *Reminder) receivedFollowup(ctx context.Context, rep store.Received, now time.Time) (int, error) {
	n := 0
	err := r.Store.Tx(ctx, func(q store.Q) error {
		ok, err := q.ClaimReceivedFollowup(ctx, rep.ID, now, now.Add(-r.followupEvery()))
		if err != nil || !ok {
			return err
		}
		days := int(now.Sub(rep.CreatedAt).Hours() / 24)
		doc := chat.NewDoc(chat.P(chat.T("📮 Still not in the Datatracker after "+fmt.Sprint(days)+" days: the statement "),
			reporter(rep), chat.T(" reported as received, "+ReceivedLabel(rep)+". Every received statement is to be recorded "+
				"publicly; without a liaison manager the IAB's liaison coordinators help (4053bis §3.1).")))
		n, err = r.enqueueReceived(ctx, q, rep, fmt.Sprintf("received/%d/followup/%s", rep.ID, rules.DateOf(now, r.zone())), doc)
		return err
	})
	return n, err
}

// recordReminders reminds the authors of approved drafts that are not yet
// recorded in the Datatracker ("all sent liaison statements must be
// publicly recorded", 4053bis §3.2), every RecordReminderDays.
func (r *Reminder) recordReminders(ctx context.Context, now time.Time) (int, error) {
	if r.RecordReminderDays <= 0 {
		return 0, nil
	}
	drafts, err := r.Store.ApprovedDrafts(ctx)
	if err != nil {
		return 0, err
	}
	every := time.Duration(r.RecordReminderDays) * 24 * time.Hour
	sent := 0
	var errs []error
	for _, d := range drafts {
		if d.Platform != r.Platform {
			continue
		}
		last := d.UpdatedAt
		if d.DecidedAt != nil {
			last = *d.DecidedAt
		}
		if d.RecordRemindedAt != nil {
			last = *d.RecordRemindedAt
		}
		if last.After(now.Add(-every)) {
			continue
		}
		err := r.Store.Tx(ctx, func(q store.Q) error {
			ok, err := q.ClaimRecordReminder(ctx, d.ID, now, now.Add(-every))
			if err != nil || !ok {
				return err
			}
			approved := ""
			if d.DecidedAt != nil {
				approved = " on " + d.DecidedAt.UTC().Format(time.DateOnly)
			}
			doc := chat.NewDoc(chat.P(chat.M(chat.User{ID: d.AuthorID, DisplayName: d.AuthorID, Email: d.AuthorEmail}),
				chat.T(fmt.Sprintf(": draft %d %q was approved%s but is not recorded in the Datatracker yet. "+
					"All sent liaison statements must be publicly recorded (4053bis §3.2): enter its fields in the Datatracker's "+
					"outgoing statement form; the bot links the two when it appears. Open drafts: ",
					d.ID, oneLine(d.Subject), approved)),
				chat.C("/liaison drafts"), chat.T(".")))
			_, err = q.Enqueue(ctx, r.Platform, store.KindNotice, chat.Outgoing{
				Room: d.Room, Thread: d.Thread, Body: doc, Notice: true, Alert: true, // notifies the author
				TxnKey: fmt.Sprintf("record-remind/%d/%s", d.ID, rules.DateOf(now, r.zone())),
			})
			if err == nil {
				sent++
			}
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("draft %d: %w", d.ID, err))
		}
	}
	return sent, errors.Join(errs...)
}
