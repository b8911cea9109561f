package calendar

import (
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
)

func TestFeedParsesWithAnIndependentParser(t *testing.T) {
	entries := []Entry{
		{StatementID: 2042, Title: "LS on YANG; optical, transport\nmodels", Deadline: time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC),
			From: "ITU-T-SG-15", To: "teas", Purpose: "For Action", URL: "https://datatracker.ietf.org/liaison/2042/"},
		{StatementID: 7, Title: "Second", Deadline: time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), Purpose: "For Action"},
	}
	out := Build("teas liaison deadlines", "America/Los_Angeles", entries, time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC))
	cal, err := goical.NewDecoder(strings.NewReader(out)).Decode()
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, out)
	}
	evs := cal.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	uid, _ := evs[0].Props.Text(goical.PropUID)
	if uid != "ls-2042-deadline@liaisonbot" {
		t.Errorf("uid %q", uid)
	}
	sum, _ := evs[0].Props.Text(goical.PropSummary)
	if sum != "LS 2042 deadline: LS on YANG; optical, transport models" {
		t.Errorf("summary %q", sum)
	}
	start := evs[0].Props.Get(goical.PropDateTimeStart)
	if start == nil || start.Value != "20250930" || start.ValueType() != goical.ValueDate {
		t.Errorf("start %+v", start)
	}
	if u, _ := evs[0].Props.URI(goical.PropURL); u == nil || u.String() != entries[0].URL {
		t.Errorf("url %v", u)
	}
}

// RFC 5545 §3.1: "Lines of text SHOULD NOT be longer than 75 octets,
// excluding the line break", and content lines are delimited by CRLF.
// Strict clients (and the RFC's own folding) rely on it.
func TestFeedUsesCRLFLineEnds(t *testing.T) {
	entries := []Entry{{StatementID: 2042, Title: strings.Repeat("A long title that must be folded ", 5),
		Deadline: time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC), From: "ITU-T-SG-15", To: "teas", Purpose: "For Action",
		URL: "https://datatracker.ietf.org/liaison/2042/"}}
	out := Build("teas liaison deadlines", "America/Los_Angeles", entries, time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC))
	if !strings.HasSuffix(out, "END:VCALENDAR\r\n") {
		t.Errorf("feed does not end with END:VCALENDAR CRLF: %q", out[max(0, len(out)-20):])
	}
	lines := strings.Split(out, "\r\n")
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets long: %q", i+1, len(l), l)
		}
	}
	if len(lines) < 10 {
		t.Errorf("only %d CRLF-delimited lines:\n%s", len(lines), out)
	}
}
