// Package render turns mirrored liaison statements into chat documents
// (announcements, `show`, list lines). All Datatracker text goes into
// literal spans, so a subject such as `<img src=x onerror=…>`, "@room" or a
// Markdown link renders inert on every platform.
package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// View is a statement with what is needed to show it.
type View struct {
	S           *store.Statement
	Groups      map[int64]store.Group
	Attachments []store.Attachment
	// RespondsTo are the statements S answers (S is the source of a
	// relation); AnsweredBy those answering S.
	RespondsTo []*store.Statement
	AnsweredBy []*store.Statement
	// Base is the Datatracker base URL, for links.
	Base string
	// DeadlineZone is the zone deadlines are read in (a date alone is
	// ambiguous: 4053bis §2 / Datatracker issue #6108).
	DeadlineZone string
	// Summary is an optional machine-generated summary.
	Summary string
}

// Purpose names a purpose slug in words (4053bis §2.2).
func Purpose(slug string) string {
	switch slug {
	case "info":
		return "For Information"
	case "action":
		return "For Action"
	case "response":
		return "In Response"
	case "comment":
		return "For Comment"
	case "":
		return "(no purpose)"
	}
	return slug
}

// GroupLabel shows a group as the Datatracker's own mails do not: acronym
// (WGs lower-case, other bodies upper-case) and name.
func GroupLabel(g store.Group) string {
	ac := g.Acronym
	if g.Type != "wg" && g.Type != "rg" {
		ac = strings.ToUpper(ac)
	}
	if g.Name != "" && !strings.EqualFold(g.Name, g.Acronym) {
		return ac + " (" + g.Name + ")"
	}
	return ac
}

// Groups shows a list of group IDs.
func Groups(ids []int64, groups map[int64]store.Group) string {
	var out []string
	for _, id := range ids {
		if g, ok := groups[id]; ok {
			out = append(out, GroupLabel(g))
		} else {
			out = append(out, fmt.Sprintf("group %d", id))
		}
	}
	if len(out) == 0 {
		return "(none)"
	}
	return strings.Join(out, ", ")
}

// StatementURL is the statement's public page.
func StatementURL(base string, id int64) string {
	return strings.TrimRight(base, "/") + fmt.Sprintf("/liaison/%d/", id)
}

// Deadline shows a deadline date with its zone.
func Deadline(d *time.Time, zone string) string {
	if d == nil {
		return ""
	}
	s := d.Format("2006-01-02")
	if zone != "" {
		s += " (" + zone + ")"
	}
	return s
}

// Ref is "LS 2043" linked to its page.
func Ref(base string, id int64) chat.Span {
	return chat.L(fmt.Sprintf("LS %d", id), StatementURL(base, id))
}

// Topic is the thread title of a statement ("LS 2043: subject"), used as
// the Zulip topic.
func Topic(s *store.Statement) string {
	return fmt.Sprintf("LS %d: %s", s.ID, strings.Join(strings.Fields(s.Title), " "))
}

func field(name string, spans ...chat.Span) []chat.Span {
	return append([]chat.Span{chat.B(name + ": ")}, spans...)
}

// Fields is the list of a statement's §2 fields.
func Fields(v View) chat.Block {
	s := v.S
	items := [][]chat.Span{
		field("Purpose", chat.T(Purpose(s.Purpose))),
	}
	if s.Deadline != nil {
		items = append(items, field("Deadline", chat.T(Deadline(s.Deadline, v.DeadlineZone))))
	}
	from := Groups(s.FromGroups, v.Groups)
	if s.FromContact != "" {
		from += " — " + s.FromContact
	}
	items = append(items, field("From", chat.T(from)))
	to := Groups(s.ToGroups, v.Groups)
	if s.ToContacts != "" {
		to += " — " + s.ToContacts
	}
	items = append(items, field("To", chat.T(to)))
	if s.ResponseContacts != "" {
		items = append(items, field("Send replies to", chat.T(s.ResponseContacts)))
	}
	if s.TechnicalContacts != "" {
		items = append(items, field("Technical contact", chat.T(s.TechnicalContacts)))
	}
	if s.OtherIdentifiers != "" {
		items = append(items, field("Their reference", chat.T(s.OtherIdentifiers)))
	}
	for _, r := range v.RespondsTo {
		items = append(items, field("In response to", Ref(v.Base, r.ID), chat.T(" "+r.Title)))
	}
	for _, r := range v.AnsweredBy {
		items = append(items, field("Answered by", Ref(v.Base, r.ID), chat.T(" "+r.Title)))
	}
	for _, a := range v.Attachments {
		title := a.Title
		if title == "" {
			title = a.Document
		}
		if a.URL != "" {
			items = append(items, field("Attachment", chat.L(title, a.URL)))
		} else {
			items = append(items, field("Attachment", chat.T(title)))
		}
	}
	return chat.List(items...)
}

// Announcement is the message posted when a statement is recorded.
func Announcement(v View) chat.Doc {
	s := v.S
	dir := "New liaison statement"
	doc := chat.NewDoc(
		chat.P(chat.T("📨 "+dir+" "), Ref(v.Base, s.ID), chat.T(": "), chat.B(oneLine(s.Title))),
		Fields(v),
	)
	if v.Summary != "" {
		doc.Add(SummaryBlock(v.Summary))
	}
	doc.Add(chat.P(chat.T("Details: "), chat.C(fmt.Sprintf("/liaison show %d", s.ID)),
		chat.T(" · Replies go in this thread.")))
	return doc
}

// SummaryLabel introduces a machine-generated summary.
const SummaryLabel = "Summary (machine-generated): "

// SummaryBlock shows a machine-generated summary: labelled, and in a
// literal text span (escaped by every renderer), never as markup.
func SummaryBlock(summary string) chat.Block {
	return chat.P(chat.I(SummaryLabel), chat.T(summary))
}

// Detail is the answer to `show`: the fields and the body.
func Detail(v View, bodyLimit int) chat.Doc {
	s := v.S
	doc := chat.NewDoc(
		chat.P(Ref(v.Base, s.ID), chat.T(": "), chat.B(oneLine(s.Title)), chat.T(" ["+s.State+"]")),
		Fields(v),
	)
	if body := strings.TrimSpace(strings.ReplaceAll(s.Body, "\r\n", "\n")); body != "" {
		if bodyLimit > 0 && len([]rune(body)) > bodyLimit {
			body = string([]rune(body)[:bodyLimit]) + "…"
		}
		doc.Add(chat.Quote(body))
	}
	return doc
}

// Line is one statement as a list item.
func Line(base string, s *store.Statement, groups map[int64]store.Group) []chat.Span {
	spans := []chat.Span{Ref(base, s.ID), chat.T(" " + oneLine(s.Title) + " — " + Purpose(s.Purpose) + ", " +
		Groups(s.FromGroups, groups) + " → " + Groups(s.ToGroups, groups))}
	if s.Deadline != nil {
		spans = append(spans, chat.T(", deadline "+s.Deadline.Format("2006-01-02")))
	}
	return spans
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
