package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Ladder is the schedule of deadline reminders for a statement that awaits
// an answer. It follows the Datatracker's check_liaison_deadlines
// (https://github.com/ietf-tools/datatracker/blob/main/ietf/liaisons/management/commands/check_liaison_deadlines.py
// and possibly_send_deadline_reminder in ietf/liaisons/mails.py): 14, 7,
// 4, 3, 2, 1 and 0 days before the deadline, then daily while overdue for
// 14 days (its cutoff), then nothing. Weekly reminders after that are
// optional (4053bis §5.1: the chairs "ensure that a response is generated
// by the deadline if a response is intended").
//
// A rung is identified by its offset in days relative to the deadline:
// negative before it (-7 = one week before), 0 on the day, positive when
// overdue (3 = three days late). Rungs grow with time, so "later rung" and
// "larger offset" mean the same.
//
// The zero Ladder has no rungs and never reminds; start from
// [DefaultLadder] or [ParseLadder].
type Ladder struct {
	// Before lists days before the deadline to remind on (0 = the day
	// itself), e.g. 14, 7, 4, 3, 2, 1, 0. Order does not matter.
	Before []int
	// OverdueDailyDays is how many days after the deadline a reminder is
	// sent every day (1 … N).
	OverdueDailyDays int
	// OverdueWeekly continues with a reminder every 7 days after the daily
	// period (N+7, N+14, ...), for as long as the statement is unanswered.
	OverdueWeekly bool
}

// MaxLadderDays bounds the day counts in a ladder.
const MaxLadderDays = 366

// DefaultLadder is the Datatracker's: 14, 7, 4, 3, 2, 1 and 0 days before
// the deadline, daily for 14 days after it, then nothing:
// "14,7,4,3,2,1,0;daily=14".
func DefaultLadder() Ladder {
	return Ladder{Before: []int{14, 7, 4, 3, 2, 1, 0}, OverdueDailyDays: 14}
}

// ParseLadder reads a ladder from the configuration
// (reminders.ladder). The syntax is a comma-separated list of days before
// the deadline, then ";"-separated options:
//
//	14,7,4,3,2,1,0;daily=14;weekly
//
// "daily=N" sends daily overdue reminders for N days (default 0 when
// omitted); "weekly" (or "weekly=true") continues weekly after that;
// "weekly=false" does not (the default when omitted). An empty or
// all-blank spec gives [DefaultLadder]; "none" or "off" gives a ladder that
// never reminds. Errors name the offending part.
func ParseLadder(spec string) (Ladder, error) {
	spec = strings.TrimSpace(spec)
	switch strings.ToLower(spec) {
	case "":
		return DefaultLadder(), nil
	case "none", "off":
		return Ladder{}, nil
	}
	parts := strings.Split(spec, ";")
	var l Ladder
	if list := strings.TrimSpace(parts[0]); list != "" {
		for _, f := range strings.Split(list, ",") {
			f = strings.TrimSpace(f)
			n, err := strconv.Atoi(f)
			if err != nil {
				return Ladder{}, fmt.Errorf("reminder ladder %q: %q is not a number of days before the deadline", spec, f)
			}
			l.Before = append(l.Before, n)
		}
	}
	for _, opt := range parts[1:] {
		opt = strings.TrimSpace(opt)
		k, v, hasV := strings.Cut(opt, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch {
		case k == "":
			continue
		case k == "daily":
			n, err := strconv.Atoi(v)
			if err != nil || !hasV {
				return Ladder{}, fmt.Errorf("reminder ladder %q: daily=%q is not a number of days", spec, v)
			}
			l.OverdueDailyDays = n
		case k == "weekly" && !hasV:
			l.OverdueWeekly = true
		case k == "weekly":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return Ladder{}, fmt.Errorf("reminder ladder %q: weekly=%q is not true or false", spec, v)
			}
			l.OverdueWeekly = b
		default:
			return Ladder{}, fmt.Errorf("reminder ladder %q: unknown option %q (use daily=N and weekly)", spec, opt)
		}
	}
	if err := l.Validate(); err != nil {
		return Ladder{}, fmt.Errorf("reminder ladder %q: %w", spec, err)
	}
	return l, nil
}

// Validate reports a ladder with negative, duplicate or too large day
// counts.
func (l Ladder) Validate() error {
	seen := map[int]bool{}
	for _, b := range l.Before {
		if b < 0 || b > MaxLadderDays {
			return fmt.Errorf("days before the deadline must be between 0 and %d, not %d", MaxLadderDays, b)
		}
		if seen[b] {
			return fmt.Errorf("%d days before the deadline is listed twice", b)
		}
		seen[b] = true
	}
	if l.OverdueDailyDays < 0 || l.OverdueDailyDays > MaxLadderDays {
		return fmt.Errorf("daily overdue days must be between 0 and %d, not %d", MaxLadderDays, l.OverdueDailyDays)
	}
	return nil
}

// String is the ladder in [ParseLadder] syntax, days before in descending
// order: "14,7,4,3,2,1,0;daily=14;weekly".
func (l Ladder) String() string {
	before := slices.Clone(l.Before)
	slices.Sort(before)
	slices.Reverse(before)
	parts := make([]string, len(before))
	for i, b := range before {
		parts[i] = strconv.Itoa(b)
	}
	s := strings.Join(parts, ",") + ";daily=" + strconv.Itoa(l.OverdueDailyDays)
	if l.OverdueWeekly {
		s += ";weekly"
	}
	if len(before) == 0 && l.OverdueDailyDays == 0 && !l.OverdueWeekly {
		return "none"
	}
	return s
}

// latestAtOrBefore returns the latest rung whose offset is <= offset.
// After the last rung of a ladder without weekly reminders the ladder has
// ended and nothing is returned.
func (l Ladder) latestAtOrBefore(offset int) (int, bool) {
	best, ok := 0, false
	take := func(r int) {
		if !ok || r > best {
			best, ok = r, true
		}
	}
	last, hasLast := 0, false
	for _, b := range l.Before {
		if b < 0 {
			continue
		}
		if -b <= offset {
			take(-b)
		}
		if !hasLast || -b > last {
			last, hasLast = -b, true
		}
	}
	d := max(l.OverdueDailyDays, 0)
	if d > 0 {
		if offset >= 1 {
			take(min(offset, d))
		}
		last, hasLast = d, true
	}
	if l.OverdueWeekly {
		if offset >= d+7 {
			take(d + 7*((offset-d)/7))
		}
		return best, ok
	}
	if !hasLast || offset > last {
		return 0, false
	}
	return best, ok
}

// DueRung returns the reminder to send today for a statement with this
// deadline, first seen by the bot on firstSeen (the later of the day it
// mirrored the statement and the day the room was bound), given the last
// rung already sent (nil: none yet).
//
// A rung fires on its day. Rungs dated before firstSeen are never sent:
// the announcement already showed the deadline, so a first start on a long
// history, a statement posted late or a room bound later get no catch-up
// for them. A rung missed while the bot was down (dated on or after
// firstSeen, later than lastSent) is caught up once: only the latest such
// rung, not a burst. No rung is sent twice. A ladder without weekly
// reminders ends at its last rung: nothing is due after that day, not even
// a missed rung.
//
// Phrase the reminder with the actual distance to the deadline,
// Phrase(DaysBetween(deadline, today)), not with the rung: a caught-up
// "one week" rung sent five days before the deadline says "in five days".
//
// Rungs are relative to the deadline: if the deadline changes, the caller
// must forget lastSent (or it may skip or repeat rungs). An invalid (zero)
// deadline or today has no rungs; an invalid firstSeen, or one after
// today, counts as today.
func (l Ladder) DueRung(deadline, today, firstSeen Date, lastSent *int) (rung int, ok bool) {
	if !deadline.Valid() || !today.Valid() {
		return 0, false
	}
	if !firstSeen.Valid() || DaysBetween(firstSeen, today) < 0 {
		firstSeen = today
	}
	r, ok := l.latestAtOrBefore(DaysBetween(deadline, today))
	if !ok || r < DaysBetween(deadline, firstSeen) || (lastSent != nil && r <= *lastSent) {
		return 0, false
	}
	return r, true
}

// Reach is how many days after its deadline a statement may still get a
// reminder: the last overdue rung, or -1 when the ladder is weekly and
// never ends.
func (l Ladder) Reach() int {
	if l.OverdueWeekly {
		return -1
	}
	return max(l.OverdueDailyDays, 0)
}

// NextRung returns the next rung after today and after lastSent, and its
// date, for "next reminder on ..." displays. ok is false when the ladder
// has no further rung.
func (l Ladder) NextRung(deadline, today Date, lastSent *int) (rung int, on Date, ok bool) {
	if !deadline.Valid() || !today.Valid() {
		return 0, Date{}, false
	}
	after := DaysBetween(deadline, today)
	if lastSent != nil && *lastSent > after {
		after = *lastSent
	}
	best, found := 0, false
	take := func(r int) {
		if r > after && (!found || r < best) {
			best, found = r, true
		}
	}
	for _, b := range l.Before {
		if b >= 0 {
			take(-b)
		}
	}
	d := max(l.OverdueDailyDays, 0)
	if first := max(after+1, 1); first <= d {
		take(first)
	}
	if l.OverdueWeekly {
		if after < d+7 {
			take(d + 7)
		} else {
			take(d + 7*((after-d)/7+1))
		}
	}
	if !found {
		return 0, Date{}, false
	}
	return best, deadline.AddDays(best), true
}

// Phrase says when a deadline is, seen from today, given offset =
// DaysBetween(deadline, today) (the same scale as rungs): "in two weeks",
// "in one week", "in four days", "tomorrow", "today", "overdue by one day",
// "overdue by 15 days". Whole weeks before the deadline are said in weeks;
// counts up to ten are written as words.
func Phrase(offset int) string {
	switch {
	case offset == 0:
		return "today"
	case offset == -1:
		return "tomorrow"
	case offset < 0 && -offset%7 == 0:
		return "in " + count(-offset/7, "week")
	case offset < 0:
		return "in " + count(-offset, "day")
	}
	return "overdue by " + count(offset, "day")
}

// DeadlinePhrase is Phrase(DaysBetween(deadline, today)).
func DeadlinePhrase(deadline, today Date) string { return Phrase(DaysBetween(deadline, today)) }

var smallNumbers = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}

func count(n int, unit string) string {
	s := strconv.Itoa(n)
	if n >= 0 && n < len(smallNumbers) {
		s = smallNumbers[n]
	}
	if n != 1 {
		unit += "s"
	}
	return s + " " + unit
}
