package rules

import (
	"errors"
	"fmt"
	"strings"
)

// Purpose is the purpose label of a liaison statement (4053bis §2.2). Its
// value is the Datatracker slug.
type Purpose string

// The purposes. For Comment is retired (4053bis §1.1 item 4: "For
// Information" or "For Action" is used instead): it is accepted on data
// recorded in the Datatracker, never for a new draft.
const (
	PurposeInfo     Purpose = "info"
	PurposeAction   Purpose = "action"
	PurposeResponse Purpose = "response"
	PurposeComment  Purpose = "comment"
)

// NewDraftPurposes lists the purposes a new outgoing draft may use, in the
// order 4053bis §2.2 gives them.
func NewDraftPurposes() []Purpose {
	return []Purpose{PurposeInfo, PurposeAction, PurposeResponse}
}

// ParsePurpose reads a purpose as a person or the Datatracker writes it:
// the slugs "info", "action", "response", "comment", and the words "for
// information", "information", "for info", "for action", "in response",
// "for comment" (any case; spaces, "-" and "_" interchangeable). "comment"
// parses, but [Purpose.ValidForNewDraft] rejects it.
func ParsePurpose(s string) (Purpose, error) {
	k := strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == ' ' || r == '\t' || r == '-' || r == '_'
	}), " ")
	switch k {
	case "info", "information", "for information", "for info", "informational":
		return PurposeInfo, nil
	case "action", "for action":
		return PurposeAction, nil
	case "response", "in response", "reply":
		return PurposeResponse, nil
	case "comment", "for comment", "comments":
		return PurposeComment, nil
	case "":
		return "", errors.New(cite("Give a purpose: For Information, For Action or In Response", secPurpose))
	}
	return "", fmt.Errorf("%s", cite(fmt.Sprintf("%q is not a purpose; use For Information, For Action or In Response", strings.TrimSpace(s)), secPurpose))
}

// Valid reports whether p is one of the four known purposes (including the
// retired For Comment).
func (p Purpose) Valid() bool {
	switch p {
	case PurposeInfo, PurposeAction, PurposeResponse, PurposeComment:
		return true
	}
	return false
}

// ValidForNewDraft returns nil when p may be chosen for a new outgoing
// statement: For Information, For Action or In Response (4053bis §2.2). For
// Comment is retired (4053bis §1.1 item 4) and anything else is unknown;
// the error says so in a sentence for the user.
func (p Purpose) ValidForNewDraft() error {
	switch p {
	case PurposeInfo, PurposeAction, PurposeResponse:
		return nil
	case PurposeComment:
		return errors.New(cite("For Comment is retired; use For Action with a deadline if you need the comments by a date, otherwise For Information", secRetired))
	case "":
		return errors.New(cite("Give a purpose: For Information, For Action or In Response", secPurpose))
	}
	return fmt.Errorf("%s", cite(fmt.Sprintf("%q is not a purpose; use For Information, For Action or In Response", string(p)), secPurpose))
}

// Title is the label as 4053bis §2.2 writes it: "For Information", "For
// Action", "In Response", "For Comment". An unknown purpose is returned as
// is.
func (p Purpose) Title() string {
	switch p {
	case PurposeInfo:
		return "For Information"
	case PurposeAction:
		return "For Action"
	case PurposeResponse:
		return "In Response"
	case PurposeComment:
		return "For Comment"
	}
	return string(p)
}

// Description is the one-line meaning of the purpose from 4053bis §2.2, for
// help texts.
func (p Purpose) Description() string {
	switch p {
	case PurposeInfo:
		return cite("Informs the receiving body and expects no response", secPurpose)
	case PurposeAction:
		return cite("Asks the receiving body to do something by a deadline", secPurpose)
	case PurposeResponse:
		return cite("Answers an earlier statement and expects no further response", secPurpose)
	case PurposeComment:
		return cite("Retired label; For Information or For Action is used instead", secRetired)
	}
	return ""
}

// NeedsDeadline reports whether a statement with this purpose must carry a
// deadline: only For Action ("Liaison statements that request action
// indicate a deadline", 4053bis §2.2).
func (p Purpose) NeedsDeadline() bool { return p == PurposeAction }

// ExpectsResponse reports whether the sender expects an answer: For Action
// (4053bis §2.2, §5.1), and the retired For Comment, which the Datatracker
// also gave a deadline.
func (p Purpose) ExpectsResponse() bool { return p == PurposeAction || p == PurposeComment }
