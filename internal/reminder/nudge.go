package reminder

import (
	"context"
	"errors"
	"fmt"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/render"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// actionTakenNudges tells the chairs of a For Action statement, once, when
// an In Response statement answers it while the Datatracker still tags it
// "Action Required": posting a reply does not mark the action taken there
// (ietf-tools/datatracker#9387), the page's "Mark as action taken" button
// does, and the bot cannot press it (the API is read-only). Its reminders
// stop either way: an answered statement is not tracked.
func (r *Reminder) actionTakenNudges(ctx context.Context) (int, error) {
	list, err := r.Store.AnsweredButRequired(ctx, r.Platform)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, it := range list {
		n, err := r.nudge(ctx, it.Statement, it.AnswerID)
		sent += n
		if err != nil {
			errs = append(errs, fmt.Errorf("nudge LS %d: %w", it.Statement.ID, err))
		}
	}
	return sent, errors.Join(errs...)
}

func (r *Reminder) nudge(ctx context.Context, s *store.Statement, answer int64) (int, error) {
	n := 0
	err := r.Store.Tx(ctx, func(q store.Q) error {
		n = 0
		ok, err := q.ClaimNudge(ctx, s.ID, r.Platform, answer)
		if err != nil || !ok {
			return err
		}
		aud, err := q.GroupsOf(ctx, []*store.Statement{s}, rules.RoleChair, rules.RoleLiaisonManager)
		if err != nil {
			return err
		}
		// Who may press the button: the addressed groups' chairs (for an
		// outgoing statement answered by the other body, the sending
		// group's).
		followers := s.ToGroups
		if Outgoing(s, aud.Groups) {
			followers = s.FromGroups
		}
		rooms, err := q.GroupRooms(ctx, r.Platform, aud.Acronyms(followers))
		if err != nil {
			return err
		}
		if len(rooms) == 0 {
			if rooms, err = q.CoordinationRooms(ctx, r.Platform); err != nil {
				return err
			}
		}
		chairs := aud.RolesOf(followers, rules.RoleChair)
		for _, room := range rooms {
			msgID, thread, err := q.AnnouncementThread(ctx, s.ID, r.Platform, room)
			if err != nil {
				return err
			}
			if thread == "" {
				thread = msgID
			}
			doc := chat.NewDoc(chat.P(chat.T("✅ "), render.Ref(r.Base, s.ID), chat.T(" "), chat.B(oneLine(s.Title)),
				chat.T(" is answered by "), render.Ref(r.Base, answer), chat.T(", but the Datatracker still marks it "),
				chat.B("Action Required"), chat.T(". On its page, a chair of the addressed group or a liaison manager can press "),
				chat.B("Mark as action taken"), chat.T(" (the bot cannot: the Datatracker's API is read-only). Its deadline reminders have stopped.")))
			if len(chairs) > 0 {
				doc.Add(chat.P(append([]chat.Span{chat.B("Chairs: ")}, r.Users.People(chairs, true)...)...))
			}
			msg := chat.Outgoing{Room: room, Thread: thread, Body: doc, Notice: true, Alert: true,
				TxnKey: fmt.Sprintf("nudge/%d/%s", s.ID, room)}
			if thread == "" {
				msg.NewThread = render.Topic(s)
			}
			if _, err := q.Enqueue(ctx, r.Platform, store.KindReminder, msg); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
