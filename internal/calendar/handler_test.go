package calendar_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/liaisonbot/liaisonbot/internal/calendar"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func date(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestHandlerServesParsableFeeds(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	if err := st.UpsertGroups(ctx, []store.Group{
		{ID: 1985, Acronym: "teas", Name: "Traffic Engineering Architecture and Signaling", Type: "wg", State: "active"},
		{ID: 1986, Acronym: "ccamp", Type: "wg", State: "active"},
		{ID: 62, Acronym: "itu-t-sg-15", Name: "ITU-T SG 15", Type: "sdo", State: "active"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertStatements(ctx, []*store.Statement{
		{ID: 1, Title: "LS on YANG; optical\nmodels, <b>x</b>", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "action", Deadline: date("2025-09-30"), State: "posted"},
		{ID: 2, Title: "To ccamp", FromGroups: []int64{62}, ToGroups: []int64{1986}, Purpose: "comment", Deadline: date("2025-10-15"), State: "posted"},
		{ID: 3, Title: "Taken", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "action", Deadline: date("2025-10-01"), State: "posted", Tags: []string{"taken"}},
		{ID: 4, Title: "Info", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "info", Deadline: date("2025-10-01"), State: "posted"},
		{ID: 5, Title: "Too old", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "action", Deadline: date("2023-01-01"), State: "posted"},
	}); err != nil {
		t.Fatal(err)
	}
	h := &calendar.Feed{Store: st, Base: "https://datatracker.example", Zone: "America/Los_Angeles",
		Now: func() time.Time { return time.Date(2025, 9, 20, 12, 0, 0, 0, time.UTC) }}
	srv := httptest.NewServer(h)
	defer srv.Close()

	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, tt := range []struct {
		path  string
		uids  []string
		title string
	}{
		{"/calendar/all.ics", []string{"ls-1-deadline@liaisonbot", "ls-2-deadline@liaisonbot"}, "IETF liaison statement deadlines"},
		{"/calendar/teas.ics", []string{"ls-1-deadline@liaisonbot"}, "teas (Traffic Engineering Architecture and Signaling) liaison statement deadlines"},
		{"/calendar/ITU-T-SG-15.ics", []string{"ls-1-deadline@liaisonbot", "ls-2-deadline@liaisonbot"}, "ITU-T-SG-15 (ITU-T SG 15) liaison statement deadlines"},
	} {
		resp, body := get(tt.path)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("%s: %d %s", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		cal, err := goical.NewDecoder(strings.NewReader(body)).Decode()
		if err != nil {
			t.Fatalf("%s: parse: %v\n%s", tt.path, err, body)
		}
		if name, _ := cal.Props.Text("X-WR-CALNAME"); name != tt.title {
			t.Errorf("%s: calendar name %q", tt.path, name)
		}
		var uids []string
		for _, ev := range cal.Events() {
			uid, _ := ev.Props.Text(goical.PropUID)
			uids = append(uids, uid)
		}
		if strings.Join(uids, ",") != strings.Join(tt.uids, ",") {
			t.Errorf("%s: events %v, want %v", tt.path, uids, tt.uids)
		}
		if tt.path == "/calendar/all.ics" {
			ev := cal.Events()[0]
			if s := ev.Props.Get(goical.PropDateTimeStart); s == nil || s.Value != "20250930" || s.ValueType() != goical.ValueDate {
				t.Errorf("start %+v", s)
			}
			sum, _ := ev.Props.Text(goical.PropSummary)
			if sum != "LS 1 deadline: LS on YANG; optical models, <b>x</b>" {
				t.Errorf("summary %q", sum)
			}
			desc, _ := ev.Props.Text(goical.PropDescription)
			if !strings.Contains(desc, "Deadline: 2025-09-30 (America/Los_Angeles)") || !strings.Contains(desc, "https://datatracker.example/liaison/1/") {
				t.Errorf("description %q", desc)
			}
		}
	}
	for _, p := range []string{"/calendar/nosuch.ics", "/calendar/teas", "/calendar/a/b.ics", "/other/all.ics"} {
		if resp, _ := get(p); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
	resp, err := http.Post(srv.URL+"/calendar/all.ics", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}
