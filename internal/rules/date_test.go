package rules

import (
	"encoding/json"
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s not available: %v", name, err)
	}
	return loc
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{"2025-09-30", Date{2025, time.September, 30}, false},
		{" 2024-02-29 ", Date{2024, time.February, 29}, false},
		{"2025-02-29", Date{}, true},
		{"2025-02-30", Date{}, true},
		{"2025-13-01", Date{}, true},
		{"2025-9-30", Date{}, true},
		{"30.09.2025", Date{}, true},
		{"", Date{}, true},
		{"2025-09-30T10:00:00Z", Date{}, true},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2025-09-30", 1, "2025-10-01"},
		{"2025-12-31", 1, "2026-01-01"},
		{"2024-02-28", 1, "2024-02-29"},
		{"2025-02-28", 1, "2025-03-01"},
		{"2025-03-01", -1, "2025-02-28"},
		{"2025-03-08", 1, "2025-03-09"}, // US spring forward
		{"2025-11-02", 1, "2025-11-03"}, // US fall back
		{"2025-09-30", -14, "2025-09-16"},
		{"2025-09-30", 0, "2025-09-30"},
		{"2025-01-01", 365, "2026-01-01"},
		{"2024-01-01", 366, "2025-01-01"},
		{"1900-01-01", 146097, "2300-01-01"}, // 400 Gregorian years
	}
	for _, tt := range tests {
		a := MustParseDate(tt.from)
		got := a.AddDays(tt.n)
		if got.String() != tt.want {
			t.Errorf("%s.AddDays(%d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
		if d := DaysBetween(a, got); d != tt.n {
			t.Errorf("DaysBetween(%s, %s) = %d, want %d", a, got, d, tt.n)
		}
		if d := DaysBetween(got, a); d != -tt.n {
			t.Errorf("DaysBetween(%s, %s) = %d, want %d", got, a, d, -tt.n)
		}
	}
}

func TestDateCompare(t *testing.T) {
	a, b := MustParseDate("2025-09-29"), MustParseDate("2025-09-30")
	if !a.Before(b) || a.After(b) || b.Before(a) || !b.After(a) || a.Compare(a) != 0 || a.Compare(b) != -1 || b.Compare(a) != 1 {
		t.Error("Before/After/Compare disagree")
	}
	if !(Date{}).IsZero() || a.IsZero() {
		t.Error("IsZero")
	}
	if (Date{}).Valid() || !a.Valid() || (Date{2025, time.February, 30}).Valid() {
		t.Error("Valid")
	}
	if got := MustParseDate("2025-09-30").Weekday(); got != time.Tuesday {
		t.Errorf("Weekday = %v", got)
	}
}

// TestDateOfAroundMidnight checks that "today" depends on the zone: the
// Datatracker reads deadlines in America/Los_Angeles while servers often
// run in UTC.
func TestDateOfAroundMidnight(t *testing.T) {
	la := mustLoc(t, "America/Los_Angeles")
	tests := []struct {
		instant string
		utc, la string
	}{
		{"2025-09-30T06:30:00Z", "2025-09-30", "2025-09-29"}, // 23:30 PDT the day before
		{"2025-09-30T06:59:59Z", "2025-09-30", "2025-09-29"},
		{"2025-09-30T07:00:00Z", "2025-09-30", "2025-09-30"}, // midnight PDT
		{"2025-09-30T23:59:59Z", "2025-09-30", "2025-09-30"},
		{"2025-10-01T00:00:00Z", "2025-10-01", "2025-09-30"},
		{"2025-01-15T07:59:59Z", "2025-01-15", "2025-01-14"}, // PST: UTC-8
		{"2025-01-15T08:00:00Z", "2025-01-15", "2025-01-15"},
		{"2025-03-09T09:59:00Z", "2025-03-09", "2025-03-09"}, // 01:59 PST, before spring forward
		{"2025-03-09T07:59:00Z", "2025-03-09", "2025-03-08"},
	}
	for _, tt := range tests {
		ts, err := time.Parse(time.RFC3339, tt.instant)
		if err != nil {
			t.Fatal(err)
		}
		if got := DateOf(ts, time.UTC).String(); got != tt.utc {
			t.Errorf("DateOf(%s, UTC) = %s, want %s", tt.instant, got, tt.utc)
		}
		if got := DateOf(ts, nil).String(); got != tt.utc {
			t.Errorf("DateOf(%s, nil) = %s, want %s", tt.instant, got, tt.utc)
		}
		if got := DateOf(ts, la).String(); got != tt.la {
			t.Errorf("DateOf(%s, LA) = %s, want %s", tt.instant, got, tt.la)
		}
	}
}

func TestDateTime(t *testing.T) {
	la := mustLoc(t, "America/Los_Angeles")
	tests := []struct {
		date string
		loc  *time.Location
		want string
	}{
		{"2025-09-30", time.UTC, "2025-09-30T00:00:00Z"},
		{"2025-09-30", nil, "2025-09-30T00:00:00Z"},
		{"2025-09-30", la, "2025-09-30T07:00:00Z"},
		{"2025-01-15", la, "2025-01-15T08:00:00Z"},
		{"2025-03-09", la, "2025-03-09T08:00:00Z"}, // still PST at midnight
		{"2025-03-10", la, "2025-03-10T07:00:00Z"}, // PDT
	}
	for _, tt := range tests {
		got := MustParseDate(tt.date).Time(tt.loc).UTC().Format(time.RFC3339)
		if got != tt.want {
			t.Errorf("%s.Time(%v) = %s, want %s", tt.date, tt.loc, got, tt.want)
		}
		// The start of the day is on that day in its zone.
		if back := DateOf(MustParseDate(tt.date).Time(tt.loc), tt.loc); back != MustParseDate(tt.date) {
			t.Errorf("DateOf(Time(%s)) = %s", tt.date, back)
		}
	}
	if got := FormatDeadline(MustParseDate("2025-09-30"), la); got != "2025-09-30 (America/Los_Angeles)" {
		t.Errorf("FormatDeadline = %q", got)
	}
}

func TestDateText(t *testing.T) {
	var v struct {
		D Date `json:"d"`
	}
	if err := json.Unmarshal([]byte(`{"d":"2025-09-30"}`), &v); err != nil || v.D != MustParseDate("2025-09-30") {
		t.Fatalf("unmarshal: %v %v", v.D, err)
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) != `{"d":"2025-09-30"}` {
		t.Fatalf("marshal: %s %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"d":"2025-02-30"}`), &v); err == nil {
		t.Error("impossible date accepted")
	}
}
