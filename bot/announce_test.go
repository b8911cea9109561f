package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/datatracker/dtfake"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

const (
	groupTEAS  = 1985 // wg
	groupSG15  = 62   // sdo itu-t-sg-15
	pollFast   = 300 * time.Millisecond
	waitAnnnce = 30 * time.Second
)

// announceWorld: a fake Datatracker with the fixtures, Dendrite, a WG room
// bound to teas and a coordination room.
type announceWorld struct {
	*matrixWorld
	DT        *dtfake.Server
	Chair     *mautrix.Client
	WGRoom    id.RoomID
	CoordRoom id.RoomID
}

func newAnnounceWorld(t *testing.T, opts ...testenv.DendriteOption) *announceWorld {
	t.Helper()
	dt := dtfake.New()
	dt.LoadFixtures()
	dt.Start()
	t.Cleanup(dt.Close)
	w := &announceWorld{matrixWorld: newMatrixWorld(t, opts...), DT: dt}
	chair := w.HS.RegisterUser(t, "chair")
	w.Chair = w.HS.Client(t, chair)
	w.WGRoom = createRoom(t, w.Chair, w.Bot.ID)
	w.CoordRoom = createRoom(t, w.Chair, w.Bot.ID)
	return w
}

func (w *announceWorld) cfg(t *testing.T) string {
	return roomsYAML(w.WGRoom.String(), w.CoordRoom.String(), w.DT.URL())
}

func (w *announceWorld) start(t *testing.T) *running {
	return start(t, w.config(t, w.cfg(t)), func(b *Bot) { b.PollInterval = pollFast })
}

// post adds an incoming statement from ITU-T SG15 to teas and posts it.
func (w *announceWorld) post(title string) int64 {
	ls := w.DT.AddStatement(datatracker.Statement{
		Title: title, FromGroups: []int64{groupSG15}, ToGroups: []int64{groupTEAS},
		FromContact: "Rapporteur <rapporteur@example.org>", ToContacts: "teas-chairs@ietf.org",
		ResponseContacts: "sg15-reply@example.org", Purpose: "info", Body: "Body of " + title,
	})
	w.DT.Post(ls)
	return ls
}

func (w *announceWorld) count(t *testing.T, room id.RoomID, ls int64) int {
	return countNotices(t, w.Chair, room, w.Bot.ID, fmt.Sprintf("New liaison statement LS %d ", ls))
}

func (w *announceWorld) waitAnnounced(t *testing.T, ls int64) {
	t.Helper()
	testenv.Eventually(t, waitAnnnce, func() bool {
		return w.count(t, w.WGRoom, ls) >= 1 && w.count(t, w.CoordRoom, ls) >= 1
	}, "LS %d was not announced in both rooms", ls)
}

func (w *announceWorld) assertOnce(t *testing.T, ids ...int64) {
	rooms := []id.RoomID{w.WGRoom, w.CoordRoom}
	t.Helper()
	for _, ls := range ids {
		for _, room := range rooms {
			if n := w.count(t, room, ls); n != 1 {
				t.Errorf("LS %d announced %d times in %s", ls, n, room)
			}
		}
	}
}

func TestMatrixAnnouncesEachStatementOnce(t *testing.T) {
	w := newAnnounceWorld(t)
	r := w.start(t)
	// The first poll backfills the history silently.
	testenv.Eventually(t, waitAnnnce, func() bool {
		n, _ := r.Bot.Store.CountStatements(t.Context())
		return n == 3
	}, "backfill did not load the fixtures")

	first := w.post("LS on transport network YANG models")
	w.waitAnnounced(t, first)

	// Restart between two polls: the statement posted while the bot is down
	// is announced once after it comes back, the earlier one not again.
	r.stop()
	second := w.post("LS on optical impairments")
	pending := w.DT.AddStatement(datatracker.Statement{Title: "still pending", FromGroups: []int64{groupSG15}, ToGroups: []int64{groupTEAS}, Purpose: "info"})
	dead := w.DT.AddStatement(datatracker.Statement{Title: "killed one", FromGroups: []int64{groupSG15}, ToGroups: []int64{groupTEAS}, Purpose: "info"})
	w.DT.Kill(dead)
	w.start(t)
	w.waitAnnounced(t, second)
	time.Sleep(2 * time.Second)
	w.assertOnce(t, first, second)
	for _, old := range []int64{2041, 2042, 2043, pending, dead} {
		if n := w.count(t, w.WGRoom, old) + w.count(t, w.CoordRoom, old); n != 0 {
			t.Errorf("LS %d (backfilled, pending or dead) was announced %d times", old, n)
		}
	}

	// What the announcement shows (issue: number, link, subject, purpose,
	// from/to with group names, Send-Reply-To), and it starts a thread.
	var ann *event.MessageEventContent
	for _, m := range notices(t, w.Chair, w.WGRoom, w.Bot.ID) {
		if strings.Contains(m.Body, fmt.Sprintf("LS %d ", first)) {
			ann = m
		}
	}
	for _, want := range []string{"For Information", "ITU-T-SG-15", "teas", "rapporteur@example.org", "sg15-reply@example.org",
		fmt.Sprintf("/liaison/%d/", first)} {
		if !strings.Contains(ann.Body, want) {
			t.Errorf("announcement lacks %q:\n%s", want, ann.Body)
		}
	}
}

func TestMatrixAnnouncementIsInert(t *testing.T) {
	w := newAnnounceWorld(t)
	r := w.start(t)
	testenv.Eventually(t, waitAnnnce, func() bool { n, _ := r.Bot.Store.CountStatements(t.Context()); return n == 3 }, "no backfill")
	evil := w.post(`<img src=x onerror=alert(1)> @room [click](https://evil.example/x) **bold**`)
	w.waitAnnounced(t, evil)
	for _, m := range notices(t, w.Chair, w.WGRoom, w.Bot.ID) {
		if !strings.Contains(m.Body, fmt.Sprintf("LS %d ", evil)) {
			continue
		}
		if strings.Contains(m.FormattedBody, "<img") || strings.Contains(m.FormattedBody, `href="https://evil.example`) ||
			strings.Contains(m.FormattedBody, "<strong>bold") {
			t.Errorf("outside markup became markup:\n%s", m.FormattedBody)
		}
		if !strings.Contains(m.FormattedBody, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("subject not shown escaped:\n%s", m.FormattedBody)
		}
		if strings.Contains(m.Body, "@room") || strings.Contains(m.FormattedBody, "@room") {
			t.Errorf("@room left intact")
		}
		if m.Mentions == nil || m.Mentions.Room || len(m.Mentions.UserIDs) != 0 {
			t.Errorf("announcement mentions someone: %+v", m.Mentions)
		}
	}
}

func TestMatrixDatatrackerFaults(t *testing.T) {
	w := newAnnounceWorld(t)
	r := w.start(t)
	testenv.Eventually(t, waitAnnnce, func() bool { n, _ := r.Bot.Store.CountStatements(t.Context()); return n == 3 }, "no backfill")
	var ids []int64
	for _, f := range []dtfake.Fault{dtfake.Fault500, dtfake.FaultTimeout, dtfake.FaultMalformedJSON, dtfake.FaultHTMLPage, dtfake.FaultRateLimit} {
		w.DT.FailNext(2, f)
		ls := w.post("after fault " + f.String())
		ids = append(ids, ls)
		w.waitAnnounced(t, ls)
	}
	// A group the Datatracker answers 404 for: the statement is still
	// recorded and announced, and the next one too.
	gid := w.DT.AddGroup(datatracker.Group{Acronym: "ieee-802-99", Name: "IEEE 802.99", Type: "sdo", State: "active"})
	w.DT.Fail404Group(gid)
	odd := w.DT.AddStatement(datatracker.Statement{Title: "from a vanished group", FromGroups: []int64{gid}, ToGroups: []int64{groupTEAS}, Purpose: "info"})
	w.DT.Post(odd)
	w.waitAnnounced(t, odd)
	next := w.post("the one after the 404")
	w.waitAnnounced(t, next)
	time.Sleep(time.Second)
	w.assertOnce(t, append(ids, odd, next)...)
}

// TestMatrixDetailFaultsDelayButNeverLose: a single 404 (a replica that has
// not caught up), a 500 and a truncated body on the detail of a newly
// posted statement delay its announcement; it still appears, once, after
// the fault clears (issue 13), and the statement posted after it is not
// held back.
func TestMatrixDetailFaultsDelayButNeverLose(t *testing.T) {
	w := newAnnounceWorld(t)
	r := w.start(t)
	testenv.Eventually(t, waitAnnnce, func() bool { n, _ := r.Bot.Store.CountStatements(t.Context()); return n == 3 }, "no backfill")
	var ids []int64
	for _, f := range []dtfake.Fault{dtfake.FaultNotFound, dtfake.Fault500, dtfake.FaultMalformedJSON} {
		ls := w.DT.AddStatement(datatracker.Statement{Title: "detail fault " + f.String(), FromGroups: []int64{groupSG15}, ToGroups: []int64{groupTEAS}, Purpose: "info"})
		w.DT.FailNextAt(dtfake.StatementPath(ls), 1, f)
		w.DT.Post(ls)
		ids = append(ids, ls)
	}
	after := w.post("the one after the faults")
	for _, ls := range append(ids, after) {
		w.waitAnnounced(t, ls)
	}
	time.Sleep(time.Second)
	w.assertOnce(t, append(ids, after)...)
}
