package commands

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// Drafts: the §2 fields and their parsing.

// ---- field parsing ----

var fieldAliases = map[string]string{
	"from": "from", "from_groups": "from",
	"to": "to", "to_groups": "to",
	"to_contact": "to_contact", "to-contact": "to_contact", "tocontact": "to_contact", "to_contacts": "to_contact",
	"send_to": "send_to", "send-to": "send_to", "sendto": "send_to",
	"from_contact": "from_contact", "from-contact": "from_contact", "fromcontact": "from_contact",
	"send_reply_to": "send_reply_to", "send-reply-to": "send_reply_to", "reply_to": "send_reply_to", "reply-to": "send_reply_to",
	"purpose":  "purpose",
	"deadline": "deadline",
	"subject":  "subject", "title": "subject",
	"attachments": "attachments", "attachment": "attachments", "attach": "attachments",
	"related":   "related",
	"consensus": "consensus",
	"body":      "body",
}

// draftFieldNames are the keys a draft accepts, aliases included.
var draftFieldNames = slices.Sorted(maps.Keys(fieldAliases))

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// applyFields sets draft fields from key=value pairs; it refuses unknown
// keys and values the procedure rules out outright.
func applyFields(d *store.Draft, kv map[string]string, today rules.Date) error {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := strings.TrimSpace(kv[k])
		field, ok := fieldAliases[strings.ToLower(k)]
		if !ok {
			return Usagef("Unknown field %q. %s", k, fieldsHelp)
		}
		if strings.ContainsAny(v, "\r\n") {
			return Usagef("The %s must be one line (4053bis §2.3).", field)
		}
		switch field {
		case "from":
			d.FromGroups = lowerAll(splitList(v))
		case "to":
			d.ToGroups = lowerAll(splitList(v))
		case "to_contact":
			d.ToContact = v
		case "send_to":
			d.SendTo = v
		case "from_contact":
			d.FromContact = v
		case "send_reply_to":
			d.SendReplyTo = v
		case "purpose":
			p, err := rules.ParsePurpose(v)
			if err != nil {
				return Usagef("%s", err.Error())
			}
			if err := p.ValidForNewDraft(); err != nil {
				return Usagef("%s", err.Error())
			}
			d.Purpose = string(p)
		case "deadline":
			if v == "" || v == "none" {
				d.Deadline = nil
				continue
			}
			dt, err := rules.ParseDate(v)
			if err != nil {
				return Usagef("%q is not a date; write the deadline as YYYY-MM-DD.", v)
			}
			if !dt.After(today) {
				return Usagef("The deadline %s is not in the future (today is %s); a For Action statement needs a future deadline (4053bis §2.2).", dt, today)
			}
			t := dt.Time(time.UTC)
			d.Deadline = &t
		case "subject":
			d.Subject = v
		case "attachments":
			d.Attachments = splitList(v)
		case "related":
			if v == "" || v == "none" {
				d.Related = 0
				continue
			}
			id, ok := ParseID(v)
			if !ok {
				return Usagef("%q is not a statement number.", v)
			}
			d.Related = id
		case "consensus":
			d.Consensus = v
		case "body":
			d.Body = v
		}
	}
	return nil
}

// RulesDraft converts a stored draft for the process rules.
func RulesDraft(d *store.Draft) rules.Draft {
	rd := rules.Draft{
		From: d.FromGroups, FromContact: d.FromContact, SendReplyTo: d.SendReplyTo,
		To: d.ToGroups, ToContact: d.ToContact, SendTo: d.SendTo,
		Purpose: rules.Purpose(d.Purpose), Subject: d.Subject, Body: d.Body,
		Attachments: d.Attachments, Related: d.Related, Consensus: d.Consensus,
	}
	if d.Deadline != nil {
		dt := rules.DateOf(*d.Deadline, time.UTC)
		rd.Deadline = &dt
	}
	return rd
}

// checkDraft is the full checklist: the §2/§4.2 checks and the §4.3
// referenced-document warnings.
func (r *Request) checkDraft(dir rules.Directory, d *store.Draft) rules.Checklist {
	rd := RulesDraft(d)
	c := rules.Check(rd, r.Env.Today(), dir)
	if d.Related != 0 {
		if s, err := r.Q.StatementByID(r.Ctx, d.Related); err == nil && s == nil {
			c.Warnings = append(c.Warnings, rules.Problem{Field: rules.FieldRelated, Section: "§2.2",
				Message: fmt.Sprintf("LS %d is not in the bot's mirror of the Datatracker; check the number.", d.Related)})
		}
	}
	if r.Env.Docs != nil {
		refs := rules.ExtractDocRefs(d.Subject + "\n" + d.Body)
		var infos []rules.DocInfo
		for _, ref := range refs {
			info, err := r.lookupDoc(ref)
			if needsNetwork(err) {
				continue // this pass is rolled back and run again with the answer
			}
			if err != nil {
				r.Log.Warn().Err(err).Str("doc", ref.Name).Msg("document lookup failed")
				c.Warnings = append(c.Warnings, rules.Problem{Field: rules.FieldBody, Section: "§4.3",
					Message: fmt.Sprintf("Could not look up %s in the Datatracker; state its status in the statement (4053bis §4.3).", ref.Display)})
				continue
			}
			infos = append(infos, info)
		}
		c.Warnings = append(c.Warnings, rules.DocWarnings(infos)...)
	}
	return c
}
