package pending

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/render"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// who addresses the approvers of a destination: mentions in a direct room
// (they notify, the message is an Alert), names and e-mails elsewhere.
func (s *Service) who(d destination) []chat.Span {
	var out []chat.Span
	if len(d.users) > 0 {
		for i, u := range d.users {
			if i > 0 {
				out = append(out, chat.T(", "))
			}
			out = append(out, chat.M(u))
		}
		return out
	}
	for i, a := range d.approvers {
		if i > 0 {
			out = append(out, chat.T(", "))
		}
		out = append(out, chat.T(nameAndEmail(a.Person, a.Email)))
	}
	return out
}

// whoOf is who for a recorded request.
func (s *Service) whoOf(p store.PendingRequest) []chat.Span {
	d := destination{}
	for _, e := range p.Approvers {
		if u, ok := s.Users(e); ok && p.Direct {
			u.DisplayName = orStr(u.DisplayName, e)
			d.users = append(d.users, u)
		}
		d.approvers = append(d.approvers, rules.Approver{Email: e})
	}
	return s.who(d)
}

func nameAndEmail(name, email string) string {
	if name == "" || strings.EqualFold(name, email) {
		return email
	}
	return name + " <" + email + ">"
}

// roleText says what makes someone an approver: "AD of ops", "IAB Chair".
func roleText(a rules.Approver) string {
	switch {
	case a.Role == "ad":
		return "AD (" + a.Group + ")"
	case a.Role == "chair" && a.Group == "ietf":
		return "IETF Chair"
	case a.Role == "chair" && a.Group == "iab":
		return "IAB Chair"
	case a.Role == "override":
		return "configured approver"
	}
	return a.Role + " of " + a.Group
}

func (s *Service) link(id int64) chat.Span {
	u := render.StatementURL(s.Base, id)
	return chat.L(u, u)
}

func (s *Service) requestDoc(st *store.Statement, aud store.StatementGroups, by string, d destination, warnings []rules.Problem, now time.Time) chat.Doc {
	head := append([]chat.Span{chat.T("🔏 ")}, s.who(d)...)
	head = append(head, chat.T(": your approval is needed for "), render.Ref(s.Base, st.ID), chat.T(" "), chat.B(oneLine(st.Title)),
		chat.T(", pending in the Datatracker (4053bis §4.1)."))
	doc := chat.NewDoc(chat.P(head...),
		render.Fields(render.View{S: st, Groups: aud.Groups, Base: s.Base, DeadlineZone: s.DeadlineZone}))
	sub := "Submitted"
	if by != "" {
		sub += " by " + by
	}
	if st.SubmittedAt != nil {
		sub += " on " + st.SubmittedAt.UTC().Format("2006-01-02")
	}
	doc.Add(chat.P(chat.T(sub + ".")))
	var roles []string
	for _, a := range d.approvers {
		r := roleText(a)
		if len(d.approvers) > 1 {
			r = nameAndEmail(a.Person, a.Email) + " as " + r
		}
		roles = append(roles, r+" for "+strings.Join(a.For, ", "))
	}
	doc.Add(chat.P(chat.T("May approve it: " + strings.Join(roles, "; ") + ".")))
	if len(warnings) > 0 {
		items := make([][]chat.Span, 0, len(warnings))
		for _, w := range warnings {
			items = append(items, chat.Item(chat.T(w.Message)))
		}
		doc.Add(chat.P(chat.B("Before approving:")), chat.List(items...))
	}
	doc.Add(chat.P(chat.T("To approve it, open "), s.link(st.ID), chat.T(" signed in to the Datatracker and press "), chat.B("Approve"),
		chat.T(" (or "), chat.B("Mark as Dead"), chat.T(" to stop it). The Datatracker's own approval mail often reaches nobody, so the bot reminds you every "+
			days(s.every())+" until it is approved, posted or killed, at most "+fmt.Sprint(s.maxReminders())+" times.")))
	return doc
}

func (s *Service) reminderDoc(_ context.Context, st *store.Statement, p, next store.PendingRequest, now time.Time) chat.Doc {
	head := append([]chat.Span{chat.T(fmt.Sprintf("⏰ Reminder %d of %d — ", next.Reminders, s.maxReminders()))}, s.whoOf(p)...)
	since := p.FirstSentAt
	if st.SubmittedAt != nil {
		since = *st.SubmittedAt
	}
	head = append(head, chat.T(": "), render.Ref(s.Base, st.ID), chat.T(" "), chat.B(oneLine(st.Title)),
		chat.T(fmt.Sprintf(" still waits for approval in the Datatracker (pending since %s, %s). Open ", since.UTC().Format("2006-01-02"), ago(now.Sub(since)))),
		s.link(st.ID), chat.T(" and press "), chat.B("Approve"), chat.T("."))
	if next.Reminders >= s.maxReminders() {
		head = append(head, chat.T(" This is the last reminder."))
	}
	return chat.NewDoc(chat.P(head...))
}

func (s *Service) resurrectedDoc(_ context.Context, st *store.Statement, p store.PendingRequest) chat.Doc {
	head := append([]chat.Span{chat.T("♻ ")}, s.whoOf(p)...)
	head = append(head, chat.T(": "), render.Ref(s.Base, st.ID), chat.T(" "), chat.B(oneLine(st.Title)),
		chat.T(" was brought back from dead (resurrected) in the Datatracker and waits for approval again: "), s.link(st.ID), chat.T("."))
	return chat.NewDoc(chat.P(head...))
}

func (s *Service) concludedDoc(st *store.Statement, p store.PendingRequest, state string) chat.Doc {
	ref := []chat.Span{render.Ref(s.Base, p.StatementID)}
	if st != nil {
		ref = append(ref, chat.T(" "), chat.B(oneLine(st.Title)))
	}
	var tail string
	switch state {
	case "posted":
		tail = " was approved and posted in the Datatracker. Nothing more to do; no more reminders."
		ref = append([]chat.Span{chat.T("✅ ")}, ref...)
	case "approved":
		tail = " was approved in the Datatracker. Nothing more to do; no more reminders."
		ref = append([]chat.Span{chat.T("✅ ")}, ref...)
	case "dead":
		tail = " was marked dead (killed) in the Datatracker. No more reminders."
		ref = append([]chat.Span{chat.T("🗑 ")}, ref...)
	default:
		tail = " is no longer pending in the Datatracker (" + state + "). No more reminders."
		ref = append([]chat.Span{chat.T("ℹ ")}, ref...)
	}
	return chat.NewDoc(chat.P(append(ref, chat.T(tail))...))
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		if n := int(d / (24 * time.Hour)); n == 1 {
			return "day"
		} else {
			return fmt.Sprintf("%d days", n)
		}
	}
	return d.String()
}

func ago(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	switch n {
	case 0:
		return "today"
	case 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
