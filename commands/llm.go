package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/llm"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// The optional language-model help (issue 7; BRIEF "Optional
// language-model help"). The model's output is only ever shown: in
// literal text spans under a "machine-generated" label, made inert
// (llm.Inert) before. Nothing it says is acted on: a proposal changes a
// draft only when the chair runs /liaison accept, and extracted metadata is
// only shown, with the command the chair may run.
//
// A handler runs in the transaction of its event, so the model call (at
// most llm.timeout) happens inside it; only reads precede the call, so no
// row is locked meanwhile.

// LLMVerbs are the verbs of the model help. With c nil or disabled (the
// model is off), they answer that the model is not configured.
func LLMVerbs(c *llm.Client) []*Verb {
	h := &llmVerbs{c: c}
	verbs := []*Verb{
		{
			Name:    "polish",
			Args:    "<draft>",
			Summary: "propose a clearer body for a draft (machine-generated; needs the language model)",
			Help: "Asks the configured language model for a clearer body that states the consensus the statement " +
				"represents (4053bis §4.2) and the status of the documents it references (§4.3). The proposal is shown " +
				"and kept; the draft changes only if you then run /liaison accept <draft>. Check the proposal: it is " +
				"machine-generated and not reviewed.",
			Run: h.polish,
		},
		{
			Name:    "extract",
			Body:    "the pasted statement",
			Summary: "propose the §2 metadata of a pasted statement (machine-generated; needs the language model)",
			Help: "Paste a liaison statement on the lines after the command. The configured language model proposes its " +
				"4053bis §2 metadata (from, to, contacts, purpose, deadline, subject) for you to check; nothing is " +
				"recorded. The reply includes the /liaison draft command with those fields.",
			Run: h.extract,
		},
	}
	// accept: llm_accept.go, through the draft edit path (ApplyDraftEdit).
	return append(verbs, acceptVerb(h))
}

type llmVerbs struct{ c *llm.Client }

// off answers that the model is not configured; true when it is off.
func (h *llmVerbs) off(r *Request) (bool, error) {
	if h.c.Enabled() {
		return false, nil
	}
	r.Result = "unavailable"
	return true, r.Reply(chat.Text("The language model is not configured (llm.base_url in the bot's config), so /liaison " +
		r.Verb.Name + " is not available here."))
}

// draftFor loads the draft a polish names, if the sender may
// work on it here: in the draft's room, or its author, or an admin. It
// replies itself and returns nil when not.
func (h *llmVerbs) draftFor(r *Request) (*store.Draft, error) {
	if len(r.Parsed.Args) != 1 {
		return nil, Usagef("Give the draft's number, like D7.")
	}
	id, ok := ParseDraftID(r.Parsed.Args[0])
	if !ok {
		return nil, Usagef("%q is not a draft number (drafts are numbered like D7).", r.Parsed.Args[0])
	}
	d, err := r.Q.DraftByID(r.Ctx, id, false)
	if err != nil {
		return nil, err
	}
	if d == nil || d.Platform != r.Env.Platform || (d.Room != r.Event.Room && d.AuthorID != r.Event.Sender.ID && !r.IsAdmin()) {
		r.Result = "not_found"
		return nil, r.Replyf("There is no draft %s here.", DraftLabel(id))
	}
	if !draftAllows(d, rules.EventEdit) { // as ApplyDraftEdit
		r.Result = "refused"
		return nil, r.Replyf("%s is %s: its body can no longer change.", DraftLabel(id), d.State)
	}
	return d, nil
}

func (h *llmVerbs) polish(r *Request) error {
	if off, err := h.off(r); off {
		return err
	}
	d, err := h.draftFor(r)
	if d == nil {
		return err
	}
	if strings.TrimSpace(d.Body) == "" {
		r.Result = "refused"
		return r.Replyf("%s has no body yet to polish.", DraftLabel(d.ID))
	}
	in := llm.Draft{ID: d.ID, From: d.FromGroups, To: d.ToGroups, Purpose: rules.Purpose(d.Purpose).Title(),
		Subject: d.Subject, Body: d.Body, Consensus: d.Consensus}
	if d.Deadline != nil {
		in.Deadline = d.Deadline.Format("2006-01-02")
	}
	// The status of each referenced document, from the Datatracker where
	// it can be looked up (4053bis §4.3); unknown ones the model marks
	// "to be confirmed".
	for _, ref := range rules.ExtractDocRefs(d.Body) {
		line := ref.Display
		if r.Env.Docs != nil {
			info, err := r.lookupDoc(ref)
			if needsNetwork(err) {
				continue // this pass is rolled back and run again with the answer
			}
			if err != nil {
				r.Log.Warn().Err(err).Str("doc", ref.Name).Msg("document lookup for polish failed")
			} else if st := rules.DocStatus(info); st != "" {
				line += ": " + st
			}
		}
		in.References = append(in.References, line)
	}
	// The model answers outside any transaction; the proposal is for the
	// revision it was asked about (the key), so an edit meanwhile asks again.
	body, err := fetch(r.Ctx, fmt.Sprintf("polish/%d/%d", d.ID, d.Revision), true, func(ctx context.Context) (string, error) {
		if b, ok := h.c.Polish(ctx, in); ok {
			return b, nil
		}
		return "", errNoProposal
	})
	if needsNetwork(err) {
		return err
	}
	ok := err == nil
	if !ok {
		r.Result = "no_proposal"
		return r.Replyf("No proposal could be made for %s right now; the draft is unchanged. Try again later.", DraftLabel(d.ID))
	}
	p := &store.DraftProposal{DraftID: d.ID, Revision: d.Revision, Body: body, Model: h.c.Model(), ProposedBy: r.Actor()}
	if err := r.Q.SaveDraftProposal(r.Ctx, p); err != nil {
		return err
	}
	r.Detail = map[string]any{"draft": d.ID, "revision": d.Revision}
	return r.Reply(ProposalDoc(d.ID, d.Revision, body))
}

// ProposalDoc shows a polishing proposal: labelled, the body quoted as
// literal text, and how to take it.
func ProposalDoc(draftID int64, revision int, body string) chat.Doc {
	id := DraftLabel(draftID)
	return chat.NewDoc(
		chat.P(chat.T("✍ Proposed body for draft "+id+" (revision "+strconv.Itoa(revision)+"), "),
			chat.I(llm.Label+", not reviewed"), chat.T(":")),
		chat.Quote(body),
		chat.P(chat.T("Nothing has changed. To use it as the draft's body: "), chat.C("/liaison accept "+id),
			chat.T(" (that is an edit: approvals given so far are voided, 4053bis §4.1).")),
	)
}

func (h *llmVerbs) extract(r *Request) error {
	if off, err := h.off(r); off {
		return err
	}
	text := strings.TrimSpace(r.Parsed.Body)
	if text == "" {
		return Usagef("Paste the statement on the lines after /liaison extract.")
	}
	md, ok := extractMetadata(r, h.c, text)
	if !ok || md.Empty() {
		r.Result = "no_proposal"
		return r.Reply(chat.Text("No metadata could be read from that text right now. Please fill in the fields yourself (4053bis §2)."))
	}
	acr, err := groupAcronyms(r, append(append([]string{}, md.From...), md.To...))
	if err != nil {
		return err
	}
	return r.Reply(MetadataDoc(md, acr))
}

// groupAcronyms matches body names as the model wrote them ("3GPP SA2",
// "IETF QUIC WG") to the Datatracker groups the bot knows, by acronym
// ("3gpp-sa2") or name; unmatched names are not in the map.
func groupAcronyms(r *Request, names []string) (map[string]string, error) {
	out := map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	gs, err := r.Q.AllGroups(r.Ctx)
	if err != nil {
		return nil, err
	}
	byKey := map[string]string{}
	for _, g := range gs {
		byKey[strings.ToLower(g.Acronym)] = g.Acronym
		if g.Name != "" {
			byKey[strings.ToLower(g.Name)] = g.Acronym
		}
	}
	for _, n := range names {
		k := strings.ToLower(strings.Join(strings.Fields(n), " "))
		for _, c := range []string{k, strings.ReplaceAll(k, " ", "-"), strings.TrimSuffix(strings.TrimPrefix(k, "ietf "), " wg"),
			strings.TrimSuffix(k, " working group")} {
			if a, ok := byKey[c]; ok {
				out[n] = a
				break
			}
		}
	}
	return out, nil
}

// MetadataDoc shows extracted metadata for the chair to check, with the
// /liaison draft command that would start a draft with it. acr maps the
// From and To names to the acronyms of known Datatracker groups; only
// those go into the command.
func MetadataDoc(md llm.Metadata, acr map[string]string) chat.Doc {
	doc := MetadataFields(md, acr)
	cmd := md
	cmd.From, cmd.To = known(md.From, acr), known(md.To, acr)
	if line := DraftCommand(cmd); line != "" {
		doc.Add(chat.P(chat.T("To start a draft with these fields (after checking them):")), chat.Pre(line))
	}
	return doc
}

// MetadataFields lists extracted metadata, labelled as machine-generated.
func MetadataFields(md llm.Metadata, acr map[string]string) chat.Doc {
	val := func(s string) chat.Span {
		if s == "" {
			return chat.I("(not found)")
		}
		return chat.T(s)
	}
	groups := func(names []string) string {
		var out []string
		for _, n := range names {
			if a, ok := acr[n]; ok && !strings.EqualFold(a, n) {
				n += " (" + a + ")"
			} else if !ok {
				n += " (no such Datatracker group)"
			}
			out = append(out, n)
		}
		return strings.Join(out, ", ")
	}
	purpose := ""
	if md.Purpose != "" {
		purpose = md.Purpose.Title()
	}
	item := func(name string, v chat.Span) []chat.Span { return chat.Item(chat.B(name+": "), v) }
	doc := chat.NewDoc(
		chat.P(chat.T("Proposed metadata (4053bis §2), "), chat.I(llm.Label+": check every field"), chat.T(":")),
		chat.List(
			item("From", val(groups(md.From))),
			item("From-Contact", val(md.FromContact)),
			item("To", val(groups(md.To))),
			item("To-Contact", val(md.ToContact)),
			item("Purpose", val(purpose)),
			item("Deadline", val(md.Deadline)),
			item("Subject", val(md.Subject)),
		),
	)
	return doc
}

func known(names []string, acr map[string]string) []string {
	var out []string
	for _, n := range names {
		if a, ok := acr[n]; ok {
			out = append(out, a)
		}
	}
	return out
}

// DraftCommand is the /liaison draft command line with the fields of md,
// as key=value arguments (the field names of rules: from, to, ...; groups
// as acronyms); "" when there is nothing to put in it.
func DraftCommand(md llm.Metadata) string {
	var args []string
	add := func(key, v string) {
		if v != "" {
			args = append(args, key+"="+quoteArg(v))
		}
	}
	add(rules.FieldFrom, strings.Join(md.From, ","))
	add(rules.FieldFromContact, md.FromContact)
	add(rules.FieldTo, strings.Join(md.To, ","))
	add(rules.FieldToContact, md.ToContact)
	add(rules.FieldPurpose, string(md.Purpose))
	add(rules.FieldDeadline, md.Deadline)
	add(rules.FieldSubject, md.Subject)
	if len(args) == 0 {
		return ""
	}
	return "/liaison draft " + strings.Join(args, " ")
}

// quoteArg quotes a value so SplitArgs reads it back as one word. "#"
// would make SplitArgs fall back to splitting on spaces, so it is left
// out.
func quoteArg(v string) string {
	v = strings.Join(strings.Fields(strings.ReplaceAll(v, "#", "")), " ")
	if v != "" && !strings.ContainsAny(v, " \t\"'\\`$") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", "$", `\$`)
	return `"` + r.Replace(v) + `"`
}
