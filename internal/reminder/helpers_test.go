package reminder_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/reminder"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// Groups, people and rooms of the test data set.
const (
	gTEAS  = testenv.GroupTEAS
	gCCAMP = testenv.GroupCCAMP
	gRTG   = testenv.GroupRTG
	gSG15  = testenv.GroupSG15
	gIAB   = testenv.GroupIAB

	roomTEAS  = "!teas:example.org"
	roomCCAMP = "!ccamp:example.org"
	roomCoord = "!coord:example.org"
	platform  = "matrix"
)

var la = mustZone("America/Los_Angeles")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// seed loads groups, people, roles and room bindings.
func seed(t testing.TB, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	testenv.SeedDirectory(t, st)
	for _, b := range []store.Binding{
		{Platform: platform, Room: roomTEAS, Group: "teas", Source: store.SourceConfig},
		{Platform: platform, Room: roomCCAMP, Group: "ccamp", Source: store.SourceConfig},
		{Platform: platform, Room: roomCoord, Coordination: true, Source: store.SourceConfig},
	} {
		if _, err := st.AddBinding(ctx, b); err != nil {
			t.Fatal(err)
		}
		// Bound long before the tests' clocks (the database stamps the
		// real now).
		must(t, st.SetRoomBoundAt(ctx, platform, b.Room, boundLongAgo))
	}
}

// boundLongAgo is before every date the tests tick on.
var boundLongAgo = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// put stores statements as first seen by the bot when they were posted
// (the database would stamp the real now).
func put(t testing.TB, st *store.Store, ss ...*store.Statement) {
	t.Helper()
	ctx := context.Background()
	for _, s := range ss {
		must(t, st.UpsertStatement(ctx, s))
		seen := boundLongAgo
		if s.PostedAt != nil {
			seen = *s.PostedAt
		}
		must(t, st.SetFirstSeen(ctx, s.ID, seen))
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testConfig() *config.Config {
	cfg := &config.Config{Platform: platform}
	cfg.Datatracker.URL = "https://datatracker.example"
	cfg.Reminders = config.Reminders{Schedule: "0 8 * * *", Timezone: "UTC", DeadlineTimezone: "America/Los_Angeles",
		Ladder: ""} // the default: the Datatracker's ladder
	cfg.Matrix.Identities = []config.Identity{
		{User: "@maria:example.org", Email: "maria@example.net"},
		{User: "@hiroshi:example.org", Email: "hiroshi@example.jp"},
	}
	cfg.Approvals.RecordReminderDays = 7
	return cfg
}

// clock is a controllable clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newReminder(t testing.TB, st *store.Store, c *clock) *reminder.Reminder {
	t.Helper()
	r, err := reminder.New(testConfig(), st, platform, zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel))
	if err != nil {
		t.Fatal(err)
	}
	r.Now = c.Now
	return r
}

// stmt is a posted For Action statement from SG15 to the groups.
func stmt(id int64, deadline string, to ...int64) *store.Statement {
	d := rules.MustParseDate(deadline).Time(time.UTC)
	posted := d.AddDate(0, -1, 0)
	if len(to) == 0 {
		to = []int64{gTEAS}
	}
	return &store.Statement{ID: id, Title: fmt.Sprintf("LS %d on optical YANG models", id), FromGroups: []int64{gSG15}, ToGroups: to,
		Purpose: "action", Deadline: &d, State: "posted", PostedAt: &posted, SubmittedAt: &posted}
}

// at is 10:00 in Los Angeles on the date (the same date in UTC).
func at(date string) time.Time {
	d := rules.MustParseDate(date)
	return time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, la)
}

// sentFor lists what was queued for a statement: rung → rooms.
func sentFor(t testing.TB, st *store.Store, id int64) map[int][]string {
	t.Helper()
	rs, err := st.RemindersSent(context.Background(), id)
	must(t, err)
	out := map[int][]string{}
	for _, r := range rs {
		out[r.Rung] = append(out[r.Rung], r.Room)
	}
	return out
}

// message returns the outbox message of a statement's rung in a room.
func message(t testing.TB, st *store.Store, id int64, rung int, room string) chat.Outgoing {
	t.Helper()
	rs, err := st.RemindersSent(context.Background(), id)
	must(t, err)
	for _, r := range rs {
		if r.Rung == rung && r.Room == room {
			it, err := st.OutboxByID(context.Background(), r.OutboxID)
			must(t, err)
			return it.Msg
		}
	}
	t.Fatalf("no reminder of LS %d rung %d in %s", id, rung, room)
	return chat.Outgoing{}
}

func mentionIDs(d chat.Doc) []string {
	var out []string
	for _, u := range d.Mentions() {
		out = append(out, u.ID)
	}
	slices.Sort(out)
	return out
}

func contains(t testing.TB, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("missing %q in:\n%s", w, s)
		}
	}
}
