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
