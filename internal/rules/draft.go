package rules

import (
	"fmt"
	"net/mail"
	"path"
	"strings"
	"unicode/utf8"
)

// Field names of a draft, as used in [Problem.Field] and by the chat
// commands' key=value arguments.
const (
	FieldFrom        = "from"
	FieldFromContact = "from_contact"
	FieldSendReplyTo = "send_reply_to"
	FieldTo          = "to"
	FieldToContact   = "to_contact"
	FieldSendTo      = "send_to"
	FieldPurpose     = "purpose"
	FieldDeadline    = "deadline"
	FieldSubject     = "subject"
	FieldBody        = "body"
	FieldAttachments = "attachments"
	FieldRelated     = "related"
	FieldConsensus   = "consensus"
)

// Draft is an outgoing liaison statement being prepared, with the content
// 4053bis §2 lists.
type Draft struct {
	// From: the sending IETF groups (acronyms), one or more (§2.1).
	From []string
	// FromContact: e-mail addresses of the From body, comma-separated
	// (§2.1): chairs, the WG list, ADs, the liaison manager...
	FromContact string
	// SendReplyTo ("From-Liaison-Contact"): optional single place replies
	// go to, usually the liaison manager's alias or
	// liaison-coordination@iab.org (§2.1).
	SendReplyTo string
	// To: the receiving bodies (acronyms), one or more (§2.1).
	To []string
	// ToContact: e-mail addresses at the receiving body, comma-separated
	// (§2.1).
	ToContact string
	// SendTo ("To-Liaison-Contact"): when set, the statement is sent only
	// here and not to ToContact (§2.1). In a reply it is the original's
	// Send-Reply-To. (A Datatracker hand-off puts it in "to_contacts".)
	SendTo string
	// Purpose: For Information, For Action or In Response (§2.2).
	Purpose Purpose
	// Deadline: required for For Action (§2.2); a date in the deadline
	// zone.
	Deadline *Date
	// Subject: short, single line (§2.3).
	Subject string
	// Body: the content, plain text recommended (§2.3).
	Body string
	// Attachments: file names or URLs (§2.3).
	Attachments []string
	// Related: the Datatracker id of the statement this one answers; 0 when
	// none. Required for In Response (§2.2).
	Related int64
	// Consensus: what consensus the statement represents (§4.2), e.g. "WG
	// consensus", "based on RFC 9110", "collected comments, not consensus",
	// "chairs' summary".
	Consensus string
}

// ConsensusExamples are example consensus lines for help texts (4053bis
// §4.2, §4.2.1).
var ConsensusExamples = []string{
	"WG consensus",
	"based on RFC 9110",
	"collected comments, not consensus",
	"chairs' summary",
}

// Limits on the subject line.
const (
	// MaxSubjectLen is the longest subject the Datatracker accepts (its
	// title field holds 255 characters).
	MaxSubjectLen = 255
	// LongSubjectLen is the length above which a subject draws a warning:
	// 4053bis §2.3 asks for a "short (single line) subject".
	LongSubjectLen = 100
)

// Checklist is the result of [Check].
type Checklist struct {
	// Missing lists what blocks submitting the draft.
	Missing []Problem
	// Warnings lists what should be looked at but does not block.
	Warnings []Problem
}

// Complete reports whether nothing is missing (warnings do not count).
func (c Checklist) Complete() bool { return len(c.Missing) == 0 }

func (c *Checklist) missing(field, section, msg string) {
	c.Missing = append(c.Missing, problem(field, section, msg))
}

func (c *Checklist) warn(field, section, msg string) {
	c.Warnings = append(c.Warnings, problem(field, section, msg))
}

// Check checks a draft against the procedure before approval is asked.
// today is the current date in the deadline zone (see [DateOf]); dir
// supplies the group types. Referenced documents are checked separately
// with [ExtractDocRefs] and [DocWarnings], since that needs the Datatracker.
//
// Missing (blocks submit):
//   - no From group, or a From group that is unknown or cannot send
//     ([CanOriginate]; 4053bis §1, §2.1, §4);
//   - no From-Contact, no To group, no To-Contact, or an address that is
//     not a valid mailbox in any contact field (§2.1);
//   - no purpose, an unknown one, or the retired For Comment (§1.1, §2.2);
//   - For Action without a deadline, or with a deadline that is not after
//     today (§2.2);
//   - In Response without the statement it answers (§2.2);
//   - no subject, a subject of more than one line, or longer than the
//     Datatracker accepts (§2.3);
//   - neither body nor attachment (§2.3);
//   - no consensus line (§4.2; §1 "highly recommended").
//
// Warnings:
//   - a deadline on For Information or In Response, which expect no
//     response (§2.2);
//   - a subject longer than [LongSubjectLen] (§2.3);
//   - an attachment in a proprietary format (Word, PowerPoint, Excel,
//     Visio, ...) without a PDF, HTML or plain-text file of the same name
//     (§2.3);
//   - a To group that is not another organisation (§2), or not in dir.
//
// 4053bis gives no minimum time between sending a For Action statement and
// its deadline (§2.2 only says a receiver who cannot make it may ask for "a
// more doable deadline"), so Check does not warn about short deadlines.
func Check(d Draft, today Date, dir Directory) Checklist {
	var c Checklist

	// From (4053bis §2.1) and who may send (§1, §4).
	from := dedupe(d.From)
	if len(from) == 0 {
		c.missing(FieldFrom, secContacts, "Fill in From: the IETF group that sends the statement")
	}
	for _, acr := range from {
		g, ok := dir.GroupByAcronym(acr)
		if !ok {
			c.missing(FieldFrom, secContacts, fmt.Sprintf("From group %s is not a known group; check the acronym", acr))
			continue
		}
		if err := CanOriginate(g); err != nil {
			c.Missing = append(c.Missing, Problem{Field: FieldFrom, Message: err.Error(), Section: sectionOf(err.Error())})
		}
	}
	checkContacts(&c, FieldFromContact, "From-Contact", d.FromContact, true,
		"Fill in From-Contact: the e-mail addresses of the sending group, e.g. its chairs and list")
	checkContacts(&c, FieldSendReplyTo, "Send-Reply-To", d.SendReplyTo, false, "")

	// To (4053bis §2.1); outgoing statements go to other organisations (§2).
	to := dedupe(d.To)
	if len(to) == 0 {
		c.missing(FieldTo, secContacts, "Fill in To: the body the statement is sent to")
	}
	for _, acr := range to {
		g, ok := dir.GroupByAcronym(acr)
		switch {
		case !ok:
			c.warn(FieldTo, secContacts, fmt.Sprintf("To group %s is not a known body; the Datatracker only offers bodies it knows, so check the acronym or ask the liaison coordinators", acr))
		case GroupType(key(string(g.Type))) != TypeSDO:
			c.warn(FieldTo, secContent, fmt.Sprintf("To group %s is not another organisation; liaison statements go from one organisation to another", DisplayAcronym(g)))
		}
	}
	checkContacts(&c, FieldToContact, "To-Contact", d.ToContact, true,
		"Fill in To-Contact: the e-mail addresses at the receiving body")
	checkContacts(&c, FieldSendTo, "Send-To", d.SendTo, false, "")

	// Purpose and deadline (4053bis §2.2).
	if err := d.Purpose.ValidForNewDraft(); err != nil {
		c.Missing = append(c.Missing, Problem{Field: FieldPurpose, Message: err.Error(), Section: sectionOf(err.Error())})
	}
	switch {
	case d.Purpose.NeedsDeadline() && d.Deadline == nil:
		c.missing(FieldDeadline, secPurpose, "A For Action statement needs a deadline")
	case d.Purpose.NeedsDeadline() && !d.Deadline.Valid():
		c.missing(FieldDeadline, secPurpose, "The deadline is not a valid date")
	case d.Purpose.NeedsDeadline() && !d.Deadline.After(today):
		c.missing(FieldDeadline, secPurpose, fmt.Sprintf("The deadline %s is not after today (%s); give the receiver time to act", d.Deadline, today))
	case d.Deadline != nil && (d.Purpose == PurposeInfo || d.Purpose == PurposeResponse):
		c.warn(FieldDeadline, secPurpose, fmt.Sprintf("%s expects no response, so a deadline is unusual; use For Action if you need an answer by %s", d.Purpose.Title(), d.Deadline))
	}
	if d.Purpose == PurposeResponse && d.Related <= 0 {
		c.missing(FieldRelated, secPurpose, "An In Response statement must say which statement it answers")
	}

	// Subject (4053bis §2.3).
	subj := strings.TrimSpace(d.Subject)
	n := utf8.RuneCountInString(subj)
	switch {
	case subj == "":
		c.missing(FieldSubject, secBody, "Give a subject line")
	case strings.ContainsAny(subj, "\r\n"):
		c.missing(FieldSubject, secBody, "The subject must be a single line")
	case n > MaxSubjectLen:
		c.missing(FieldSubject, secBody, fmt.Sprintf("The subject has %d characters; the Datatracker takes at most %d, and it should be short", n, MaxSubjectLen))
	case n > LongSubjectLen:
		c.warn(FieldSubject, secBody, fmt.Sprintf("The subject has %d characters; keep it short", n))
	}

	// Body and attachments (4053bis §2.3).
	atts := dedupe(d.Attachments)
	if strings.TrimSpace(d.Body) == "" && len(atts) == 0 {
		c.missing(FieldBody, secBody, "Give a body or at least one attachment")
	}
	c.Warnings = append(c.Warnings, AttachmentWarnings(atts)...)

	// Consensus (4053bis §4.2).
	if strings.TrimSpace(d.Consensus) == "" {
		c.missing(FieldConsensus, secConsensus, `Say what consensus the statement represents, e.g. "WG consensus", "based on RFC 9110", "collected comments, not consensus" or "chairs' summary"`)
	}
	return c
}

// sectionOf extracts the citation from a message built by cite.
func sectionOf(msg string) string {
	i := strings.LastIndex(msg, "(")
	j := strings.LastIndex(msg, ")")
	if i < 0 || j < i {
		return ""
	}
	return msg[i+1 : j]
}

// checkContacts validates a comma-separated list of mailboxes.
func checkContacts(c *Checklist, field, label, list string, required bool, missingMsg string) {
	addrs, bad := SplitContacts(list)
	if len(addrs) == 0 && len(bad) == 0 {
		if required {
			c.missing(field, secContacts, missingMsg)
		}
		return
	}
	for _, b := range bad {
		c.missing(field, secContacts, fmt.Sprintf("%s: %q is not an e-mail address", label, b))
	}
}

// SplitContacts splits a contact field into mailboxes. Entries are
// separated by commas, semicolons or new lines, and may be bare addresses
// ("a@example.org") or "Name <a@example.org>" (a quoted name may contain
// commas). It returns the valid mailboxes as written (trimmed) and the
// entries that are not mailboxes.
func SplitContacts(list string) (ok, bad []string) {
	for _, part := range splitOutsideQuotes(list) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, err := mail.ParseAddress(part)
		if err != nil || !strings.Contains(a.Address, "@") || strings.ContainsAny(a.Address, " \t") {
			bad = append(bad, part)
			continue
		}
		ok = append(ok, part)
	}
	return ok, bad
}

// splitOutsideQuotes splits s at ',', ';' and line ends that are not inside
// double quotes or angle brackets.
func splitOutsideQuotes(s string) []string {
	var parts []string
	var b strings.Builder
	inQuote, inAngle, esc := false, false, false
	for _, r := range s {
		switch {
		case esc:
			esc = false
		case r == '\\' && inQuote:
			esc = true
		case r == '"':
			inQuote = !inQuote
		case r == '<' && !inQuote:
			inAngle = true
		case r == '>' && !inQuote:
			inAngle = false
		case (r == ',' || r == ';' || r == '\n' || r == '\r') && !inQuote && !inAngle:
			parts = append(parts, b.String())
			b.Reset()
			continue
		}
		b.WriteRune(r)
	}
	return append(parts, b.String())
}

// Attachment formats (4053bis §2.3): documents "should be in PDF, W3C HTML
// (without proprietary extensions), or UTF-8 encoded plain/text format"; a
// file in a proprietary format "may be sent, but should be accompanied by a
// generally readable file".
var (
	proprietaryExt = map[string]string{
		".doc": "Word", ".docx": "Word", ".docm": "Word", ".dot": "Word", ".dotx": "Word", ".rtf": "Word",
		".ppt": "PowerPoint", ".pptx": "PowerPoint", ".pptm": "PowerPoint", ".pps": "PowerPoint", ".ppsx": "PowerPoint",
		".xls": "Excel", ".xlsx": "Excel", ".xlsm": "Excel",
		".vsd": "Visio", ".vsdx": "Visio",
		".pages": "Pages", ".key": "Keynote", ".numbers": "Numbers",
		".wpd": "WordPerfect", ".pub": "Publisher", ".one": "OneNote",
	}
	readableExt = map[string]bool{
		".pdf": true, ".txt": true, ".text": true, ".html": true, ".htm": true, ".md": true,
	}
)

// attachmentName reduces an attachment (file name or URL) to its last path
// element, without query or fragment.
func attachmentName(a string) string {
	a = strings.TrimSpace(a)
	if i := strings.IndexAny(a, "?#"); i >= 0 && strings.Contains(a, "://") {
		a = a[:i]
	}
	a = strings.TrimRight(a, "/")
	if i := strings.LastIndexAny(a, `/\`); i >= 0 {
		a = a[i+1:]
	}
	return a
}

// AttachmentWarnings warns about each attachment in a proprietary format
// (Word, PowerPoint, Excel, Visio, ...) that has no PDF, HTML or
// plain-text file with the same base name beside it (4053bis §2.3).
// Attachments may be file names or URLs; URLs without a file extension
// (e.g. a Datatracker document page) are fine.
func AttachmentWarnings(attachments []string) []Problem {
	readable := map[string]bool{}
	for _, a := range attachments {
		name := strings.ToLower(attachmentName(a))
		ext := path.Ext(name)
		if readableExt[ext] {
			readable[strings.TrimSuffix(name, ext)] = true
		}
	}
	var out []Problem
	for _, a := range attachments {
		name := attachmentName(a)
		ext := strings.ToLower(path.Ext(name))
		kind, ok := proprietaryExt[ext]
		if !ok || readable[strings.ToLower(strings.TrimSuffix(name, path.Ext(name)))] {
			continue
		}
		out = append(out, problem(FieldAttachments, secBody, fmt.Sprintf(
			"%s is a %s file; also attach it as PDF, HTML or plain text so everyone can read it", name, kind)))
	}
	return out
}
