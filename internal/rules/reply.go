package rules

import "strings"

// Incoming is the part of a recorded statement that a reply needs.
// Contact fields are comma-separated, as the Datatracker stores them.
type Incoming struct {
	ID         int64
	FromGroups []string // acronyms of the sending bodies
	ToGroups   []string // acronyms of the receiving (IETF) groups
	// ResponseContacts is the original's "Send Reply To" (Datatracker
	// response_contacts, 4053bis §2.1).
	ResponseContacts  string
	FromContact       string
	TechnicalContacts string
	Title             string
}

// ReplyPrefix starts the subject of a pre-filled reply. 4053bis prescribes
// no subject for replies; "Reply to: <original title>" keeps the link
// visible in mail and chat.
const ReplyPrefix = "Reply to: "

// ReplyDraft pre-fills an In Response draft answering orig (4053bis §2.1,
// §2.2):
//
//   - To is the original's From groups;
//   - Send-To is the original's Send-Reply-To (response contacts) when
//     present: "If a liaison statement is a reply, this 'Send to' address is
//     the 'Send Reply To' address provided by the other organisation in the
//     original statement" (§2.1);
//   - To-Contact is the other body's people: the original's From-Contact
//     and technical contacts (§2.1: "all addresses associated with the 'To'
//     information ... as well as any additional experts"), or the response
//     contacts when the original names nobody else;
//   - Purpose is In Response and Related is orig.ID (§2.2);
//   - Subject is [ReplyPrefix] + the original title on one line (not
//     doubled when the title already starts with it);
//   - From is from when given, otherwise the original's To groups.
//
// From-Contact, Send-Reply-To, body, attachments and the consensus line are
// left for the chair; no deadline is set (In Response "expects no further
// response", §2.2).
func ReplyDraft(orig Incoming, from []string) Draft {
	d := Draft{
		From:    dedupe(from),
		To:      dedupe(orig.FromGroups),
		Purpose: PurposeResponse,
		Related: orig.ID,
	}
	if len(d.From) == 0 {
		d.From = dedupe(orig.ToGroups)
	}
	respond := dedupeMailboxes(contactList(orig.ResponseContacts))
	d.SendTo = strings.Join(respond, ", ")
	people := dedupeMailboxes(append(contactList(orig.FromContact), contactList(orig.TechnicalContacts)...))
	if len(people) == 0 {
		people = respond
	}
	d.ToContact = strings.Join(people, ", ")
	title := strings.Join(strings.Fields(orig.Title), " ")
	if strings.HasPrefix(strings.ToLower(title), strings.ToLower(ReplyPrefix)) || title == "" {
		d.Subject = title
	} else {
		d.Subject = ReplyPrefix + title
	}
	return d
}

// dedupeMailboxes drops mailboxes whose address was already listed.
func dedupeMailboxes(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range list {
		a := strings.TrimSpace(m)
		if i, j := strings.LastIndex(a, "<"), strings.LastIndex(a, ">"); i >= 0 && j > i {
			a = a[i+1 : j]
		}
		if seen[key(a)] {
			continue
		}
		seen[key(a)] = true
		out = append(out, strings.TrimSpace(m))
	}
	return out
}

// contactList splits a contact field into its entries without validating
// them (a reply keeps whatever the original says; [Check] flags bad ones).
// The older Datatracker form of a from_contact, a resource URI
// "/api/v1/person/email/<address>/", becomes the address.
func contactList(s string) []string {
	var out []string
	for _, p := range splitOutsideQuotes(s) {
		p = strings.TrimSpace(p)
		if a, ok := strings.CutPrefix(p, "/api/v1/person/email/"); ok {
			p = strings.TrimSuffix(a, "/")
		}
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
