package commands_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/commands"
	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/reminder"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// TestMain is in llm_test.go (testenv.Main).

const (
	gTEAS  = testenv.GroupTEAS
	gCCAMP = testenv.GroupCCAMP
	gRTG   = testenv.GroupRTG
	gSG15  = testenv.GroupSG15
	g3GPP  = testenv.Group3GPP
	gIAB   = testenv.GroupIAB

	roomTEAS  = "!teas:example.org"
	roomCoord = "!coord:example.org"
)

type fixture struct {
	t   *testing.T
	st  *store.Store
	d   *commands.Dispatcher
	cfg *config.Config
	now time.Time
	n   int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st := testenv.Store(t)
	testenv.SeedDirectory(t, st)
	for _, b := range []store.Binding{
		{Platform: "matrix", Room: roomTEAS, Group: "teas", Source: store.SourceConfig},
		{Platform: "matrix", Room: roomCoord, Coordination: true, Source: store.SourceConfig},
	} {
		if _, err := st.AddBinding(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &config.Config{Platform: "matrix", Admins: []string{"@admin:example.org"}}
	cfg.Datatracker.URL = "https://datatracker.example"
	cfg.Reminders = config.Reminders{Schedule: "0 8 * * *", Timezone: "UTC", DeadlineTimezone: "America/Los_Angeles",
		Ladder: "14,7,4,3,2,1,0;daily=14;weekly"}
	cfg.Matrix.Identities = []config.Identity{
		{User: "@maria:example.org", Email: "maria@example.net"},
		{User: "@hiroshi:example.org", Email: "hiroshi@example.jp"},
	}
	f := &fixture{t: t, st: st, cfg: cfg}
	env := &commands.Env{Platform: "matrix", Config: cfg, Now: func() time.Time { return f.now }, Log: zerolog.Nop()}
	f.d = commands.New(env, commands.ReminderVerbs()...)
	return f
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// run handles one command from sender in room and returns the replies'
// plain text and the result recorded in the audit log.
func (f *fixture) run(room string, sender chat.User, text string) (string, string) {
	f.t.Helper()
	ctx := context.Background()
	f.n++
	evt := chat.Event{Platform: "matrix", Kind: chat.EventMessage, ID: fmt.Sprintf("$evt%d", f.n), Room: room, Sender: sender, Text: text}
	err := f.st.Tx(ctx, func(q store.Q) error {
		_, err := f.d.Handle(ctx, q, evt)
		return err
	})
	check(f.t, err)
	var result string
	check(f.t, f.st.Pool.QueryRow(ctx, `SELECT result FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&result))
	return strings.Join(f.outbox("reply/"+evt.ID+"/%", ""), "\n"), result
}

// outbox returns the plain text of queued messages whose txn key is like
// pattern (and in room, when given).
func (f *fixture) outbox(pattern, room string) []string {
	f.t.Helper()
	docs := f.outboxDocs(pattern, room)
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.Body.Plain()
	}
	return out
}

func (f *fixture) outboxDocs(pattern, room string) []chat.Outgoing {
	f.t.Helper()
	rows, err := f.st.Pool.Query(context.Background(), `SELECT payload FROM outbox WHERE txn_key LIKE $1 AND ($2 = '' OR room = $2) ORDER BY id`, pattern, room)
	check(f.t, err)
	defer rows.Close()
	var out []chat.Outgoing
	for rows.Next() {
		var p []byte
		check(f.t, rows.Scan(&p))
		var m chat.Outgoing
		check(f.t, json.Unmarshal(p, &m))
		out = append(out, m)
	}
	return out
}

func stmt(id int64, purpose, deadline string, from, to int64) *store.Statement {
	s := &store.Statement{ID: id, Title: fmt.Sprintf("Statement %d", id), FromGroups: []int64{from}, ToGroups: []int64{to},
		Purpose: purpose, State: "posted"}
	if deadline != "" {
		d := rules.MustParseDate(deadline).Time(time.UTC)
		s.Deadline = &d
	}
	return s
}

var (
	maria = chat.User{ID: "@maria:example.org", DisplayName: "Maria", Email: "maria@example.net"}
	alex  = chat.User{ID: "@alex:example.org", DisplayName: "Alex", Email: "alex@example.org"}
	cora  = chat.User{ID: "@cora:example.org", DisplayName: "Cora", Email: "cora@example.org"}
	anon  = chat.User{ID: "@someone:example.org", DisplayName: "Someone"}
	admin = chat.User{ID: "@admin:example.org"}
)

// seedKnownSet loads the data set of the overdue/upcoming tests. "Today"
// is 2025-09-30 in Los Angeles.
func (f *fixture) seedKnownSet() {
	ctx := context.Background()
	pending := stmt(9, "action", "2025-09-25", gSG15, gTEAS)
	pending.State = "pending"
	taken := stmt(10, "action", "2025-09-15", gSG15, gTEAS)
	taken.Tags = []string{"taken"}
	check(f.t, f.st.UpsertStatements(ctx, []*store.Statement{
		stmt(1, "action", "2025-09-29", gSG15, gTEAS),   // overdue by one day
		stmt(2, "action", "2025-09-30", gSG15, gTEAS),   // due today in LA (overdue in UTC)
		stmt(3, "action", "2025-10-01", g3GPP, gCCAMP),  // tomorrow
		stmt(4, "action", "2025-10-14", gSG15, gTEAS),   // in two weeks
		stmt(5, "action", "2025-10-15", gSG15, gTEAS),   // beyond the default 14 days
		stmt(6, "action", "2025-09-01", gSG15, gTEAS),   // noreply recorded
		stmt(7, "info", "2025-09-10", gSG15, gTEAS),     // no response expected
		stmt(8, "comment", "2025-09-20", g3GPP, gCCAMP), // For Comment with a deadline: overdue by ten days
		pending, taken,
		stmt(11, "action", "2025-09-12", gSG15, gTEAS), // answered by 12
		stmt(12, "response", "", gTEAS, gSG15),
	}))
	check(f.t, f.st.UpsertRelated(ctx, []store.Related{{ID: 1, Source: 12, Target: 11}}))
	if _, err := f.st.AddNoReply(ctx, store.NoReply{StatementID: 6, DecidedBy: "x", Reason: "r"}); err != nil {
		f.t.Fatal(err)
	}
	f.now = time.Date(2025, 10, 1, 5, 0, 0, 0, time.UTC) // 2025-09-30 22:00 in Los Angeles
}

// listed returns the statement numbers in a reply, in order.
func listed(reply string) []string {
	var out []string
	for _, line := range strings.Split(reply, "\n") {
		if strings.HasPrefix(line, "• LS ") {
			out = append(out, strings.Fields(line)[2])
		}
	}
	return out
}

func TestOverdueAndUpcomingKnownDataSet(t *testing.T) {
	f := newFixture(t)
	f.seedKnownSet()
	tests := []struct {
		cmd  string
		want []string
	}{
		{"/liaison overdue", []string{"1", "8"}},
		{"/liaison overdue teas", []string{"1"}},
		{"/liaison overdue ccamp", []string{"8"}},
		{"/liaison overdue 3gpp", []string{"8"}},
		{"/liaison upcoming", []string{"2", "3", "4"}},
		{"/liaison upcoming 1", []string{"2", "3"}},
		{"/liaison upcoming teas 1", []string{"2"}},
		{"/liaison upcoming 15 teas", []string{"2", "4", "5"}},
		{"/liaison upcoming ccamp", []string{"3"}},
	}
	for _, tt := range tests {
		reply, result := f.run(roomTEAS, anon, tt.cmd)
		if got := listed(reply); strings.Join(got, ",") != strings.Join(tt.want, ",") || result != "ok" {
			t.Errorf("%s: listed %v (%s), want %v\n%s", tt.cmd, got, result, tt.want, reply)
		}
	}
	reply, _ := f.run(roomTEAS, anon, "/liaison overdue")
	for _, w := range []string{"overdue by one day (deadline 2025-09-29)", "overdue by ten days (deadline 2025-09-20)",
		"to teas (Traffic Engineering Architecture and Signaling) (chairs: Maria Lindqvist, Olivia Ramos)",
		"from ITU-T-SG-15 (ITU-T SG 15) (liaison manager: Hiroshi Tanaka)", "from 3GPP (no liaison manager)",
		"as of 2025-09-30 (America/Los_Angeles)", "/liaison noreply <id> <reason>"} {
		if !strings.Contains(reply, w) {
			t.Errorf("overdue reply lacks %q:\n%s", w, reply)
		}
	}
	reply, _ = f.run(roomTEAS, anon, "/liaison upcoming")
	for _, w := range []string{"today (deadline 2025-09-30)", "tomorrow (deadline 2025-10-01)", "in two weeks (deadline 2025-10-14)"} {
		if !strings.Contains(reply, w) {
			t.Errorf("upcoming reply lacks %q:\n%s", w, reply)
		}
	}
	// Half an hour after midnight in Los Angeles, LS 2 is overdue.
	f.now = time.Date(2025, 10, 1, 7, 30, 0, 0, time.UTC)
	if reply, _ := f.run(roomTEAS, anon, "/liaison overdue"); strings.Join(listed(reply), ",") != "2,1,8" {
		t.Errorf("overdue after midnight in LA: %v\n%s", listed(reply), reply)
	}
	if reply, _ := f.run(roomTEAS, anon, "/liaison upcoming 1"); strings.Join(listed(reply), ",") != "3" {
		t.Errorf("upcoming after midnight in LA: %v", listed(reply))
	}
	// Nothing: says so.
	if reply, _ := f.run(roomTEAS, anon, "/liaison upcoming 1 iab"); !strings.Contains(reply, "none (today is 2025-10-01 (America/Los_Angeles))") {
		t.Errorf("empty upcoming: %s", reply)
	}
}

func TestReminderVerbsUsage(t *testing.T) {
	f := newFixture(t)
	f.now = time.Date(2025, 10, 1, 5, 0, 0, 0, time.UTC)
	for _, tt := range []struct{ cmd, want string }{
		{"/liaison overdue nosuch", `No group "nosuch"`},
		{"/liaison overdue teas ccamp", "at most one group"},
		{"/liaison upcoming 0", "between 1 and 366"},
		{"/liaison upcoming 400", "between 1 and 366"},
		{"/liaison upcoming 3 4", "between 1 and 366"},
		{"/liaison noreply", "Give the statement number"},
		{"/liaison noreply abc because", `"abc" is not a statement number`},
		{"/liaison noreply 1", "Give the reason"},
		{"/liaison received subject=x", "from="},
		{"/liaison received from=3gpp subject=x colour=red", `Unknown field "colour"`},
		{"/liaison received from=3gpp subject=x date=2025-13-01", "is not a date"},
		{"/liaison received from=3gpp subject=x date=2030-01-01", "in the future"},
		{"/liaison received from=3gpp subject=x stray", `Unexpected "stray"`},
		{"/liaison received from=3gpp subjet=x", `did you mean subject?`},
		{"/liaison received from=3gpp subject=x subject=y", `given twice`},
		{"/liaison received from=3gpp subject=\u201cunclosed", `is not closed`},
		{"/liaison received from=3gpp subject=x to=nosuch", `No group "nosuch"`},
	} {
		reply, result := f.run(roomTEAS, maria, tt.cmd)
		if result != "usage" || !strings.Contains(reply, tt.want) || !strings.Contains(reply, "Usage: /liaison") {
			t.Errorf("%s: %s\n%s", tt.cmd, result, reply)
		}
	}
	reply, _ := f.run(roomTEAS, anon, "/liaison help noreply")
	if !strings.Contains(reply, "4053bis §5.1") || !strings.Contains(reply, "Do we need to reply to all LS?") {
		t.Errorf("help: %s", reply)
	}
	reply, _ = f.run(roomTEAS, anon, "/liaison help received")
	if !strings.Contains(reply, "4053bis §3.1") || !strings.Contains(reply, "on the following lines") {
		t.Errorf("help: %s", reply)
	}
}

// TestNoReplyStopsRemindersAndTellsLiaisonManager: only chairs and ADs of
// the addressed groups (and coordinators, admins) may decide; the decision
// stops the reminders and the sending body's liaison manager is told in the
// coordination room.
func TestNoReplyStopsRemindersAndTellsLiaisonManager(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	check(t, f.st.UpsertStatements(ctx, []*store.Statement{
		stmt(20, "action", "2025-09-30", gSG15, gTEAS),
		stmt(21, "action", "2025-09-30", g3GPP, gTEAS),
		stmt(22, "info", "", gSG15, gTEAS),
		stmt(23, "action", "2025-10-30", gSG15, gTEAS),
		stmt(24, "response", "", gTEAS, gSG15),
	}))
	check(t, f.st.UpsertRelated(ctx, []store.Related{{ID: 1, Source: 24, Target: 23, Relationship: "refers"}}))
	f.now = time.Date(2025, 9, 16, 17, 0, 0, 0, time.UTC)
	rem, err := reminder.New(f.cfg, f.st, "matrix", zerolog.Nop())
	check(t, err)
	if n, err := rem.Tick(ctx, f.now); err != nil || n != 2 {
		t.Fatalf("first tick: %d %v", n, err)
	}

	for _, tt := range []struct {
		who    chat.User
		cmd    string
		result string
		want   string
	}{
		{anon, "/liaison noreply 20 not our business", "denied", "does not know your Datatracker e-mail"},
		{cora, "/liaison noreply 20 not our business", "denied", "Only the chairs and ADs"}, // chairs another WG
		{maria, "/liaison noreply 99 x", "not_found", "not in the bot's mirror"},
		{maria, "/liaison noreply 22 x", "not_needed", "no response is expected"},
		{maria, "/liaison noreply 23 x", "answered", "LS 23 is already answered by LS 24"},
	} {
		reply, result := f.run(roomTEAS, tt.who, tt.cmd)
		if result != tt.result || !strings.Contains(reply, tt.want) {
			t.Errorf("%s by %s: %s\n%s", tt.cmd, tt.who.ID, result, reply)
		}
	}
	reply, result := f.run(roomTEAS, maria, "/liaison noreply LS20 Out of the WG's charter; see RFC 8453.\nThe WG discussed it at IETF 124.")
	if result != "ok" || !strings.Contains(reply, "Recorded: no reply to LS 20") || !strings.Contains(reply, "(Hiroshi Tanaka) is told") {
		t.Fatalf("noreply: %s\n%s", result, reply)
	}
	notices := f.outboxDocs("noreply/20/%", "")
	if len(notices) != 1 || notices[0].Room != roomCoord {
		t.Fatalf("notices %+v", notices)
	}
	text := notices[0].Body.Plain()
	for _, w := range []string{"No reply will be sent to LS 20", "Decided by Maria <maria@example.net>",
		"> Out of the WG's charter; see RFC 8453.\n> The WG discussed it at IETF 124.", "Hiroshi Tanaka: as liaison manager of ITU-T-SG-15",
		"4053bis §5.1", "Do we need to reply to all LS?"} {
		if !strings.Contains(text, w) {
			t.Errorf("notice lacks %q:\n%s", w, text)
		}
	}
	if m := notices[0].Body.Mentions(); len(m) != 1 || m[0].ID != "@hiroshi:example.org" {
		t.Errorf("notice mentions %v, want the liaison manager", m)
	}
	if reply, result := f.run(roomTEAS, alex, "/liaison noreply 20 again"); result != "exists" || !strings.Contains(reply, "already recorded by @maria:example.org") {
		t.Errorf("second noreply: %s %s", result, reply)
	}
	// An AD of the parent area may decide; 3GPP has no liaison manager: the
	// coordinators are asked.
	if reply, result := f.run(roomTEAS, alex, "/liaison noreply 21 no interest"); result != "ok" || !strings.Contains(reply, "liaison coordinators are told") {
		t.Errorf("noreply by the AD: %s %s", result, reply)
	}
	if n := f.outbox("noreply/21/%", roomCoord); len(n) != 1 || !strings.Contains(n[0], "Ines Example <ines@example.org>: 3GPP has no liaison manager") {
		t.Errorf("coordinator notice %v", n)
	}
	// The reminders stopped.
	for _, d := range []int{7, 14, 15, 30} {
		if n, err := rem.Tick(ctx, f.now.AddDate(0, 0, d)); err != nil || n != 0 {
			t.Errorf("tick %d days later: %d %v", d, n, err)
		}
	}
	if reply, _ := f.run(roomTEAS, admin, "/liaison overdue"); !strings.Contains(reply, "none") {
		t.Errorf("overdue after noreply: %s", reply)
	}
}

// TestReceivedIsFollowedUpUntilRecorded: a reported statement is recorded,
// the liaison manager told, followed up weekly, and matched when a
// statement with its reference appears.
func TestReceivedIsFollowedUpUntilRecorded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.now = time.Date(2025, 9, 1, 17, 0, 0, 0, time.UTC)
	reply, result := f.run(roomTEAS, maria,
		"/liaison received from=itu-t-sg-15 subject=\"LS on optical transport YANG models\" date=2025-08-29 ref=\"SG15-LS123\"\nSent to the teas chairs directly.")
	if result != "ok" || !strings.Contains(reply, "Recorded as report #1") || !strings.Contains(reply, "(Hiroshi Tanaka) are told") {
		t.Fatalf("received: %s\n%s", result, reply)
	}
	rep, err := f.st.ReceivedByID(ctx, 1)
	check(t, err)
	if rep.ToGroup != "teas" || rep.Reference != "SG15-LS123" || rep.ReceivedOn.Format(time.DateOnly) != "2025-08-29" ||
		rep.Details != "Sent to the teas chairs directly." {
		t.Errorf("report %+v", rep)
	}
	n := f.outboxDocs("received/1/new/%", "")
	if len(n) != 1 || n[0].Room != roomCoord || len(n[0].Body.Mentions()) != 1 {
		t.Fatalf("notice %+v", n)
	}
	for _, w := range []string{"report #1", "From: itu-t-sg-15", "Their reference: SG15-LS123", "> Sent to the teas chairs directly.", "4053bis §3.1"} {
		if !strings.Contains(n[0].Body.Plain(), w) {
			t.Errorf("notice lacks %q:\n%s", w, n[0].Body.Plain())
		}
	}

	rem, err := reminder.New(f.cfg, f.st, "matrix", zerolog.Nop())
	check(t, err)
	// The report was made at the database's now(); follow-ups are due a
	// week after it.
	created := rep.CreatedAt
	if k, err := rem.Tick(ctx, created.Add(6*24*time.Hour)); err != nil || k != 0 {
		t.Fatalf("tick before a week: %d %v", k, err)
	}
	if k, err := rem.Tick(ctx, created.Add(7*24*time.Hour+time.Minute)); err != nil || k != 2 {
		t.Fatalf("follow-up tick: %d %v", k, err)
	}
	fu := f.outboxDocs("received/1/followup/%", roomTEAS)
	if len(fu) != 1 || !strings.Contains(fu[0].Body.Plain(), "Still not in the Datatracker after 7 days") {
		t.Fatalf("follow-up %+v", fu)
	}
	if k, err := rem.Tick(ctx, created.Add(8*24*time.Hour)); err != nil || k != 0 {
		t.Fatalf("tick the day after the follow-up: %d %v", k, err)
	}
	// Recorded by the liaison manager, with their reference.
	s := stmt(30, "action", "2025-10-30", gSG15, gTEAS)
	s.Title, s.OtherIdentifiers = "Optical YANG", "SG15-LS123"
	posted := created.Add(9 * 24 * time.Hour)
	s.PostedAt = &posted
	check(t, f.st.UpsertStatement(ctx, s))
	if k, err := rem.Tick(ctx, created.Add(10*24*time.Hour)); err != nil || k != 2 {
		t.Fatalf("match tick: %d %v", k, err)
	}
	m := f.outbox("received/1/matched/30/%", roomTEAS)
	if len(m) != 1 || !strings.Contains(m[0], "is now recorded in the Datatracker as LS 30") {
		t.Fatalf("matched %v", m)
	}
	if k, err := rem.Tick(ctx, created.Add(30*24*time.Hour)); err != nil || k != 0 {
		t.Fatalf("tick after matching: %d %v", k, err)
	}
}

// A liaison manager without a chat identity cannot be notified: the
// received notice and the noreply notice then ask the coordinators too.
func TestUnreachableLiaisonManagerFallsBackToCoordinators(t *testing.T) {
	f := newFixture(t)
	f.cfg.Matrix.Identities = []config.Identity{
		{User: "@maria:example.org", Email: "maria@example.net"},
		{User: "@ines:example.org", Email: "ines@example.org"},
	}
	f.now = time.Date(2025, 9, 1, 17, 0, 0, 0, time.UTC)
	reply, result := f.run(roomTEAS, maria, "/liaison received from=itu-t-sg-15 subject=\"LS on YANG\"")
	if result != "ok" || !strings.Contains(reply, "liaison manager of itu-t-sg-15 and liaison coordinators") {
		t.Fatalf("received: %s\n%s", result, reply)
	}
	n := f.outboxDocs("received/1/new/%", "")
	if len(n) != 1 {
		t.Fatalf("notices %+v", n)
	}
	var mentioned []string
	for _, u := range n[0].Body.Mentions() {
		mentioned = append(mentioned, u.ID)
	}
	if len(mentioned) != 1 || mentioned[0] != "@ines:example.org" {
		t.Errorf("received notice mentions %v, want the coordinator", mentioned)
	}
	if !strings.Contains(n[0].Body.Plain(), "Hiroshi Tanaka") {
		t.Errorf("the liaison manager is not named:\n%s", n[0].Body.Plain())
	}
}
