package bot

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// The scenario suite of issue 6 point 8: written once against a small
// platform driver (scenarioWorld) and run on every platform — Matrix on a
// real Dendrite (scenario_matrix_test.go) and Zulip on the validating fake
// (scenario_zulip_test.go). Each scenario gets a fresh world: a chat
// server with the bot's account, a WG room bound to teas, a coordination
// room, three people mapped to their Datatracker e-mails (the teas chair,
// an RTG AD and a SEC AD), a fake Datatracker with the fixtures and a
// fresh database.

// scRoom names a room of the world independent of the platform.
type scRoom int

const (
	scWG    scRoom = iota // bound to teas
	scCoord               // coordination: true
)

func (r scRoom) String() string { return [...]string{"WG room", "coordination room"}[r] }

// scActor is a person of the world, by role.
type scActor int

const (
	scChair   scActor = iota // maria.lindqvist@example.net, teas chair
	scRTGAD                  // ad-two@example.org: may approve for teas (RTG)
	scOtherAD                // sec-ad@example.org: an AD, but not of teas's area
)

// scEmail is each actor's Datatracker e-mail (the fixtures' roles).
var scEmail = map[scActor]string{scChair: chairEmail, scRTGAD: adEmail, scOtherAD: otherADEmail}

// scMsg is a message the bot posted.
type scMsg struct {
	ID   string // the platform's message ID (Matrix event ID, Zulip message ID)
	Text string // plain body (Matrix) or Zulip Markdown
	// Thread is the thread the message is in: the root's event ID on
	// Matrix (a message outside any thread roots its own), the topic on
	// Zulip.
	Thread string
	// Reactions are the keys of the bot's own reactions on it (✅, ❌).
	Reactions []string
}

// scenarioWorld is one platform's side of the world.
type scenarioWorld interface {
	// DT is the world's fake Datatracker.
	DT() *dtfake.Server
	// Config is the bot's config: platform, database, rooms (WG room bound
	// to teas, coordination room), identities where the platform needs
	// them, the Datatracker. The same config on every call.
	Config(t *testing.T) *config.Config
	// Ready waits until the started bot is in every room and listening.
	Ready(t *testing.T)
	// Say posts text in a room as who (on Zulip in a fixed topic).
	Say(t *testing.T, who scActor, room scRoom, text string)
	// React reacts to a message with key (a Unicode emoji: ✅, ❌).
	React(t *testing.T, who scActor, room scRoom, msgID, key string)
	// BotMessages lists the bot's messages in a room, oldest first.
	BotMessages(t *testing.T, room scRoom) []scMsg
}

// scenarioPlatform makes fresh worlds of one platform.
type scenarioPlatform struct {
	name     string
	newWorld func(t *testing.T) scenarioWorld
}

func scenarioPlatforms() []scenarioPlatform {
	return []scenarioPlatform{
		{"matrix", newMatrixScenarioWorld},
		{"zulip", newZulipScenarioWorld},
	}
}

// TestScenarios runs every scenario on every platform:
// TestScenarios/<platform>/<scenario>.
func TestScenarios(t *testing.T) {
	scenarios := []struct {
		name string
		run  func(*scenario)
	}{
		{"announcement", scenarioAnnouncement},
		{"draft_submit_approve", scenarioDraftSubmitApprove},
		{"reminder", scenarioReminder},
		{"overdue", scenarioOverdue},
		{"huge_draft", scenarioHugeDraft},
	}
	for _, p := range scenarioPlatforms() {
		t.Run(p.name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					sc.run(&scenario{t: t, w: p.newWorld(t)})
				})
			}
		})
	}
}

// scenario is one run of a scenario: the world and the running bot.
type scenario struct {
	t   *testing.T
	w   scenarioWorld
	cfg *config.Config
	bot *running
}

const scWait = 30 * time.Second

// start starts the bot (again, after stop) and waits until it has
// backfilled the Datatracker fixtures and is in its rooms.
func (s *scenario) start(tweak ...func(*Bot)) {
	t := s.t
	t.Helper()
	if s.cfg == nil {
		s.cfg = s.w.Config(t)
	}
	s.bot = start(t, s.cfg, append([]func(*Bot){func(b *Bot) { b.PollInterval = pollFast }}, tweak...)...)
	testenv.Eventually(t, scWait, func() bool {
		n, _ := s.bot.Bot.Store.CountStatements(context.Background())
		return n >= 3
	}, "the first poll did not backfill the fixtures")
	s.w.Ready(t)
}

func (s *scenario) stop() { s.bot.stop() }

// find returns the bot's messages in room that match.
func (s *scenario) find(room scRoom, match func(scMsg) bool) []scMsg {
	var out []scMsg
	for _, m := range s.w.BotMessages(s.t, room) {
		if match(m) {
			out = append(out, m)
		}
	}
	return out
}

// waitFor waits for a bot message in room that matches and returns the
// latest such message.
func (s *scenario) waitFor(room scRoom, what string, match func(scMsg) bool) scMsg {
	s.t.Helper()
	var found []scMsg
	testenv.Eventually(s.t, scWait, func() bool {
		found = s.find(room, match)
		return len(found) > 0
	}, "no %s in the %s; the bot said: %s", what, room, lazyDump{s, room})
	return found[len(found)-1]
}

// lazyDump prints the bot's messages in a room when a wait fails.
type lazyDump struct {
	s    *scenario
	room scRoom
}

func (d lazyDump) String() string {
	var b strings.Builder
	for _, m := range d.s.w.BotMessages(d.s.t, d.room) {
		fmt.Fprintf(&b, "\n  [%s in %q] %s", m.ID, m.Thread, firstLine(m.Text))
	}
	return b.String()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// has matches messages containing every one of subs.
func has(subs ...string) func(scMsg) bool {
	return func(m scMsg) bool {
		for _, sub := range subs {
			if !strings.Contains(m.Text, sub) {
				return false
			}
		}
		return true
	}
}

// about matches messages that name LS id (plain "LS 2044" on Matrix, the
// link text "[LS 2044](...)" on Zulip) and contain every one of subs.
func about(ls int64, subs ...string) func(scMsg) bool {
	re := regexp.MustCompile(fmt.Sprintf(`\bLS %d\b`, ls))
	return func(m scMsg) bool { return re.MatchString(m.Text) && has(subs...)(m) }
}

// postIncoming adds a statement from ITU-T SG15 to teas to the
// Datatracker, posts it and asks the bot to poll.
func (s *scenario) postIncoming(title, purpose string, deadline time.Time) int64 {
	st := datatracker.Statement{
		Title: title, FromGroups: []int64{groupSG15}, ToGroups: []int64{groupTEAS},
		FromContact: "Rapporteur <rapporteur@example.org>", ToContacts: "teas-chairs@ietf.org",
		ResponseContacts: "sg15-reply@example.org", Purpose: purpose, Body: "Body of " + title,
	}
	if !deadline.IsZero() {
		st.Deadline = deadline.Format(time.DateOnly)
	}
	ls := s.w.DT().AddStatement(st)
	s.w.DT().Post(ls)
	s.bot.Bot.PollNow()
	return ls
}

const announced = "New liaison statement"

// waitAnnounced waits for the announcement of ls in room.
func (s *scenario) waitAnnounced(room scRoom, ls int64) scMsg {
	s.t.Helper()
	return s.waitFor(room, fmt.Sprintf("announcement of LS %d", ls), about(ls, announced))
}

func (s *scenario) draft(id int64) *store.Draft {
	s.t.Helper()
	d, err := s.bot.Bot.Store.DraftByID(context.Background(), id, false)
	if err != nil || d == nil {
		s.t.Fatalf("draft %d: %v", id, err)
	}
	return d
}

func (s *scenario) waitDraftState(id int64, state rules.DraftState) {
	s.t.Helper()
	testenv.Eventually(s.t, scWait, func() bool { return s.draft(id).State == state },
		"D%d never became %s (it is %s)", id, state, s.draft(id).State)
}

// settle gives a duplicate or a wrong change the chance to show up.
func settle() { time.Sleep(1500 * time.Millisecond) }

// scenarioAnnouncement: a statement posted in the Datatracker is announced
// once in the WG room and once in the coordination room; the statements
// already there at the first start (the backfill) are not announced.
func scenarioAnnouncement(s *scenario) {
	t := s.t
	s.start()
	title := "LS on transport network YANG models"
	ls := s.postIncoming(title, "info", time.Time{})
	for _, room := range []scRoom{scWG, scCoord} {
		ann := s.waitAnnounced(room, ls)
		for _, want := range []string{title, "For Information", "ITU-T-SG-15", "teas", fmt.Sprintf("/liaison/%d/", ls)} {
			if !strings.Contains(ann.Text, want) {
				t.Errorf("the announcement in the %s lacks %q:\n%s", room, want, ann.Text)
			}
		}
	}
	settle()
	for _, room := range []scRoom{scWG, scCoord} {
		if n := len(s.find(room, about(ls, announced))); n != 1 {
			t.Errorf("LS %d announced %d times in the %s, want once", ls, n, room)
		}
		for _, old := range []int64{2041, 2042, 2043} {
			if n := len(s.find(room, about(old, announced))); n != 0 {
				t.Errorf("backfilled LS %d announced %d times in the %s", old, n, room)
			}
		}
	}
}

// scenarioDraftSubmitApprove: the teas chair drafts a complete For Action
// statement in the WG room and submits it; the approval request is posted
// with ✅/❌; a SEC AD's ✅ changes nothing (4053bis §4.1: the ADs of the
// WG's area approve); the RTG AD's ✅ approves it, and the hand-off with
// the Datatracker's outgoing form follows.
func scenarioDraftSubmitApprove(s *scenario) {
	t := s.t
	s.start()
	req := s.submitDraft()

	// An AD, but of another area: explained, nothing changes.
	s.w.React(t, scOtherAD, scWG, req.ID, "✅")
	s.waitFor(scWG, "explanation of the ignored ✅", has("changes nothing"))
	settle()
	if d := s.draft(1); d.State != rules.DraftSubmitted {
		t.Fatalf("a non-approver's ✅ changed D1 to %s", d.State)
	}
	if n := len(s.find(scWG, has("liaison/add/outgoing"))); n != 0 {
		t.Fatalf("hand-off posted after a non-approver's ✅")
	}

	// The RTG AD approves with ✅; the hand-off names the form.
	s.w.React(t, scRTGAD, scWG, req.ID, "✅")
	s.waitDraftState(1, rules.DraftApproved)
	s.waitFor(scWG, "hand-off with the Datatracker form", has("liaison/add/outgoing"))
	settle()
	if n := len(s.find(scWG, has("liaison/add/outgoing"))); n != 1 {
		t.Errorf("hand-off posted %d times in the WG room, want once", n)
	}
	// The request itself is a live card: edited to say who approved.
	s.waitFor(scWG, "the request's card showing the approval", func(m scMsg) bool {
		return m.ID == req.ID && has("Status: approved", "AD rtg")(m)
	})
}

// scenarioReminder: a For Action statement due in 20 days is announced;
// the bot is down for 17 days (its clock moved on); the schedule's
// catch-up tick at start posts the deadline reminder into the
// announcement's thread (Matrix) or topic (Zulip), once.
func scenarioReminder(s *scenario) {
	t := s.t
	s.start()
	deadline := time.Now().AddDate(0, 0, 20)
	ls := s.postIncoming("LS on optical impairments", "action", deadline)
	ann := s.waitAnnounced(scWG, ls)
	if n := len(s.find(scWG, about(ls, "⏰ Deadline "))); n != 0 {
		t.Fatalf("reminded 20 days before the deadline")
	}

	s.stop()
	later := 17 * 24 * time.Hour
	s.start(func(b *Bot) { b.Now = func() time.Time { return time.Now().Add(later) } })
	rem := s.waitFor(scWG, "deadline reminder", about(ls, "⏰ Deadline "))
	if rem.ID == ann.ID || rem.Thread != ann.Thread {
		t.Errorf("the reminder (%s, in %q) is not in the announcement's thread (%s, in %q)", rem.ID, rem.Thread, ann.ID, ann.Thread)
	}
	if !strings.Contains(rem.Text, "LS on optical impairments") {
		t.Errorf("the reminder does not name the statement:\n%s", rem.Text)
	}
	settle()
	if n := len(s.find(scWG, about(ls, "⏰ Deadline "))); n != 1 {
		t.Errorf("reminded %d times, want once", n)
	}
}

// scenarioOverdue: `/liaison overdue` lists an unanswered For Action
// statement whose deadline has passed.
func scenarioOverdue(s *scenario) {
	t := s.t
	s.start()
	ls := s.postIncoming("LS on a missed deadline", "action", time.Now().AddDate(0, 0, -5))
	s.waitAnnounced(scWG, ls)
	s.w.Say(t, scChair, scWG, "/liaison overdue")
	list := s.waitFor(scWG, "overdue list", about(ls, "Overdue For Action statements"))
	if !strings.Contains(list.Text, "LS on a missed deadline") {
		t.Errorf("the overdue list does not name the statement:\n%s", list.Text)
	}
	// The answered fixture (2042, answered by 2043) is not overdue.
	if about(2042)(list) {
		t.Errorf("the overdue list names the answered LS 2042:\n%s", list.Text)
	}
}

// submitDraft has the teas chair draft a complete For Action statement in
// the WG room as D1 and submit it; it returns the approval request, once
// the bot has put ✅ and ❌ on it.
func (s *scenario) submitDraft() scMsg {
	t := s.t
	t.Helper()
	deadline := time.Now().AddDate(0, 0, 40).Format(time.DateOnly)
	s.w.Say(t, scChair, scWG, fmt.Sprintf(`/liaison draft to=itu-t-sg-15 to_contact=sg15-reply@example.org purpose=action deadline=%s consensus="WG consensus" subject="TE topology models"
We ask SG15 to review RFC 8795 and tell us whether its identities match G.7711.1.`, deadline))
	// Matching is dialect-neutral: "New draft D1 (revision 1, draft)" on
	// Matrix, "New draft **D1 (revision 1, draft)**" on Zulip.
	s.waitFor(scWG, "new draft D1", has("New draft", "D1 (revision 1"))
	if d := s.draft(1); d.State != rules.DraftDraft || d.Revision != 1 {
		t.Fatalf("D1 is %s revision %d, want open revision 1", d.State, d.Revision)
	}

	s.w.Say(t, scChair, scWG, "/liaison submit D1")
	s.waitDraftState(1, rules.DraftSubmitted)
	req := s.waitFor(scWG, "approval request", has("Approval requested for outgoing statement", "D1 (revision 1)"))
	// ✅ and ❌ are on it, so approvers only have to click.
	testenv.Eventually(t, scWait, func() bool {
		for _, m := range s.w.BotMessages(t, scWG) {
			if m.ID == req.ID {
				return slices.Contains(m.Reactions, "✅") && slices.Contains(m.Reactions, "❌")
			}
		}
		return false
	}, "the bot did not put ✅ and ❌ on the approval request")
	return req
}

// scenarioHugeDraft: a draft with a 30 KB body. Every answer reaches the
// room within the platform's limit (nothing cut or truncated by the
// server), the whole body comes in parts, the approval request is posted,
// and no message is retried or given up.
func scenarioHugeDraft(s *scenario) {
	t := s.t
	s.start()
	var body strings.Builder
	for i := 0; body.Len() < 30000; i++ {
		fmt.Fprintf(&body, "Paragraph %d: the working group discussed the optical models at length.\n", i)
	}
	s.w.Say(t, scChair, scWG, `!liaison draft to=itu-t-sg-15 to_contact=sg15-reply@example.org purpose=info subject="Long" consensus="WG consensus"
`+body.String())
	s.waitFor(scWG, "the draft", has("New draft", "D1", "/liaison show D1 full"))
	// Zulip itself truncates a message beyond 10,000 characters, the
	// chair's too: the draft holds what the server delivered.
	d := s.draft(1)
	lines := strings.Split(strings.TrimSpace(d.Body), "\n")
	end := lines[len(lines)-1]
	s.w.Say(t, scChair, scWG, "!liaison show D1 full")
	first := s.waitFor(scWG, "the first part of the body", has("Body of D1 (revision 1), part 1 of"))
	n := regexp.MustCompile(`part 1 of (\d+)`).FindStringSubmatch(first.Text)[1]
	last := s.waitFor(scWG, "the last part of the body", has(fmt.Sprintf("part %s of %s", n, n)))
	if !strings.Contains(last.Text, end) {
		t.Errorf("the last part lacks the body's end %q:\n%.300s", end, last.Text)
	}
	s.w.Say(t, scChair, scWG, "!liaison submit D1")
	s.waitFor(scWG, "the approval request", has("Approval requested for outgoing statement", "D1"))
	settle()
	for _, m := range s.find(scWG, func(scMsg) bool { return true }) {
		if strings.Contains(m.Text, "[message truncated]") || strings.Contains(m.Text, "This message was cut") {
			t.Errorf("a message was cut: %.200s", m.Text)
		}
	}
	var retried, failed int
	if err := s.bot.Bot.Store.Pool.QueryRow(context.Background(),
		`SELECT count(*) FILTER (WHERE attempts > 1), count(*) FILTER (WHERE failed_at IS NOT NULL) FROM outbox`).Scan(&retried, &failed); err != nil {
		t.Fatal(err)
	}
	if retried != 0 || failed != 0 {
		t.Errorf("%d messages retried, %d given up", retried, failed)
	}
}
