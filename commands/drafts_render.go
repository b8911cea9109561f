package commands

import (
	"fmt"
	"slices"
	"strings"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// Drafts: rendering and loading.

// ---- rendering ----

func fieldOr(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func deadlineText(d *store.Draft) string {
	if d.Deadline == nil {
		return "—"
	}
	return d.Deadline.Format("2006-01-02")
}

func purposeText(p string) string {
	if p == "" {
		return "—"
	}
	return rules.Purpose(p).Title()
}

func relatedText(id int64) string {
	if id == 0 {
		return "—"
	}
	return fmt.Sprintf("LS %d", id)
}

// draftFields lists the §2 fields of a draft.
func draftFields(dir rules.Directory, d *store.Draft) chat.Block {
	item := func(label, value string) []chat.Span { return chat.Item(chat.B(label+": "), chat.T(value)) }
	return chat.List(
		item("From", fieldOr(dir.Display(d.FromGroups))),
		item("From-Contact", fieldOr(d.FromContact)),
		item("Send-Reply-To", fieldOr(d.SendReplyTo)),
		item("To", fieldOr(dir.Display(d.ToGroups))),
		item("To-Contact", fieldOr(d.ToContact)),
		item("Send-To", fieldOr(d.SendTo)),
		item("Purpose", purposeText(d.Purpose)),
		item("Deadline", deadlineText(d)),
		item("Subject", fieldOr(d.Subject)),
		item("Attachments", fieldOr(strings.Join(d.Attachments, ", "))),
		item("Related", relatedText(d.Related)),
		item("Consensus", fieldOr(d.Consensus)),
	)
}

func checklistBlocks(c rules.Checklist) []chat.Block {
	var out []chat.Block
	if c.Complete() {
		out = append(out, chat.P(chat.B("Checklist: "), chat.T("complete — ready to submit.")))
	} else {
		items := make([][]chat.Span, 0, len(c.Missing))
		for _, p := range c.Missing {
			items = append(items, chat.Item(chat.T("☐ "+p.Message)))
		}
		out = append(out, chat.P(chat.B("Checklist — still missing:")), chat.List(items...))
	}
	if len(c.Warnings) > 0 {
		items := make([][]chat.Span, 0, len(c.Warnings))
		for _, p := range c.Warnings {
			items = append(items, chat.Item(chat.T("⚠ "+p.Message)))
		}
		out = append(out, chat.P(chat.B("Warnings:")), chat.List(items...))
	}
	return out
}

// draftDoc shows a draft with its checklist (every show ends with it).
func (r *Request) draftDoc(dir rules.Directory, d *store.Draft, headline string) chat.Doc {
	blocks := []chat.Block{
		chat.P(chat.T(headline+" "), chat.B(fmt.Sprintf("%s (revision %d, %s)", DraftLabel(d.ID), d.Revision, d.State)), chat.T(": "), chat.T(fieldOr(d.Subject))),
		draftFields(dir, d),
	}
	blocks = append(blocks, bodyBlocks(d.ID, d.Body)...)
	switch d.State {
	case rules.DraftDraft, rules.DraftReturned:
		if d.State == rules.DraftReturned {
			if status, err := cardStatus(r.Ctx, r.Q, r.Env, dir, d, store.ApprovalRequest{Revision: d.Revision}); err == nil {
				blocks = append(blocks, status)
			}
		}
		blocks = append(blocks, checklistBlocks(r.checkDraft(dir, d))...)
	default:
		// Submitted or decided: where it stands, who decided, when and
		// what comes next (the approval card's status line).
		if status, err := cardStatus(r.Ctx, r.Q, r.Env, dir, d, store.ApprovalRequest{Revision: d.Revision}); err == nil {
			blocks = append(blocks, status)
		}
	}
	return chat.NewDoc(blocks...)
}

// ---- loading ----

// loadDraft reads the draft named by args[0], locked for the transaction.
func (r *Request) loadDraft(arg string) (*store.Draft, error) {
	id, ok := ParseDraftID(arg)
	if !ok {
		return nil, Usagef("%q is not a draft number (drafts are numbered like D7).", arg)
	}
	d, err := r.Q.DraftByID(r.Ctx, id, true)
	if err != nil {
		return nil, err
	}
	if d == nil || d.Platform != r.Env.Platform {
		r.Result = "not_found"
		return nil, Usagef("There is no draft %s. `/liaison drafts` lists the open ones.", DraftLabel(id))
	}
	return d, nil
}

func (r *Request) audit(action string, d *store.Draft, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["draft"] = d.ID
	detail["revision"] = d.Revision
	detail["state"] = d.State
	return r.Q.AddAudit(r.Ctx, store.Audit{
		Platform: r.Env.Platform, Actor: r.Event.Sender.ID, ActorEmail: r.Event.Sender.Email, Room: r.Event.Room,
		Action: action, Result: "ok", Detail: detail,
	})
}

// roomGroups are the groups the command's room follows.
func (r *Request) roomGroups() ([]string, error) {
	bs, err := r.Q.BindingsOfRoom(r.Ctx, r.Env.Platform, r.Event.Room)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, b := range bs {
		if b.Group != "" && !slices.Contains(out, b.Group) {
			out = append(out, b.Group)
		}
	}
	return out, nil
}
