// Package reminder follows liaison statements to their deadlines
// (draft-iab-rfc4053bis §5.1) the way the Datatracker's
// check_liaison_deadlines does
// (https://github.com/ietf-tools/datatracker/blob/main/ietf/liaisons/management/commands/check_liaison_deadlines.py):
// on a cron schedule it reminds the rooms of the addressed groups of For
// Action statements still awaiting an answer on the rungs of a
// configurable ladder (by default 14, 7, 4, 3, 2, 1 and 0 days before the
// deadline, then daily for 14 days overdue, then nothing). For an
// outgoing statement (an IETF group asked another body to act) the
// reminder goes to the sending group's rooms: the response from the other
// body is due. It also follows up statements reported with /liaison
// received until they are recorded (§3.1), and approved drafts whose
// authors have not recorded them yet (§3.2).
//
// Exactly once: each (statement, deadline, rung) is claimed in the
// transaction that queues its messages in the outbox, so a crash, a
// restart or a second replica never sends a rung twice and never loses
// one. Rungs dated before the bot first saw the statement (or before a
// room was bound) are never sent; after downtime one catch-up is sent for
// the latest rung missed while down, not a burst (rules.Ladder.DueRung).
package reminder

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/render"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// DefaultHorizonDays bounds how long after its deadline an unanswered
// statement is still reminded when the ladder is weekly (the default
// ladder ends 14 days after the deadline by itself).
const DefaultHorizonDays = 365

// DefaultFollowupDays is how often an open received report is followed up.
const DefaultFollowupDays = 7

// Reminder is the reminder service. Build it with [New] (or fill the
// fields in tests); Tick does one run, Run runs on the schedule.
type Reminder struct {
	Store    *store.Store
	Platform string
	Ladder   rules.Ladder
	// DeadlineZone is the zone deadlines (dates) are read in: "today" is
	// the date of now there (the Datatracker uses America/Los_Angeles).
	DeadlineZone *time.Location
	// Schedule is the cron spec (5 fields) read in ScheduleZone.
	Schedule     string
	ScheduleZone *time.Location
	// Base is the Datatracker URL, for links.
	Base string
	// Users maps Datatracker e-mails to chat users to mention.
	Users render.Identities
	// Now is the clock (injectable for tests).
	Now func() time.Time
	Log zerolog.Logger
	// HorizonDays: with a weekly ladder, statements overdue longer are not
	// reminded any more (0: DefaultHorizonDays). Without one the ladder's
	// last daily rung is the limit.
	HorizonDays int
	// FollowupDays: how often open received reports are followed up (0:
	// DefaultFollowupDays).
	FollowupDays int
	// RecordReminderDays: remind the author of an approved draft not yet
	// recorded after this many days, and again every as many days (0:
	// off).
	RecordReminderDays int
	// OnQueued, when set, is called after a scheduled tick queued messages
	// (the bot wakes its outbox worker).
	OnQueued func()
	// BeforeTick, when set, runs before each tick (the bot re-reads the
	// tracked statements from the Datatracker, issue 13); its error is
	// logged and the tick runs on the mirrored copy.
	BeforeTick func(ctx context.Context) error
	// AfterTick, when set, runs after each scheduled tick and says how
	// many messages it queued (the bot sends the opted-in digests).
	AfterTick func(ctx context.Context) (int, error)
}

// New builds the reminder service of the config for a platform.
func New(cfg *config.Config, st *store.Store, platform string, log zerolog.Logger) (*Reminder, error) {
	ladder, err := rules.ParseLadder(cfg.Reminders.Ladder)
	if err != nil {
		return nil, &config.Error{Key: "reminders.ladder", Msg: err.Error()}
	}
	dz, err := time.LoadLocation(cfg.Reminders.DeadlineTimezone)
	if err != nil {
		return nil, &config.Error{Key: "reminders.deadline_timezone", Msg: err.Error()}
	}
	sz, err := time.LoadLocation(cfg.Reminders.Timezone)
	if err != nil {
		return nil, &config.Error{Key: "reminders.timezone", Msg: err.Error()}
	}
	return &Reminder{
		Store:              st,
		Platform:           platform,
		Ladder:             ladder,
		DeadlineZone:       dz,
		Schedule:           cfg.Reminders.Schedule,
		ScheduleZone:       sz,
		Base:               cfg.Datatracker.URL,
		Users:              render.IdentitiesOf(cfg, platform),
		Now:                time.Now,
		Log:                log.With().Str("component", "reminders").Logger(),
		RecordReminderDays: cfg.Approvals.RecordReminderDays,
	}, nil
}

func (r *Reminder) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Reminder) zone() *time.Location {
	if r.DeadlineZone != nil {
		return r.DeadlineZone
	}
	return time.UTC
}

func (r *Reminder) horizon() int {
	if r.HorizonDays > 0 {
		return r.HorizonDays
	}
	return DefaultHorizonDays
}

// Today is the date of now in the deadline zone.
func (r *Reminder) Today(now time.Time) rules.Date { return rules.DateOf(now, r.zone()) }

// DateOfDeadline reads a stored deadline (a date kept as midnight UTC).
func DateOfDeadline(t time.Time) rules.Date {
	return rules.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

// Tick does one run at now: deadline reminders, follow-ups of received
// reports, reminders to record approved drafts, and the "action taken"
// nudges. sent counts the
// messages queued in the outbox. One statement's failure does not stop the
// others; the first error is returned after all were tried.
func (r *Reminder) Tick(ctx context.Context, now time.Time) (sent int, err error) {
	today := r.Today(now)
	n, err1 := r.deadlines(ctx, today)
	sent += n
	n, err2 := r.followReceived(ctx, now)
	sent += n
	n, err3 := r.recordReminders(ctx, now)
	sent += n
	n, err4 := r.actionTakenNudges(ctx)
	sent += n
	return sent, errors.Join(err1, err2, err3, err4)
}

// maxBefore is the earliest rung of the ladder, in days before the
// deadline.
func (r *Reminder) maxBefore() int {
	m := 0
	for _, b := range r.Ladder.Before {
		m = max(m, b)
	}
	return m
}

func (r *Reminder) deadlines(ctx context.Context, today rules.Date) (int, error) {
	reach := r.Ladder.Reach()
	if reach < 0 {
		reach = r.horizon()
	}
	from := today.AddDays(-reach).Time(time.UTC)
	to := today.AddDays(r.maxBefore()).Time(time.UTC)
	tracked, err := r.Store.Unanswered(ctx, from, to, 0)
	if err != nil {
		return 0, fmt.Errorf("unanswered statements: %w", err)
	}
	type due struct {
		t    store.Tracked
		d    rules.Date
		rung int
	}
	var todo []due
	var ss []*store.Statement
	for _, t := range tracked {
		d := DateOfDeadline(*t.Statement.Deadline)
		// Seen, for the ladder, no earlier than posted: a statement
		// mirrored while still pending is announced when posted, and the
		// announcement shows the deadline.
		seenAt := t.FirstSeen
		if p := t.Statement.PostedAt; p != nil && p.After(seenAt) {
			seenAt = *p
		}
		seen := rules.DateOf(seenAt, r.zone())
		rung, ok := r.Ladder.DueRung(d, today, seen, t.Rung())
		if !ok {
			continue
		}
		todo = append(todo, due{t, d, rung})
		ss = append(ss, t.Statement)
	}
	if len(todo) == 0 {
		return 0, nil
	}
	aud, err := r.Store.GroupsOf(ctx, ss, rules.RoleChair, rules.RoleLiaisonManager)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, x := range todo {
		n, err := r.remind(ctx, x.t.Statement, x.d, x.rung, today, aud)
		if err != nil {
			r.Log.Error().Err(err).Int64("statement", x.t.Statement.ID).Int("rung", x.rung).Msg("reminder failed")
			errs = append(errs, fmt.Errorf("LS %d: %w", x.t.Statement.ID, err))
			continue
		}
		if n > 0 {
			r.Log.Info().Int64("statement", x.t.Statement.ID).Int("rung", x.rung).Str("deadline", x.d.String()).
				Int("rooms", n).Msg("deadline reminder queued")
		}
		sent += n
	}
	return sent, errors.Join(errs...)
}

// errNoRoom rolls back a claim that would reach nobody.
var errNoRoom = errors.New("no room to remind in")

// Outgoing reports whether a statement was sent by an IETF group to
// another body (an SDO), so the answer is awaited from that body: every
// addressed group is an SDO and some sender is not. Groups not loaded
// count as not SDOs.
func Outgoing(s *store.Statement, groups map[int64]store.Group) bool {
	isSDO := func(id int64) bool {
		g, ok := groups[id]
		return ok && rules.GroupType(strings.ToLower(g.Type)) == rules.TypeSDO
	}
	if len(s.ToGroups) == 0 || !slices.ContainsFunc(s.FromGroups, func(id int64) bool { return !isSDO(id) }) {
		return false
	}
	return !slices.ContainsFunc(s.ToGroups, func(id int64) bool { return !isSDO(id) })
}

// remind claims (statement, deadline, rung) and queues its messages, in
// one transaction. It returns the number of messages queued (0 when the
// rung was claimed before, by this or another replica).
//
// The reminder goes to the rooms of the groups expected to act: the
// addressed groups of an incoming statement, the sending groups of an
// outgoing one (the response of the other body is theirs to follow up).
// A room bound after the rung's day does not get that rung.
func (r *Reminder) remind(ctx context.Context, s *store.Statement, deadline rules.Date, rung int, today rules.Date, aud store.StatementGroups) (int, error) {
	n := 0
	outgoing := Outgoing(s, aud.Groups)
	followers := s.ToGroups
	if outgoing {
		followers = s.FromGroups
	}
	rungDay := deadline.AddDays(rung)
	err := r.Store.Tx(ctx, func(q store.Q) error {
		n = 0
		// Answered since the list was read (a reply recorded, noreply)?
		if open, err := q.IsUnanswered(ctx, s.ID); err != nil || !open {
			return err
		}
		claimed, err := q.AdvanceReminder(ctx, s.ID, deadline.Time(time.UTC), rung)
		if err != nil || !claimed {
			return err
		}
		overdue := rules.Overdue(deadline, today)
		groupRooms, err := q.GroupRooms(ctx, r.Platform, aud.Acronyms(followers))
		if err != nil {
			return err
		}
		var coord []string
		if overdue || len(groupRooms) == 0 {
			// Overdue ones also go to the coordination rooms (issue 5
			// point 3); so do reminders of statements to groups without a
			// room of their own (the IETF, the IAB, an area).
			if coord, err = q.CoordinationRooms(ctx, r.Platform); err != nil {
				return err
			}
		}
		boundAt, err := q.RoomsBoundAt(ctx, r.Platform, aud.Acronyms(followers), true)
		if err != nil {
			return err
		}
		// A rung dated before the room was bound passed before the room
		// followed the statement: like a rung before the statement was
		// first seen, it is not sent there.
		boundInTime := func(room string) bool {
			at, ok := boundAt[room]
			if !ok {
				return true
			}
			bound := rules.DateOf(at, r.zone())
			if rules.DaysBetween(bound, today) < 0 {
				bound = today // a database clock ahead of ours
			}
			return rules.DaysBetween(bound, rungDay) >= 0
		}
		type target struct {
			room  string
			coord bool
		}
		var targets []target
		for _, room := range groupRooms {
			if boundInTime(room) {
				targets = append(targets, target{room, false})
			}
		}
		for _, room := range coord {
			if !slices.Contains(groupRooms, room) && boundInTime(room) {
				targets = append(targets, target{room, true})
			}
		}
		if len(targets) == 0 {
			return errNoRoom
		}
		for _, t := range targets {
			msgID, thread, err := q.AnnouncementThread(ctx, s.ID, r.Platform, t.room)
			if err != nil {
				return err
			}
			if thread == "" {
				thread = msgID
			}
			msg := chat.Outgoing{
				Room:   t.room,
				Thread: thread,
				Body:   r.reminderDoc(s, deadline, today, aud, outgoing, t.coord),
				Notice: true,
				// It must notify the chairs it mentions (issue 13 point 1).
				Alert:  true,
				TxnKey: fmt.Sprintf("remind/%d/%s/%d/%s", s.ID, deadline, rung, t.room),
			}
			if thread == "" {
				msg.NewThread = render.Topic(s) // Zulip: the statement's topic
			}
			oid, err := q.Enqueue(ctx, r.Platform, store.KindReminder, msg)
			if err != nil {
				return err
			}
			isNew, err := q.ClaimReminder(ctx, s.ID, deadline.Time(time.UTC), rung, r.Platform, t.room, oid)
			if err != nil {
				return err
			}
			if isNew {
				n++
			}
		}
		return nil
	})
	if errors.Is(err, errNoRoom) {
		r.Log.Debug().Int64("statement", s.ID).Int("rung", rung).
			Msg("no room bound by the rung's day for the groups to remind and no coordination room: not reminded")
		return 0, nil
	}
	return n, err
}

// reminderDoc is the reminder text: the statement, how far the deadline
// is (said from today, not from the rung: a caught-up "one week" rung sent
// five days before says "in five days"), the chairs of the groups to
// remind (mentioned in their rooms, named silently in coordination rooms)
// and, when overdue, the liaison manager.
func (r *Reminder) reminderDoc(s *store.Statement, deadline, today rules.Date, aud store.StatementGroups, outgoing, coord bool) chat.Doc {
	if outgoing {
		return OutgoingReminderDoc(r.Base, r.zone(), s, deadline, today, aud.Groups, aud.RolesOf(s.FromGroups, rules.RoleChair),
			aud.RolesOf(s.ToGroups, rules.RoleLiaisonManager), r.Users, !coord)
	}
	return ReminderDoc(r.Base, r.zone(), s, deadline, today, aud.Groups, aud.RolesOf(s.ToGroups, rules.RoleChair),
		aud.RolesOf(s.FromGroups, rules.RoleLiaisonManager), r.Users, !coord)
}

// ReminderDoc builds a deadline reminder. chairs are the chairs of the
// addressed groups; liaimans the liaison managers of the sending body.
func ReminderDoc(base string, zone *time.Location, s *store.Statement, deadline, today rules.Date, groups map[int64]store.Group,
	chairs, liaimans []store.Role, users render.Identities, notify bool) chat.Doc {
	offset := rules.DaysBetween(deadline, today)
	head := "⏰ Deadline " + rules.Phrase(offset) + ": "
	if offset > 0 {
		head = "⚠ Overdue: deadline passed " + rules.Phrase(offset)[len("overdue by "):] + " ago: "
	}
	doc := chat.NewDoc(chat.P(chat.T(head), render.Ref(base, s.ID), chat.T(" "), chat.B(oneLine(s.Title))))
	items := [][]chat.Span{
		chat.Item(chat.B("Deadline: "), chat.T(rules.FormatDeadline(deadline, zone)+" ("+rules.Phrase(offset)+")")),
		chat.Item(chat.B("Purpose: "), chat.T(render.Purpose(s.Purpose))),
		chat.Item(chat.B("From: "), chat.T(render.Groups(s.FromGroups, groups))),
		chat.Item(chat.B("To: "), chat.T(render.Groups(s.ToGroups, groups))),
	}
	if len(chairs) > 0 {
		items = append(items, append([]chat.Span{chat.B("Chairs: ")}, users.People(chairs, notify)...))
	}
	if offset > 0 && len(liaimans) > 0 {
		items = append(items, append([]chat.Span{chat.B("Liaison manager of the sender: ")}, users.People(liaimans, false)...))
	}
	doc.Add(chat.List(items...))
	doc.Add(chat.P(chat.T("The chairs of the addressed group ensure a response is generated by the deadline if one is intended "+
		"(4053bis §5.1). Reply with "), chat.C(fmt.Sprintf("/liaison reply %d", s.ID)),
		chat.T("; if no reply will be sent, record that with "), chat.C(fmt.Sprintf("/liaison noreply %d <reason>", s.ID)),
		chat.T(" and the liaison manager is told (chairs' FAQ, \"Do we need to reply to all LS?\").")))
	return doc
}

// OutgoingReminderDoc builds the reminder of an outgoing statement: an
// IETF group asked another body to act by the deadline, so the sending
// group's chairs are told when the other body's response is due, and,
// once overdue, pointed to the liaison manager for that body, "the first
// contact point for liaison statements send to or received from the
// respective SDO" (4053bis §1). It never asks anyone to reply to the
// statement: it is our own. chairs are the chairs of the sending groups;
// liaimans the liaison managers for the addressed bodies.
func OutgoingReminderDoc(base string, zone *time.Location, s *store.Statement, deadline, today rules.Date, groups map[int64]store.Group,
	chairs, liaimans []store.Role, users render.Identities, notify bool) chat.Doc {
	offset := rules.DaysBetween(deadline, today)
	to := render.Groups(s.ToGroups, groups)
	due := rules.FormatDeadline(deadline, zone)
	head := "⏰ Response from " + to + " due " + rules.Phrase(offset) + ": "
	if offset > 0 {
		head = "⚠ Response from " + to + " overdue: due " + rules.Phrase(offset)[len("overdue by "):] + " ago: "
	}
	doc := chat.NewDoc(chat.P(chat.T(head), render.Ref(base, s.ID), chat.T(" "), chat.B(oneLine(s.Title))))
	items := [][]chat.Span{
		chat.Item(chat.B("Response due: "), chat.T(due+" ("+rules.Phrase(offset)+")")),
		chat.Item(chat.B("Purpose: "), chat.T(render.Purpose(s.Purpose))),
		chat.Item(chat.B("From: "), chat.T(render.Groups(s.FromGroups, groups))),
		chat.Item(chat.B("To: "), chat.T(to)),
	}
	if len(chairs) > 0 {
		items = append(items, append([]chat.Span{chat.B("Chairs: ")}, users.People(chairs, notify)...))
	}
	if offset > 0 && len(liaimans) > 0 {
		items = append(items, append([]chat.Span{chat.B("Liaison manager for " + to + ": ")}, users.People(liaimans, false)...))
	}
	doc.Add(chat.List(items...))
	if offset > 0 {
		doc.Add(chat.P(chat.T("Our statement asked " + to + " to act by " + due + " and no response is recorded. " +
			"If one is still expected, consider asking the liaison manager for " + to +
			" (or the IAB, when there is none) to follow up with them (4053bis §1).")))
	} else {
		doc.Add(chat.P(chat.T("Our statement asked " + to + " to act: their response is due by " + due +
			". It is announced here when it is posted in the Datatracker.")))
	}
	return doc
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
