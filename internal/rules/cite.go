package rules

import "strings"

// Problem is one finding about a draft or a statement, for a person to
// read. Message is short plain English and ends with the citation, e.g.
// "A For Action statement needs a deadline (4053bis §2.2)."
type Problem struct {
	// Field is the draft field concerned (one of the Field* constants), or
	// "" when the problem is about the statement as a whole.
	Field string
	// Message is the sentence to show, citation included.
	Message string
	// Section is the citation alone, e.g. "4053bis §2.2".
	Section string
}

func (p Problem) String() string { return p.Message }

// problem builds a Problem whose message ends with "(<section>)." The
// message is given without a final full stop.
func problem(field, section, msg string) Problem {
	return Problem{Field: field, Message: cite(msg, section), Section: section}
}

// cite appends " (section)." to msg.
func cite(msg, section string) string {
	return strings.TrimRight(msg, ". ") + " (" + section + ")."
}

// Citations used in messages.
const (
	secIntro      = "4053bis §1"
	secContent    = "4053bis §2"
	secContacts   = "4053bis §2.1"
	secPurpose    = "4053bis §2.2"
	secRetired    = "4053bis §1.1, §2.2"
	secBody       = "4053bis §2.3"
	secSending    = "4053bis §4"
	secApproval   = "4053bis §4.1"
	secConsensus  = "4053bis §4.2"
	secDocuments  = "4053bis §4.3"
	secDocsStream = "4053bis §1, §4.3"
)
