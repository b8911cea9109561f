package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// A 30 KB draft body through a real Dendrite: every answer reaches the
// room (shortened, the rest in parts), the approval request too, and no
// message is retried or given up.
func TestMatrixHugeDraftIsAnswered(t *testing.T) {
	w := newApprovalWorld(t)
	w.start(t)
	var body strings.Builder
	for i := 0; body.Len() < 30000; i++ {
		fmt.Fprintf(&body, "Paragraph %d: <b>the</b> working group discussed the optical models & their @room-free options.\n", i)
	}
	say(t, w.Chair, w.WGRoom, `!liaison draft to=itu-t-sg-15 to_contact=sg15-reply@example.org purpose=info subject="Long" consensus="WG consensus"
`+body.String())
	w.waitNotice(t, w.WGRoom, "New draft D1", 1)
	say(t, w.Chair, w.WGRoom, "!liaison show D1 full")
	w.waitNotice(t, w.WGRoom, "part 1 of", 1)
	say(t, w.Chair, w.WGRoom, "!liaison submit D1")
	w.waitState(t, 1, rules.DraftSubmitted, 1)
	w.waitNotice(t, w.WGRoom, "Approval requested for outgoing statement D1", 1)

	// Every message is within the spec's event size limit, and the parts
	// carry the whole body.
	var parts []string
	for _, evt := range timeline(t, w.Chair, w.WGRoom) {
		if evt.Sender != w.Bot.ID || evt.Type != event.EventMessage {
			continue
		}
		raw, _ := json.Marshal(evt.Content.Raw)
		if len(raw) > 65536 {
			t.Errorf("a message of %d bytes", len(raw))
		}
		// What a person copies is the formatted code block: verbatim.
		if m := evt.Content.AsMessage(); strings.HasPrefix(m.Body, "Body of D1") {
			_, code, _ := strings.Cut(m.FormattedBody, "<pre><code>")
			code, _, _ = strings.Cut(code, "</code></pre>")
			parts = append(parts, html.UnescapeString(code))
		}
	}
	if got := strings.Join(parts, "\n"); strings.TrimSpace(got) != strings.TrimSpace(body.String()) {
		t.Errorf("the %d parts hold %d of the body's %d bytes", len(parts), len(got), body.Len())
	}
	time.Sleep(time.Second)
	var retried, failed int
	if err := w.bot.Bot.Store.Pool.QueryRow(context.Background(),
		`SELECT count(*) FILTER (WHERE attempts > 1), count(*) FILTER (WHERE failed_at IS NOT NULL) FROM outbox`).Scan(&retried, &failed); err != nil {
		t.Fatal(err)
	}
	if retried != 0 || failed != 0 {
		t.Errorf("%d messages retried, %d given up", retried, failed)
	}
}

// A joint draft of teas (RTG) and lamps (SEC) through Dendrite: the RTG
// AD's ✅ approves it for teas only and the request's thread says lamps
// still waits; the SEC AD's ✅ completes it (4053bis §4.1).
func TestMatrixJointDraftNeedsEachGroup(t *testing.T) {
	w := newApprovalWorld(t)
	w.startWith(t, fmt.Sprintf("admins: [%q]\n", w.Chair.UserID))
	say(t, w.Chair, w.WGRoom, `!liaison draft from=teas,lamps to=itu-t-sg-15 to_contact=sg15-reply@example.org purpose=info subject="Joint" consensus="WG consensus"
Both groups agree.`)
	w.waitNotice(t, w.WGRoom, "New draft D1", 1)
	say(t, w.Chair, w.WGRoom, "!liaison submit D1")
	req := w.waitNotice(t, w.WGRoom, "Approval requested for outgoing statement D1", 1)
	react(t, w.AD, w.WGRoom, req, "✅")
	w.waitNotice(t, w.WGRoom, "Still waiting for an approval for lamps", 1)
	if d := w.draft(t, 1); d.State != rules.DraftSubmitted {
		t.Fatalf("the RTG AD alone made the joint draft %s", d.State)
	}
	// The request's card (its latest m.replace) shows the state.
	waitCard(t, w, req, "⏳ Status: waiting for an approval for lamps; approved so far by ")
	react(t, w.OtherAD, w.WGRoom, req, "✅")
	w.waitState(t, 1, rules.DraftApproved, 1)
	w.waitNotice(t, w.WGRoom, "liaison/add/outgoing", 1)
	waitCard(t, w, req, "✅ Status: approved by ")
	say(t, w.Chair, w.WGRoom, `!liaison edit D1 subject="Joint, v2"`)
	waitCard(t, w, req, "⛔ Status: void")
}

// waitCard waits until the latest edit of the bot's message req, read
// back from the room as another user sees it, starts with prefix.
func waitCard(t *testing.T, w *approvalWorld, req id.EventID, prefix string) {
	t.Helper()
	last := ""
	testenv.Eventually(t, 30*time.Second, func() bool {
		last = ""
		for _, evt := range timeline(t, w.AD, w.WGRoom) {
			if evt.Sender != w.Bot.ID || evt.Type != event.EventMessage {
				continue
			}
			m := evt.Content.AsMessage()
			if m.RelatesTo != nil && m.RelatesTo.Type == event.RelReplace && m.RelatesTo.EventID == req && m.NewContent != nil {
				last = m.NewContent.Body
			}
		}
		return strings.HasPrefix(last, prefix)
	}, "the card never read %q; last edit: %.200q", prefix, last)
}
