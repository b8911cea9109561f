package rules

import "testing"

func TestNeedsTracking(t *testing.T) {
	dl := datePtr("2025-09-30")
	tests := []struct {
		state    State
		purpose  Purpose
		deadline *Date
		want     bool
	}{
		{StatePosted, PurposeAction, dl, true},
		{StatePosted, PurposeComment, dl, true},
		{StatePosted, PurposeComment, nil, false},
		{StatePosted, PurposeAction, nil, false},
		{StatePosted, PurposeAction, &Date{}, false},
		{StatePosted, PurposeInfo, dl, false},
		{StatePosted, PurposeResponse, dl, false},
		{StatePending, PurposeAction, dl, false},
		{StateApproved, PurposeAction, dl, false},
		{StateDead, PurposeAction, dl, false},
	}
	for _, tt := range tests {
		if got := NeedsTracking(tt.state, tt.purpose, tt.deadline); got != tt.want {
			t.Errorf("NeedsTracking(%s, %s, %v) = %v, want %v", tt.state, tt.purpose, tt.deadline, got, tt.want)
		}
	}
}

func TestAnswered(t *testing.T) {
	tests := []struct {
		response bool
		tags     []string
		noReply  bool
		want     bool
	}{
		{false, nil, false, false},
		{false, []string{"required"}, false, false},
		{true, []string{"required"}, false, true},
		{false, []string{"required", "taken"}, false, true},
		{false, []string{" Taken "}, false, true},
		{false, nil, true, true},
	}
	for _, tt := range tests {
		if got := Answered(tt.response, tt.tags, tt.noReply); got != tt.want {
			t.Errorf("Answered(%v, %v, %v) = %v, want %v", tt.response, tt.tags, tt.noReply, got, tt.want)
		}
	}
}

func TestDaysOverdueAndLeft(t *testing.T) {
	dl := MustParseDate("2025-09-30")
	tests := []struct {
		today         string
		overdue, left int
		isOverdue     bool
	}{
		{"2025-09-16", 0, 14, false},
		{"2025-09-29", 0, 1, false},
		{"2025-09-30", 0, 0, false},
		{"2025-10-01", 1, 0, true},
		{"2025-11-01", 32, 0, true},
	}
	for _, tt := range tests {
		today := MustParseDate(tt.today)
		if got := DaysOverdue(dl, today); got != tt.overdue {
			t.Errorf("DaysOverdue(%s) = %d, want %d", tt.today, got, tt.overdue)
		}
		if got := DaysLeft(dl, today); got != tt.left {
			t.Errorf("DaysLeft(%s) = %d, want %d", tt.today, got, tt.left)
		}
		if got := Overdue(dl, today); got != tt.isOverdue {
			t.Errorf("Overdue(%s) = %v", tt.today, got)
		}
	}
}
