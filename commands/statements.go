package commands

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/render"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// StatementVerbs read the mirror of recorded statements.
func StatementVerbs() []*Verb {
	return []*Verb{
		{
			Name:    "show",
			Args:    "<id>|D<draft> [full]",
			Summary: "show a recorded liaison statement, or a draft with its checklist",
			Help: "Shows the statement's fields (4053bis §2), its attachments, related statements and body, from the bot's mirror of the Datatracker. " +
				"A draft's long body is shown shortened; `show D7 full` gives the whole body in parts that fit in a message.",
			Run: runShow,
		},
		{
			Name:    "list",
			Args:    "[acronym] [incoming|outgoing]",
			Summary: "list recent statements, optionally of one group or direction",
			Help:    "Lists the 15 most recently posted statements, to or from the group if one is named. incoming = from other bodies to the IETF, outgoing = from the IETF.",
			Run:     runList,
		},
		{
			Name:    "search",
			Args:    "<words>",
			Summary: "full-text search of recorded statements",
			Help:    "Searches subjects, the other body's references and bodies. Quotes keep phrases together; -word excludes a word.",
			Run:     runSearch,
		},
	}
}

// ParseID reads a statement number ("2043", "LS2043", "#2043").
func ParseID(s string) (int64, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "ls"), "#")
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return id, err == nil && id > 0
}

func (r *Request) base() string { return r.Env.datatrackerURL() }

// datatrackerURL is the configured Datatracker (datatracker.url) that
// every link points into: a test or staging instance links to itself.
func (e *Env) datatrackerURL() string {
	if e.Config != nil && e.Config.Datatracker.URL != "" {
		return strings.TrimRight(e.Config.Datatracker.URL, "/")
	}
	return "https://datatracker.ietf.org"
}

// LoadView reads a statement and what is needed to show it; nil when the
// statement is not mirrored.
func LoadView(r *Request, id int64) (*render.View, error) {
	s, err := r.Q.StatementByID(r.Ctx, id)
	if err != nil || s == nil {
		return nil, err
	}
	v := &render.View{S: s, Base: r.base(), DeadlineZone: r.Env.deadlineZone()}
	if v.Attachments, err = r.Q.AttachmentsOf(r.Ctx, id); err != nil {
		return nil, err
	}
	rels, err := r.Q.RelatedTo(r.Ctx, id)
	if err != nil {
		return nil, err
	}
	ids := append(append([]int64{}, s.FromGroups...), s.ToGroups...)
	for _, rel := range rels {
		other, answers := rel.Target, true
		if rel.Target == id {
			other, answers = rel.Source, false
		}
		o, err := r.Q.StatementByID(r.Ctx, other)
		if err != nil {
			return nil, err
		}
		if o == nil {
			o = &store.Statement{ID: other, Title: "(not mirrored)"}
		}
		if answers {
			v.RespondsTo = append(v.RespondsTo, o)
		} else {
			v.AnsweredBy = append(v.AnsweredBy, o)
		}
	}
	if v.Groups, err = r.Q.GroupsByID(r.Ctx, ids); err != nil {
		return nil, err
	}
	return v, nil
}

func runShow(r *Request) error {
	args := r.Parsed.Args
	if a := strings.ToLower(first(args)); strings.HasPrefix(a, "d") {
		switch {
		case len(args) == 1:
			return runShowDraft(r, a)
		case len(args) == 2 && strings.EqualFold(args[1], "full"):
			return runShowDraftFull(r, a)
		}
	}
	if len(args) != 1 {
		return Usagef("Give one statement number, e.g. 2043, or a draft number, e.g. D7 (D7 full for its whole body).")
	}
	id, ok := ParseID(r.Parsed.Args[0])
	if !ok {
		return Usagef("%q is not a statement number.", r.Parsed.Args[0])
	}
	v, err := LoadView(r, id)
	if err != nil {
		return err
	}
	if v == nil {
		r.Result = "not_found"
		return r.replyEmpty("LS %d is not in the bot's mirror of the Datatracker (yet). New statements appear within one poll interval.", id)
	}
	return r.Reply(render.Detail(*v, 1500))
}

func runList(r *Request) error {
	var groupID int64
	dir := store.DirectionAny
	label := "Recent statements"
	for _, a := range r.Parsed.Args {
		switch la := strings.ToLower(a); la {
		case "incoming", "in":
			dir = store.DirectionIncoming
		case "outgoing", "out":
			dir = store.DirectionOutgoing
		default:
			g, err := r.Q.GroupByAcronym(r.Ctx, la)
			if err != nil {
				return err
			}
			if g == nil {
				return r.unknownGroup(a)
			}
			groupID = g.ID
			label += " of " + render.GroupLabel(*g)
		}
	}
	if dir != store.DirectionAny {
		label += " (" + string(dir) + ")"
	}
	ss, err := r.Q.ListStatements(r.Ctx, groupID, dir, 15)
	if err != nil {
		return err
	}
	return r.replyList(label, ss)
}

func runSearch(r *Request) error {
	words := strings.TrimSpace(r.Parsed.Raw)
	if words == "" {
		return Usagef("Give the words to search for.")
	}
	ss, err := r.Q.SearchStatements(r.Ctx, words, 15)
	if err != nil {
		return err
	}
	return r.replyList(fmt.Sprintf("Statements matching %q", words), ss)
}

func (r *Request) replyList(label string, ss []*store.Statement) error {
	if len(ss) == 0 {
		return r.replyEmpty("%s: none.", label)
	}
	var ids []int64
	for _, s := range ss {
		ids = append(ids, s.FromGroups...)
		ids = append(ids, s.ToGroups...)
	}
	groups, err := r.Q.GroupsByID(r.Ctx, ids)
	if err != nil {
		return err
	}
	items := make([][]chat.Span, 0, len(ss))
	for _, s := range ss {
		items = append(items, render.Line(r.base(), s, groups))
	}
	return r.Reply(chat.NewDoc(chat.P(chat.T(label+":")), chat.List(items...)))
}

func first(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}
