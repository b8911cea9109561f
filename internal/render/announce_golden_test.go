package render_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/render"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

func goldenView() render.View {
	d := time.Date(2031, 3, 15, 0, 0, 0, 0, time.UTC)
	return render.View{
		S: &store.Statement{ID: 2043, Title: "LS on <b>QUIC</b>\n@room multipath", FromGroups: []int64{1}, ToGroups: []int64{2},
			FromContact: "Ann <ann@3gpp.org>", ToContacts: "quic-chairs@ietf.org", Purpose: "action", Deadline: &d, State: "posted"},
		Groups:       map[int64]store.Group{1: {ID: 1, Acronym: "3gpp-sa2", Name: "3GPP SA2", Type: "sdo"}, 2: {ID: 2, Acronym: "quic", Name: "QUIC", Type: "wg"}},
		Attachments:  []store.Attachment{{ID: 5, Document: "liaison-2043-a", Title: "S2-123.pdf", URL: "https://datatracker.ietf.org/a.pdf"}},
		RespondsTo:   []*store.Statement{{ID: 2000, Title: "earlier"}},
		Base:         "https://datatracker.ietf.org",
		DeadlineZone: "America/Los_Angeles",
	}
}

// goldenAnnouncement is the announcement as rendered before the optional
// summary existed (generated at commit 26fb115).
const goldenAnnouncement = `{"blocks":[{"kind":"para","spans":[{"kind":"text","text":"📨 New liaison statement "},{"kind":"link","text":"LS 2043","url":"https://datatracker.ietf.org/liaison/2043/"},{"kind":"text","text":": "},{"kind":"bold","text":"LS on \u003cb\u003eQUIC\u003c/b\u003e @room multipath"}]},{"kind":"list","items":[[{"kind":"bold","text":"Purpose: "},{"kind":"text","text":"For Action"}],[{"kind":"bold","text":"Deadline: "},{"kind":"text","text":"2031-03-15 (America/Los_Angeles)"}],[{"kind":"bold","text":"From: "},{"kind":"text","text":"3GPP-SA2 (3GPP SA2) — Ann \u003cann@3gpp.org\u003e"}],[{"kind":"bold","text":"To: "},{"kind":"text","text":"quic — quic-chairs@ietf.org"}],[{"kind":"bold","text":"In response to: "},{"kind":"link","text":"LS 2000","url":"https://datatracker.ietf.org/liaison/2000/"},{"kind":"text","text":" earlier"}],[{"kind":"bold","text":"Attachment: "},{"kind":"link","text":"S2-123.pdf","url":"https://datatracker.ietf.org/a.pdf"}]]},{"kind":"para","spans":[{"kind":"text","text":"Details: "},{"kind":"code","text":"/liaison show 2043"},{"kind":"text","text":" · Replies go in this thread."}]}]}`

// TestAnnouncementWithoutSummaryUnchanged: with no summary (the model
// off), the announcement is byte for byte what it was before.
func TestAnnouncementWithoutSummaryUnchanged(t *testing.T) {
	b, err := json.Marshal(render.Announcement(goldenView()))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != goldenAnnouncement {
		t.Errorf("announcement changed:\n%s\nwant\n%s", b, goldenAnnouncement)
	}
}

// TestAnnouncementSummaryLabelled: a summary is a labelled literal text
// block before the details line.
func TestAnnouncementSummaryLabelled(t *testing.T) {
	v := goldenView()
	v.Summary = "<i>x</i> @room"
	doc := render.Announcement(v)
	var found bool
	for _, b := range doc.Blocks {
		if len(b.Spans) == 2 && b.Spans[0].Text == render.SummaryLabel && b.Spans[1] == chat.T(v.Summary) {
			found = true
		}
	}
	if !found || !strings.Contains(doc.Plain(), "Summary (machine-generated): <i>x</i> @\u2060room") {
		t.Errorf("summary block missing or not literal: %s", doc.Plain())
	}
}
