package rules

import "strings"

// State is a Datatracker liaison statement state slug.
type State string

// Statement states (Datatracker liaisonstatementstate).
const (
	StatePending  State = "pending"
	StateApproved State = "approved"
	StatePosted   State = "posted"
	StateDead     State = "dead"
)

// Datatracker tags on statements.
const (
	// TagRequired is set by the Datatracker while an action is outstanding.
	TagRequired = "required"
	// TagTaken is "Action Taken", set by hand in the Datatracker.
	TagTaken = "taken"
)

// NeedsTracking reports whether a recorded statement is followed to its
// deadline with reminders: it is posted (pending and dead ones are not
// public yet or any more), expects a response — For Action, or the retired
// For Comment — and has a deadline to remind about (4053bis §2.2, §5.1).
// Unlike the Datatracker, which reminds about pending and dead statements
// too (datatracker NOTES §4), only posted ones are tracked.
func NeedsTracking(state State, purpose Purpose, deadline *Date) bool {
	return state == StatePosted && purpose.ExpectsResponse() && deadline != nil && !deadline.IsZero()
}

// Answered reports whether a tracked statement no longer needs reminders:
// an In Response statement related to it has been recorded
// (hasRelatedResponse), the Datatracker marks it "Action Taken" (tag
// "taken" in tags), or the chairs recorded a decision not to reply
// (noReplyRecorded) — receiving a statement "does not automatically impose
// an obligation of sending a response" (4053bis §1), but the sender
// "should always be informed" (§5.1), which the bot does by passing the
// decision to the liaison manager (chairs' FAQ, "Do we need to reply to all
// LS?").
func Answered(hasRelatedResponse bool, tags []string, noReplyRecorded bool) bool {
	if hasRelatedResponse || noReplyRecorded {
		return true
	}
	for _, t := range tags {
		if strings.EqualFold(strings.TrimSpace(t), TagTaken) {
			return true
		}
	}
	return false
}

// DaysOverdue is how many days today is past the deadline; 0 on the day
// and before it.
func DaysOverdue(deadline, today Date) int {
	return max(DaysBetween(deadline, today), 0)
}

// DaysLeft is how many days remain until the deadline; 0 on the day and
// after it.
func DaysLeft(deadline, today Date) int {
	return max(DaysBetween(today, deadline), 0)
}

// Overdue reports whether today is after the deadline. A deadline is a
// whole day: a statement due today is not overdue yet.
func Overdue(deadline, today Date) bool { return today.After(deadline) }
