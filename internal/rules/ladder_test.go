package rules

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func intPtr(n int) *int { return &n }

func TestParseLadder(t *testing.T) {
	tests := []struct {
		spec    string
		want    Ladder
		str     string
		wantErr string
	}{
		{"", DefaultLadder(), "14,7,4,3,2,1,0;daily=14", ""},
		{"14,7,4,3,2,1,0;daily=14", DefaultLadder(), "14,7,4,3,2,1,0;daily=14", ""},
		{"14,7,4,3,2,1,0;daily=14;weekly", Ladder{Before: []int{14, 7, 4, 3, 2, 1, 0}, OverdueDailyDays: 14, OverdueWeekly: true}, "14,7,4,3,2,1,0;daily=14;weekly", ""},
		{" 0, 1 ,7 ; daily = 3 ; weekly=false ", Ladder{Before: []int{0, 1, 7}, OverdueDailyDays: 3}, "7,1,0;daily=3", ""},
		{"7,0", Ladder{Before: []int{7, 0}}, "7,0;daily=0", ""},
		{";daily=5;weekly", Ladder{OverdueDailyDays: 5, OverdueWeekly: true}, ";daily=5;weekly", ""},
		{"none", Ladder{}, "none", ""},
		{"OFF", Ladder{}, "none", ""},
		{"14,x", Ladder{}, "", `"x" is not a number`},
		{"14,-1", Ladder{}, "", "between 0 and 366"},
		{"14,14", Ladder{}, "", "listed twice"},
		{"14;daily", Ladder{}, "", "daily="},
		{"14;daily=-2", Ladder{}, "", "between 0 and 366"},
		{"14;weekly=maybe", Ladder{}, "", "weekly="},
		{"14;monthly", Ladder{}, "", `unknown option "monthly"`},
		{"400", Ladder{}, "", "between 0 and 366"},
	}
	for _, tt := range tests {
		got, err := ParseLadder(tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseLadder(%q) error = %v, want %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseLadder(%q): %v", tt.spec, err)
			continue
		}
		if !slices.Equal(got.Before, tt.want.Before) || got.OverdueDailyDays != tt.want.OverdueDailyDays || got.OverdueWeekly != tt.want.OverdueWeekly {
			t.Errorf("ParseLadder(%q) = %+v, want %+v", tt.spec, got, tt.want)
		}
		if s := got.String(); s != tt.str {
			t.Errorf("ParseLadder(%q).String() = %q, want %q", tt.spec, s, tt.str)
		}
		// String round-trips.
		again, err := ParseLadder(got.String())
		if err != nil || again.String() != got.String() {
			t.Errorf("round trip of %q: %q, %v", got.String(), again.String(), err)
		}
	}
}

func TestPhrase(t *testing.T) {
	tests := []struct {
		offset int
		want   string
	}{
		{-28, "in four weeks"},
		{-21, "in three weeks"},
		{-14, "in two weeks"},
		{-12, "in 12 days"},
		{-10, "in ten days"},
		{-7, "in one week"},
		{-5, "in five days"},
		{-4, "in four days"},
		{-3, "in three days"},
		{-2, "in two days"},
		{-1, "tomorrow"},
		{0, "today"},
		{1, "overdue by one day"},
		{2, "overdue by two days"},
		{14, "overdue by 14 days"},
		{21, "overdue by 21 days"},
	}
	for _, tt := range tests {
		if got := Phrase(tt.offset); got != tt.want {
			t.Errorf("Phrase(%d) = %q, want %q", tt.offset, got, tt.want)
		}
	}
	if got := DeadlinePhrase(MustParseDate("2025-09-30"), MustParseDate("2025-09-23")); got != "in one week" {
		t.Errorf("DeadlinePhrase = %q", got)
	}
}

func TestDueRung(t *testing.T) {
	deadline := MustParseDate("2025-09-30")
	def := DefaultLadder()
	wk := DefaultLadder()
	wk.OverdueWeekly = true
	finite := Ladder{Before: []int{7, 0}, OverdueDailyDays: 2}
	const long = -100 // seen long before the deadline
	tests := []struct {
		name     string
		l        Ladder
		seen     int // first seen = deadline + seen
		offset   int // today = deadline + offset
		lastSent *int
		want     int
		ok       bool
	}{
		{"too early", def, long, -20, nil, 0, false},
		{"day before first rung", def, long, -15, nil, 0, false},
		{"first rung", def, long, -14, nil, -14, true},
		{"first rung already sent", def, long, -14, intPtr(-14), 0, false},
		{"between rungs, sent", def, long, -10, intPtr(-14), 0, false},
		{"between rungs, first seen today: the passed rung is not sent", def, -10, -10, nil, 0, false},
		{"first seen on a rung day: that rung fires", def, -7, -7, nil, -7, true},
		{"posted at T-6: nothing at T-6", def, -6, -6, nil, 0, false},
		{"posted at T-6: nothing at T-5", def, -6, -5, nil, 0, false},
		{"posted at T-6: first reminder at T-4", def, -6, -4, nil, -4, true},
		{"one week", def, long, -7, intPtr(-14), -7, true},
		{"down over -7: catch up once on -5", def, long, -5, intPtr(-14), -7, true},
		{"down over -7, seen before -7, nothing sent yet: catch up", def, -8, -5, nil, -7, true},
		{"down over -7 and -4: only the latest", def, long, -4, intPtr(-14), -4, true},
		{"tomorrow", def, long, -1, intPtr(-2), -1, true},
		{"today", def, long, 0, intPtr(-1), 0, true},
		{"today, sent", def, long, 0, intPtr(0), 0, false},
		{"overdue daily", def, long, 3, intPtr(2), 3, true},
		{"first start while overdue: today's daily rung", def, 3, 3, nil, 3, true},
		{"down a week while overdue", def, long, 10, intPtr(2), 10, true},
		{"last daily", def, long, 14, intPtr(13), 14, true},
		{"default: nothing after the daily fortnight", def, long, 21, intPtr(14), 0, false},
		{"default: first start long overdue sends nothing", def, 100, 100, nil, 0, false},
		{"default: down over the last daily, back after it", def, long, 17, intPtr(12), 0, false},
		{"weekly: gap after daily", wk, long, 17, intPtr(14), 0, false},
		{"weekly: down over the last daily", wk, long, 17, intPtr(12), 14, true},
		{"weekly: first weekly", wk, long, 21, intPtr(14), 21, true},
		{"weekly: between weeklies", wk, long, 25, intPtr(21), 0, false},
		{"weekly: much later", wk, long, 100, intPtr(21), 98, true},
		{"weekly: first seen long overdue, not on a weekly day", wk, 100, 100, nil, 0, false},
		{"weekly: first seen long overdue, on a weekly day", wk, 98, 98, nil, 98, true},
		{"finite: last rung", finite, long, 2, intPtr(1), 2, true},
		{"finite: ended", finite, long, 3, intPtr(1), 0, false},
		{"finite: ended, never sent", finite, long, 30, nil, 0, false},
		{"finite: catch up before", finite, long, -3, nil, -7, true},
		{"zero ladder never reminds", Ladder{}, long, 0, nil, 0, false},
		{"only overdue rungs", Ladder{OverdueDailyDays: 1}, long, 0, nil, 0, false},
		{"weekly with no daily", Ladder{Before: []int{0}, OverdueWeekly: true}, long, 13, intPtr(7), 0, false},
		{"weekly with no daily, second week", Ladder{Before: []int{0}, OverdueWeekly: true}, long, 14, intPtr(7), 14, true},
		{"lastSent in the future (deadline moved earlier)", def, long, -7, intPtr(0), 0, false},
		{"first seen after today counts as today", def, 5, -4, nil, -4, true},
	}
	if _, ok := def.DueRung(Date{}, deadline, deadline, nil); ok {
		t.Error("a zero deadline has no rungs")
	}
	if r, ok := def.DueRung(deadline, deadline.AddDays(-5), Date{}, nil); ok {
		t.Errorf("a zero first-seen counts as today: got rung %d", r)
	}
	if _, _, ok := def.NextRung(Date{}, deadline, nil); ok {
		t.Error("a zero deadline has no next rung")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.l.DueRung(deadline, deadline.AddDays(tt.offset), deadline.AddDays(tt.seen), tt.lastSent)
			if got != tt.want || ok != tt.ok {
				t.Errorf("DueRung(offset %d, seen %d, last %v) = %d, %v; want %d, %v", tt.offset, tt.seen, deref(tt.lastSent), got, ok, tt.want, tt.ok)
			}
		})
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// simulate runs the scheduler once a day from offset first (the day the
// statement is first seen) to last, skipping the days in down, and returns
// the rungs sent and the phrases used.
func simulate(l Ladder, first, last int, down map[int]bool) (rungs []int, phrases []string) {
	deadline := MustParseDate("2025-09-30")
	seen := deadline.AddDays(first)
	var lastSent *int
	for off := first; off <= last; off++ {
		if down[off] {
			continue
		}
		today := deadline.AddDays(off)
		if r, ok := l.DueRung(deadline, today, seen, lastSent); ok {
			rungs = append(rungs, r)
			phrases = append(phrases, DeadlinePhrase(deadline, today))
			lastSent = &r
		}
		// Running twice on the same day sends nothing more.
		if _, ok := l.DueRung(deadline, today, seen, lastSent); ok {
			panic("rung due twice on one day")
		}
	}
	return rungs, phrases
}

func TestLadderSimulation(t *testing.T) {
	daily := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}
	before := []int{-14, -7, -4, -3, -2, -1, 0}
	wk := DefaultLadder()
	wk.OverdueWeekly = true
	tests := []struct {
		name    string
		l       Ladder
		seen    int // first seen (and first run) at deadline + seen
		down    []int
		want    []int
		phrases map[int]string // index in sent → phrase
	}{
		{
			name: "no downtime: the Datatracker's rhythm, then silence",
			l:    DefaultLadder(), seen: -30,
			want: append(slices.Clone(before), daily...),
			phrases: map[int]string{0: "in two weeks", 1: "in one week", 2: "in four days", 5: "tomorrow", 6: "today",
				7: "overdue by one day", 20: "overdue by 14 days"},
		},
		{
			name: "weekly tail when configured",
			l:    wk, seen: -30,
			want:    append(append(slices.Clone(before), daily...), 21, 28, 35),
			phrases: map[int]string{21: "overdue by 21 days"},
		},
		{
			name: "down on -7 and -6: one catch-up on -5, then on schedule",
			l:    DefaultLadder(), seen: -30,
			down:    []int{-7, -6},
			want:    append(slices.Clone(before), daily...),
			phrases: map[int]string{1: "in five days"},
		},
		{
			name: "down from -8 to +5: one reminder catches up, no burst",
			l:    DefaultLadder(), seen: -30,
			down: []int{-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5},
			want: append([]int{-14}, daily[5:]...),
		},
		{
			name: "posted at T-6: first reminder at T-4",
			l:    DefaultLadder(), seen: -6,
			want:    append([]int{-4, -3, -2, -1, 0}, daily...),
			phrases: map[int]string{0: "in four days"},
		},
		{
			name: "first start at +20: nothing",
			l:    DefaultLadder(), seen: 20,
		},
		{
			name: "first start at +10: the remaining daily rungs",
			l:    DefaultLadder(), seen: 10,
			want: daily[9:],
		},
		{
			name: "weekly: down over the first weekly",
			l:    wk, seen: -30,
			down:    []int{20, 21, 22},
			want:    append(append(slices.Clone(before), daily...), 21, 28, 35),
			phrases: map[int]string{21: "overdue by 23 days"},
		},
		{
			name: "finite ladder stops",
			l:    Ladder{Before: []int{7, 1}, OverdueDailyDays: 2}, seen: -30,
			want: []int{-7, -1, 1, 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			down := map[int]bool{}
			for _, d := range tt.down {
				down[d] = true
			}
			got, phrases := simulate(tt.l, tt.seen, 40, down)
			if !slices.Equal(got, tt.want) {
				t.Errorf("sent %v\nwant %v", got, tt.want)
			}
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("rungs repeat or go backwards: %v", got)
			}
			for i, p := range tt.phrases {
				if i >= len(phrases) || phrases[i] != p {
					t.Errorf("phrase %d = %q, want %q (all: %q)", i, at(phrases, i), p, phrases)
				}
			}
		})
	}
}

func at(ss []string, i int) string {
	if i < len(ss) {
		return ss[i]
	}
	return ""
}

func TestNextRung(t *testing.T) {
	deadline := MustParseDate("2025-09-30")
	def := DefaultLadder()
	wk := DefaultLadder()
	wk.OverdueWeekly = true
	tests := []struct {
		name     string
		l        Ladder
		offset   int
		lastSent *int
		want     int
		ok       bool
	}{
		{"far ahead", def, -30, nil, -14, true},
		{"on a rung", def, -14, intPtr(-14), -7, true},
		{"between", def, -6, intPtr(-7), -4, true},
		{"today", def, 0, intPtr(0), 1, true},
		{"daily", def, 5, intPtr(5), 6, true},
		{"last daily: the default ladder ends", def, 14, intPtr(14), 0, false},
		{"weekly: after the last daily", wk, 14, intPtr(14), 21, true},
		{"weekly", wk, 22, intPtr(21), 28, true},
		{"lastSent ahead of today", def, -10, intPtr(-7), -4, true},
		{"finite: ended", Ladder{Before: []int{0}, OverdueDailyDays: 1}, 1, intPtr(1), 0, false},
		{"finite: one left", Ladder{Before: []int{0}, OverdueDailyDays: 2}, 1, intPtr(1), 2, true},
		{"zero ladder", Ladder{}, 0, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, on, ok := tt.l.NextRung(deadline, deadline.AddDays(tt.offset), tt.lastSent)
			if r != tt.want || ok != tt.ok {
				t.Errorf("NextRung = %d, %v; want %d, %v", r, ok, tt.want, tt.ok)
			}
			if ok && on != deadline.AddDays(r) {
				t.Errorf("NextRung date %s, want %s", on, deadline.AddDays(r))
			}
		})
	}
}

// TestDueRungZones: the same instant is a different "today" in UTC and in
// America/Los_Angeles, and so a different rung.
func TestDueRungZones(t *testing.T) {
	la := mustLoc(t, "America/Los_Angeles")
	deadline := MustParseDate("2025-09-30")
	tests := []struct {
		instant    string
		loc        *time.Location
		wantRung   int
		wantOK     bool
		wantPhrase string
	}{
		{"2025-09-30T06:30:00Z", time.UTC, 0, true, "today"},
		{"2025-09-30T06:30:00Z", la, -1, true, "tomorrow"},
		{"2025-09-30T07:00:00Z", la, 0, true, "today"},
		{"2025-10-01T06:59:00Z", la, 0, true, "today"},
		{"2025-10-01T06:59:00Z", time.UTC, 1, true, "overdue by one day"},
		{"2025-10-01T07:00:00Z", la, 1, true, "overdue by one day"},
	}
	for _, tt := range tests {
		ts, _ := time.Parse(time.RFC3339, tt.instant)
		today := DateOf(ts, tt.loc)
		r, ok := DefaultLadder().DueRung(deadline, today, deadline.AddDays(-30), intPtr(-2))
		if r != tt.wantRung || ok != tt.wantOK {
			t.Errorf("%s in %s: rung %d, %v; want %d, %v", tt.instant, tt.loc, r, ok, tt.wantRung, tt.wantOK)
		}
		if p := DeadlinePhrase(deadline, today); p != tt.wantPhrase {
			t.Errorf("%s in %s: phrase %q, want %q", tt.instant, tt.loc, p, tt.wantPhrase)
		}
		if Overdue(deadline, today) != (tt.wantRung > 0) {
			t.Errorf("%s in %s: Overdue = %v", tt.instant, tt.loc, Overdue(deadline, today))
		}
	}
}
