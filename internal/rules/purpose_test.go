package rules

import (
	"strings"
	"testing"
)

func TestParsePurpose(t *testing.T) {
	tests := []struct {
		in      string
		want    Purpose
		wantErr bool
	}{
		{"info", PurposeInfo, false},
		{"information", PurposeInfo, false},
		{"for information", PurposeInfo, false},
		{"For Information", PurposeInfo, false},
		{"  FOR   INFORMATION ", PurposeInfo, false},
		{"for-information", PurposeInfo, false},
		{"for_info", PurposeInfo, false},
		{"action", PurposeAction, false},
		{"for action", PurposeAction, false},
		{"For Action", PurposeAction, false},
		{"response", PurposeResponse, false},
		{"in response", PurposeResponse, false},
		{"In-Response", PurposeResponse, false},
		{"comment", PurposeComment, false},
		{"for comment", PurposeComment, false},
		{"", "", true},
		{"for fun", "", true},
		{"actions please", "", true},
	}
	for _, tt := range tests {
		got, err := ParsePurpose(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParsePurpose(%q) = %q, %v; want %q, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil {
			checkCited(t, err.Error())
		}
	}
}

func TestPurposeProperties(t *testing.T) {
	tests := []struct {
		p             Purpose
		title         string
		valid         bool
		newDraft      bool
		needsDeadline bool
		expects       bool
	}{
		{PurposeInfo, "For Information", true, true, false, false},
		{PurposeAction, "For Action", true, true, true, true},
		{PurposeResponse, "In Response", true, true, false, false},
		{PurposeComment, "For Comment", true, false, false, true},
		{"", "", false, false, false, false},
		{"bogus", "bogus", false, false, false, false},
	}
	for _, tt := range tests {
		if got := tt.p.Title(); got != tt.title {
			t.Errorf("%q.Title() = %q, want %q", tt.p, got, tt.title)
		}
		if got := tt.p.Valid(); got != tt.valid {
			t.Errorf("%q.Valid() = %v", tt.p, got)
		}
		err := tt.p.ValidForNewDraft()
		if (err == nil) != tt.newDraft {
			t.Errorf("%q.ValidForNewDraft() = %v, want ok=%v", tt.p, err, tt.newDraft)
		}
		if err != nil {
			checkCited(t, err.Error())
		}
		if got := tt.p.NeedsDeadline(); got != tt.needsDeadline {
			t.Errorf("%q.NeedsDeadline() = %v", tt.p, got)
		}
		if got := tt.p.ExpectsResponse(); got != tt.expects {
			t.Errorf("%q.ExpectsResponse() = %v", tt.p, got)
		}
		if tt.valid {
			checkCited(t, tt.p.Description())
		}
	}
	if err := PurposeComment.ValidForNewDraft(); err == nil || !strings.Contains(err.Error(), "§2.2") || !strings.Contains(err.Error(), "retired") {
		t.Errorf("For Comment error should say it is retired and cite §2.2: %v", err)
	}
	for _, p := range NewDraftPurposes() {
		if p.ValidForNewDraft() != nil {
			t.Errorf("NewDraftPurposes lists %q, which is not valid for a new draft", p)
		}
	}
}
