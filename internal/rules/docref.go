package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Document kinds.
const (
	DocDraft = "draft"
	DocRFC   = "rfc"
)

// DocRef is a document named in a statement's text.
type DocRef struct {
	Kind string // DocDraft or DocRFC
	// Name is the Datatracker document name to look up: the draft name
	// without its revision ("draft-ietf-teas-foo"), or "rfc9110".
	Name string
	// Rev is the draft revision as written ("03"), or "".
	Rev string
	// Number is the RFC number, 0 for drafts.
	Number int
	// Display is the reference as shown to people: the draft name with its
	// revision when one was written ("draft-ietf-teas-foo-03"), or
	// "RFC 9110".
	Display string
}

var (
	// A draft name: "draft-" and at least two more components of lower
	// case letters and digits, not preceded by a name character.
	draftRE = regexp.MustCompile(`(?i)(^|[^a-z0-9_.-])(draft(?:-[a-z0-9]+){2,})`)
	// "RFC 9110", "RFC9110", "rfc-9110", "RFC 0791".
	rfcRE = regexp.MustCompile(`(?i)\brfc[ -]?0*([1-9][0-9]{0,4})\b`)
	revRE = regexp.MustCompile(`-([0-9]{2})$`)
)

// ExtractDocRefs finds the Internet-Drafts ("draft-ietf-teas-foo-03") and
// RFCs ("RFC 9110", "RFC9110", "rfc 9110") that text mentions, in order of
// first mention and without duplicates (a draft named with two revisions is
// listed once, with the first revision seen). These are the documents
// 4053bis §4.3 asks the sender to state the status of; look each up and
// pass the results to [DocWarnings].
//
// Names inside URLs are found too (".../doc/draft-ietf-teas-foo/",
// ".../rfc/rfc9110.html"); an RFC number that is part of a draft name
// ("draft-iab-rfc4053bis") is not an RFC reference.
func ExtractDocRefs(text string) []DocRef {
	var out []DocRef
	seen := map[string]bool{}
	add := func(r DocRef) {
		if !seen[r.Name] {
			seen[r.Name] = true
			out = append(out, r)
		}
	}
	type hit struct {
		at  int
		ref DocRef
	}
	var hits []hit
	masked := []byte(text)
	for _, m := range draftRE.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[4], m[5]
		full := strings.ToLower(text[start:end])
		name, rev := full, ""
		if sm := revRE.FindStringSubmatch(full); sm != nil {
			name, rev = strings.TrimSuffix(full, "-"+sm[1]), sm[1]
		}
		hits = append(hits, hit{start, DocRef{Kind: DocDraft, Name: name, Rev: rev, Display: full}})
		for i := start; i < end; i++ {
			masked[i] = ' '
		}
	}
	for _, m := range rfcRE.FindAllSubmatchIndex(masked, -1) {
		n, err := strconv.Atoi(string(masked[m[2]:m[3]]))
		if err != nil {
			continue
		}
		hits = append(hits, hit{m[0], DocRef{Kind: DocRFC, Name: "rfc" + strconv.Itoa(n), Number: n, Display: "RFC " + strconv.Itoa(n)}})
	}
	// Order by position of first mention.
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && hits[j].at < hits[j-1].at; j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
	for _, h := range hits {
		add(h.ref)
	}
	return out
}

// DocInfo is what the Datatracker says about a referenced document.
type DocInfo struct {
	// Name is the looked-up name, as in [DocRef.Name].
	Name string
	Kind string // DocDraft or DocRFC
	// Found is false when the Datatracker has no such document.
	Found bool
	// WGDocument is true when the document belongs to a working group (its
	// group is a WG, not the individual-submission group "none").
	WGDocument bool
	// Stream: "ietf", "irtf", "iab", "ise", "editorial", "legacy", or "".
	Stream string
	// StdLevel (RFCs): "ps", "ds", "std", "bcp", "inf", "exp", "hist",
	// "unkn".
	StdLevel string
	// IntendedStdLevel (drafts): the same slugs.
	IntendedStdLevel string
}

// Status level names, for messages.
var stdLevelNames = map[string]string{
	"ps": "Proposed Standard", "ds": "Draft Standard", "std": "Internet Standard", "bcp": "Best Current Practice",
	"inf": "Informational", "exp": "Experimental", "hist": "Historic", "unkn": "of unknown status",
}

var streamNames = map[string]string{
	"irtf": "the IRTF stream", "iab": "the IAB stream", "ise": "the Independent Stream", "editorial": "the Editorial Stream",
}

// standardsLevel reports whether a level is one 4053bis §4.3 lists as
// "Standards Track RFC (Draft Standard, Proposed Standard, Internet
// Standard, BCP)".
func standardsLevel(l string) bool {
	switch strings.ToLower(l) {
	case "ps", "ds", "std", "bcp":
		return true
	}
	return false
}

func (d DocInfo) display() string {
	if d.Kind == DocRFC || strings.HasPrefix(strings.ToLower(d.Name), "rfc") {
		return "RFC " + strings.TrimPrefix(strings.ToLower(d.Name), "rfc")
	}
	return d.Name
}

// DocWarnings returns a warning for each referenced document whose status
// the statement has to spell out (4053bis §4.3):
//
//   - "Any Standards Track RFC (Draft Standard, Proposed Standard, Internet
//     Standard, BCP)" — BCPs included — "may be transmitted without
//     concern": no warning;
//   - Informational RFCs "may also be exchanged readily when they represent
//     a WG position or consensus": no warning when WGDocument;
//   - "Individually submitted Internet Drafts, Experimental or Historical
//     RFCs, and non-WG informational documents" must not be sent without
//     further consensus or "explicitly including the context related to
//     their state and noting that they are not documents that represent
//     IETF consensus": a warning;
//   - a WG Internet-Draft: "it must be clear that the existence of the
//     draft only indicates that the WG has accepted the work item" and the
//     content is "Work in Progress": a warning (a reminder to say so);
//   - documents from the IRTF, IAB, Independent or Editorial streams are
//     not IETF consensus (4053bis §1): a warning;
//   - a document the Datatracker does not know: a warning to check the name.
func DocWarnings(docs []DocInfo) []Problem {
	var out []Problem
	for _, d := range docs {
		name := d.display()
		stream := strings.ToLower(d.Stream)
		level := strings.ToLower(d.StdLevel)
		if d.Kind == DocDraft {
			level = strings.ToLower(d.IntendedStdLevel)
		}
		var msg, sec string
		switch {
		case !d.Found:
			msg, sec = fmt.Sprintf("%s could not be found in the Datatracker; check the name, and state the document's status", name), secDocuments
		case streamNames[stream] != "":
			msg, sec = fmt.Sprintf("%s is from %s, not IETF consensus; state its status", name, streamNames[stream]), secDocsStream
		case d.Kind == DocDraft && !d.WGDocument:
			msg, sec = fmt.Sprintf("%s is an individual Internet-Draft, not IETF consensus; state that, or seek WG consensus first", name), secDocuments
		case d.Kind == DocDraft:
			msg, sec = fmt.Sprintf("%s is a WG Internet-Draft; say that the WG has adopted it and that its content is work in progress", name), secDocuments
		case standardsLevel(level):
			continue
		case level == "inf" && d.WGDocument:
			continue
		case level == "inf":
			msg, sec = fmt.Sprintf("%s is Informational and not from a WG; state its status and that it does not represent IETF consensus", name), secDocuments
		case level == "exp" || level == "hist":
			msg, sec = fmt.Sprintf("%s is %s; state its status and that it does not represent IETF consensus", name, stdLevelNames[level]), secDocuments
		default:
			msg, sec = fmt.Sprintf("%s has no known status; state its status", name), secDocuments
		}
		out = append(out, problem(FieldBody, sec, msg))
	}
	return out
}

// DocStatus describes a document's status in a few words for a statement
// or an announcement, e.g. "Proposed Standard", "BCP", "WG Internet-Draft,
// work in progress", "individual Internet-Draft, not IETF consensus"
// (4053bis §4.3: "In all cases, the document status must be appropriately
// noted"). It returns "" for an unknown document.
func DocStatus(d DocInfo) string {
	if !d.Found {
		return ""
	}
	stream := strings.ToLower(d.Stream)
	if d.Kind == DocDraft {
		switch {
		case streamNames[stream] != "":
			return "Internet-Draft in " + streamNames[stream] + ", not IETF consensus"
		case d.WGDocument:
			return "WG Internet-Draft, work in progress"
		}
		return "individual Internet-Draft, not IETF consensus"
	}
	s := stdLevelNames[strings.ToLower(d.StdLevel)]
	if s == "" {
		s = "of unknown status"
	}
	if streamNames[stream] != "" {
		s += ", " + streamNames[stream] + ", not IETF consensus"
	}
	return s
}
