package commands

import (
	"context"
	"strings"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// RoomVerbs are the verbs about the room itself: which groups it follows,
// and who the sender is to the bot.
func RoomVerbs() []*Verb {
	return []*Verb{
		{
			Name:    "watch",
			Args:    "<acronym> | coordination",
			Summary: "announce this group's liaison statements in this room",
			Help: "Binds the room to a group (a WG, an area, an SDO…): every statement to or from it that is posted in the " +
				"Datatracker is announced here (4053bis §3.1). \"coordination\" makes this a coordination room, which gets " +
				"every announcement and the overdue reminders. Room moderators (Matrix: power level 50 or more; Zulip: moderators and administrators) and bot admins only.",
			RequiresModerator: true,
			Run:               runWatch,
		},
		{
			Name:              "unwatch",
			Args:              "<acronym> | coordination",
			Summary:           "stop announcing a group's statements in this room",
			Help:              "Undoes watch. Room moderators and bot admins only. Bindings from the config file stay until the config changes.",
			RequiresModerator: true,
			Run:               runUnwatch,
		},
		{
			Name:    "watching",
			Summary: "list the groups this room follows",
			Run:     runWatching,
		},
		{
			Name:    "whoami",
			Summary: "show who you are to the bot (chat identity and Datatracker e-mail)",
			Help: "Approvals and submissions are tied to your Datatracker e-mail. On Zulip it is your account e-mail; " +
				"on Matrix the operator maps user IDs to e-mails in the config. Without one you can read but not submit or approve.",
			Run: runWhoami,
		},
	}
}

func (r *Request) requireModerator() error {
	if r.IsAdmin() {
		return nil
	}
	if r.Env.Chat != nil {
		ok, err := fetch(r.Ctx, "moderator/"+r.Event.Room+"/"+r.Event.Sender.ID, false, func(ctx context.Context) (bool, error) {
			return r.Env.Chat.IsModerator(ctx, r.Event.Room, r.Event.Sender)
		})
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	who := "room moderators"
	switch r.Env.Platform {
	case "matrix":
		who = "room moderators (power level 50 or more)"
	case "zulip":
		who = "the organization's moderators, administrators and owners"
	}
	return Deniedf("Only %s and bot admins can change what this room follows.", who)
}

func bindingArg(r *Request) (group string, coordination bool, err error) {
	if len(r.Parsed.Args) != 1 {
		return "", false, Usagef("Name one group acronym, e.g. teas, or the word coordination.")
	}
	a := strings.ToLower(r.Parsed.Args[0])
	if a == "coordination" {
		return "", true, nil
	}
	if !validAcronym(a) {
		return "", false, Usagef("%q is not a group acronym (letters, digits and dashes, like teas or itu-t-sg-15).", r.Parsed.Args[0])
	}
	return a, false, nil
}

func validAcronym(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func runWatch(r *Request) error {
	g, coord, err := bindingArg(r)
	if err != nil {
		return err
	}
	added, err := r.Q.AddBinding(r.Ctx, store.Binding{
		Platform: r.Env.Platform, Room: r.Event.Room, Group: g, Coordination: coord,
		Source: store.SourceCommand, CreatedBy: r.Actor(),
	})
	if err != nil {
		return err
	}
	what := "statements to or from " + g
	if coord {
		what = "every statement, as a coordination room"
	}
	if !added {
		return r.Replyf("This room already receives %s.", what)
	}
	return r.Replyf("This room will receive %s.", what)
}

func runUnwatch(r *Request) error {
	g, _, err := bindingArg(r)
	if err != nil {
		return err
	}
	removed, err := r.Q.RemoveBinding(r.Ctx, r.Env.Platform, r.Event.Room, g)
	if err != nil {
		return err
	}
	if !removed {
		r.Result = "not_found"
		return r.Replyf("This room was not following %s.", nameOr(g, "as a coordination room"))
	}
	return r.Replyf("This room no longer follows %s.", nameOr(g, "as a coordination room"))
}

func nameOr(g, coord string) string {
	if g == "" {
		return coord
	}
	return g
}

func runWatching(r *Request) error {
	bs, err := r.Q.BindingsOfRoom(r.Ctx, r.Env.Platform, r.Event.Room)
	if err != nil {
		return err
	}
	if len(bs) == 0 {
		return r.Reply(chat.NewDoc(chat.P(chat.T("This room follows no group. A moderator can add one with "), chat.C("/liaison watch <acronym>"), chat.T("."))))
	}
	var items [][]chat.Span
	for _, b := range bs {
		label := b.Group
		if b.Coordination {
			label = "coordination room (every statement)"
		}
		items = append(items, chat.Item(chat.B(label), chat.T(" — from "+b.Source)))
	}
	return r.Reply(chat.NewDoc(chat.P(chat.T("This room follows:")), chat.List(items...)))
}

func runWhoami(r *Request) error {
	s := r.Event.Sender
	name := s.ID
	if s.DisplayName != "" && s.DisplayName != s.ID {
		name = s.ID + " (" + s.DisplayName + ")"
	}
	doc := chat.NewDoc(chat.P(chat.T("You are "), chat.C(name), chat.T(" on "+r.Env.Platform+".")))
	if s.Email != "" {
		doc.Add(chat.P(chat.T("Datatracker e-mail: "), chat.C(s.Email), chat.T(". Your Datatracker roles decide what you may submit and approve.")))
	} else {
		doc.Add(chat.P(chat.T("No Datatracker e-mail is known for you, so you can read but not submit or approve. Ask the operator to map your account.")))
	}
	if r.IsAdmin() {
		doc.Add(chat.P(chat.T("You are a bot admin.")))
	}
	return r.Reply(doc)
}
