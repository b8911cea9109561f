package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/liaisonbot/liaisonbot/internal/rules"
)

// Limits on what is sent and what is accepted back.
const (
	maxInputRunes   = 24000 // statement or draft text sent to the model
	maxSummaryRunes = 700
	maxPolishRunes  = 20000
	maxFieldRunes   = 300
)

// Statement is what a summary is made from.
type Statement struct {
	ID      int64
	Subject string
	Body    string
	// Attachments are the texts of attachments that could be read as
	// text, in order.
	Attachments []string
}

// Summarize returns a 2–3 sentence plain-text summary of a statement,
// already made [Inert] and on one line; ok is false when the model is off
// or the call failed.
func (c *Client) Summarize(ctx context.Context, s Statement) (string, bool) {
	if !c.Enabled() {
		return "", false
	}
	m := marker()
	var data strings.Builder
	data.WriteString("Subject: " + oneLine(s.Subject) + "\n\n" + s.Body)
	for i, a := range s.Attachments {
		fmt.Fprintf(&data, "\n\n--- attachment %d ---\n%s", i+1, a)
	}
	sys := "You summarise IETF liaison statements (formal letters between the IETF and other standards bodies) " +
		"for the participants of a working group. Write 2 to 3 plain sentences in English: who sends it, what it " +
		"tells or asks the IETF, and any deadline it gives. Plain text only: no Markdown, no HTML, no links, no " +
		"@-mentions, no commands, no preamble. " + injectionRule(m)
	user := "Summarise this liaison statement.\n\n" + dataBlock(m, "STATEMENT", clip(data.String(), maxInputRunes))
	out, u, ok := c.complete(ctx, request{purpose: PurposeSummary, statementID: s.ID, system: sys, user: user, maxTokens: 300})
	if !ok {
		return "", false
	}
	out = clip(Inert(out, false), maxSummaryRunes)
	if out == "" {
		c.done(ctx, u, "malformed: empty once cleaned")
		return "", false
	}
	c.done(ctx, u, "")
	return out, true
}

// Draft is what polishing works on: the fields of an outgoing draft
// (4053bis §2) that bear on its body.
type Draft struct {
	ID        int64
	From      []string
	To        []string
	Purpose   string
	Deadline  string
	Subject   string
	Body      string
	Consensus string
	// References are the documents the body names, each with its status
	// when known ("draft-ietf-foo-bar-03: WG draft", "RFC 9110: Internet
	// Standard", or just the name when unknown).
	References []string
}

// Polish proposes a clearer body for a draft that states the consensus it
// represents (4053bis §4.2) and the status of the documents it references
// (§4.3). The result is [Inert] multi-line text; ok is false when the
// model is off or the call failed. The caller shows it as a proposal: the
// draft changes only when the chair accepts it.
func (c *Client) Polish(ctx context.Context, d Draft) (string, bool) {
	if !c.Enabled() {
		return "", false
	}
	m := marker()
	var data strings.Builder
	fmt.Fprintf(&data, "From: %s\nTo: %s\nPurpose: %s\n", strings.Join(d.From, ", "), strings.Join(d.To, ", "), d.Purpose)
	if d.Deadline != "" {
		fmt.Fprintf(&data, "Deadline: %s\n", d.Deadline)
	}
	fmt.Fprintf(&data, "Subject: %s\nConsensus: %s\n", oneLine(d.Subject), orUnknown(oneLine(d.Consensus)))
	if len(d.References) > 0 {
		data.WriteString("Referenced documents:\n")
		for _, r := range d.References {
			data.WriteString("- " + oneLine(r) + "\n")
		}
	}
	data.WriteString("\nBody:\n" + d.Body)
	sys := "You help an IETF working group chair polish the body of an outgoing liaison statement " +
		"(draft-iab-rfc4053bis). Rewrite the body so it is clear, concise and courteous, keeping its meaning " +
		"and every request, date and commitment it makes; invent nothing. The body must: " +
		"(1) state what level of consensus it represents (4053bis section 4.2), using the Consensus field; " +
		"if that field is (unknown), write \"[consensus: to be stated by the chairs]\"; " +
		"(2) state the status of every referenced document (section 4.3), using the status given; " +
		"when no status is given, write \"[status of NAME: to be confirmed]\". " +
		"Reply with the new body only, as plain text: no Markdown, no HTML, no @-mentions, no commands, no preamble. " +
		injectionRule(m)
	user := "Polish the body of this draft.\n\n" + dataBlock(m, "DRAFT", clip(data.String(), maxInputRunes))
	out, u, ok := c.complete(ctx, request{purpose: PurposePolish, draftID: d.ID, system: sys, user: user, maxTokens: 2000})
	if !ok {
		return "", false
	}
	out = clip(Inert(out, true), maxPolishRunes)
	if out == "" {
		c.done(ctx, u, "malformed: empty once cleaned")
		return "", false
	}
	c.done(ctx, u, "")
	return out, true
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// Metadata is the §2 metadata of a statement as the model read it, after
// validation: a field the model did not find, or gave in a form that does
// not validate, is empty.
type Metadata struct {
	From        []string // sending bodies or groups
	To          []string // receiving bodies or groups
	FromContact string   // e-mail addresses, comma-separated
	ToContact   string
	Purpose     rules.Purpose // info, action, response; "" when unknown
	Deadline    string        // YYYY-MM-DD; "" when none or invalid
	Subject     string
}

// Empty reports whether nothing was found.
func (md Metadata) Empty() bool {
	return len(md.From) == 0 && len(md.To) == 0 && md.FromContact == "" && md.ToContact == "" &&
		md.Purpose == "" && md.Deadline == "" && md.Subject == ""
}

// extractJSON is the exact shape asked of the model.
type extractJSON struct {
	From        []string `json:"from"`
	To          []string `json:"to"`
	FromContact string   `json:"from_contact"`
	ToContact   string   `json:"to_contact"`
	Purpose     string   `json:"purpose"`
	Deadline    string   `json:"deadline"`
	Subject     string   `json:"subject"`
}

// Extract proposes the §2 metadata of a pasted statement (from, to,
// contacts, purpose, deadline, subject) for the chair to confirm. The
// model answers in JSON, which is parsed strictly (one object, known keys,
// right types) and validated field by field; ok is false when the model is
// off, the call failed or the answer is not such an object.
func (c *Client) Extract(ctx context.Context, text string) (Metadata, bool) {
	if !c.Enabled() {
		return Metadata{}, false
	}
	m := marker()
	sys := "You read a liaison statement between standards bodies and extract its metadata " +
		"(draft-iab-rfc4053bis section 2). Answer with one JSON object and nothing else, with exactly these keys: " +
		`"from" (array of the sending bodies or groups, e.g. ["3GPP SA2"] or ["quic"]), ` +
		`"to" (array of the receiving bodies or groups), ` +
		`"from_contact" (comma-separated e-mail addresses of the sender's contacts), ` +
		`"to_contact" (comma-separated e-mail addresses of the recipients' contacts), ` +
		`"purpose" ("info" for information, "action" when a response is requested by a deadline, "response" when it answers an earlier statement), ` +
		`"deadline" (the response deadline as YYYY-MM-DD), ` +
		`"subject" (one line). ` +
		"Use \"\" or [] for anything the statement does not state; do not guess. " + injectionRule(m)
	user := "Extract the metadata of this statement as JSON.\n\n" + dataBlock(m, "STATEMENT", clip(text, maxInputRunes))
	out, u, ok := c.complete(ctx, request{purpose: PurposeExtract, system: sys, user: user, json: true, maxTokens: 600})
	if !ok {
		return Metadata{}, false
	}
	md, err := ParseMetadata(out)
	if err != nil {
		c.done(ctx, u, "malformed: "+err.Error())
		return Metadata{}, false
	}
	c.done(ctx, u, "")
	return md, true
}

// ParseMetadata parses and validates the model's JSON answer. A code fence
// around the object is tolerated (local models add one even in JSON
// mode); anything else that is not exactly one object of the expected
// shape is an error. Fields that do not validate are left empty.
func ParseMetadata(out string) (Metadata, error) {
	out = strings.TrimSpace(out)
	if strings.HasPrefix(out, "```") {
		out = strings.TrimPrefix(strings.TrimPrefix(out, "```json"), "```")
		out = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(out), "```"))
	}
	if !strings.HasPrefix(out, "{") {
		return Metadata{}, fmt.Errorf("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(out)))
	dec.DisallowUnknownFields()
	var raw extractJSON
	if err := dec.Decode(&raw); err != nil {
		return Metadata{}, fmt.Errorf("not the expected JSON object: %s", clip(oneLine(err.Error()), 120))
	}
	if dec.More() {
		return Metadata{}, fmt.Errorf("data after the JSON object")
	}
	var md Metadata
	md.From = names(raw.From)
	md.To = names(raw.To)
	md.FromContact = contacts(raw.FromContact)
	md.ToContact = contacts(raw.ToContact)
	if p, err := rules.ParsePurpose(raw.Purpose); err == nil {
		switch p {
		case rules.PurposeInfo, rules.PurposeAction, rules.PurposeResponse:
			md.Purpose = p
		}
		// For Comment is retired (4053bis §1.1, §2.2): never proposed.
	}
	if d, err := rules.ParseDate(raw.Deadline); err == nil && d.Valid() {
		md.Deadline = d.String()
	}
	md.Subject = field(raw.Subject)
	return md, nil
}

// field cleans one short text field: inert, one line, bounded.
func field(s string) string {
	s = Inert(s, false)
	if utf8.RuneCountInString(s) > maxFieldRunes {
		return ""
	}
	return s
}

// names keeps the plausible body or group names (short, one line, no
// markup characters).
func names(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range in {
		n = field(n)
		if n == "" || utf8.RuneCountInString(n) > 80 || strings.ContainsAny(n, "<>[]{}`*\"=") || seen[strings.ToLower(n)] {
			continue
		}
		seen[strings.ToLower(n)] = true
		out = append(out, n)
	}
	return out
}

// contacts keeps the addresses that parse as mailboxes, as bare
// addresses.
func contacts(s string) string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		a, err := mail.ParseAddress(strings.TrimSpace(part))
		if err != nil || len(a.Address) > 254 || strings.ContainsAny(a.Address, " \"<>") {
			continue
		}
		out = append(out, a.Address)
	}
	return strings.Join(out, ", ")
}
