package render_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/render"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

const fuzzBase = "https://datatracker.ietf.org"

func fuzzView(title, contact, body string, purpose string) render.View {
	dl := time.Date(2031, 3, 15, 0, 0, 0, 0, time.UTC)
	return render.View{
		S: &store.Statement{ID: 2043, Title: title, FromGroups: []int64{62}, ToGroups: []int64{1985, 7},
			FromContact: contact, ToContacts: contact, ResponseContacts: contact, OtherIdentifiers: title,
			Purpose: purpose, Deadline: &dl, Body: body, State: "posted"},
		Groups: map[int64]store.Group{62: {ID: 62, Acronym: "itu-t-sg-15", Name: title, Type: "sdo"},
			1985: {ID: 1985, Acronym: "teas", Name: "Traffic Engineering Architecture and Signaling", Type: "wg"}},
		Attachments: []store.Attachment{{Document: title, URL: fuzzBase + "/documents/a.pdf"}, {Document: contact}},
		RespondsTo:  []*store.Statement{{ID: 2000, Title: title}},
		AnsweredBy:  []*store.Statement{{ID: 2050, Title: body}},
		Base:        fuzzBase, DeadlineZone: "America/Los_Angeles", Summary: body,
	}
}

// FuzzRender: the Datatracker's text (subject, contacts, body, purpose
// slug) never panics the renderers and only ever lands in literal spans:
// no mention and no link the bot did not make, whatever it contains
// (issue 3 point 9: `<img onerror>`, `@room`, Markdown links).
func FuzzRender(f *testing.F) {
	f.Add("LS on <img src=x onerror=alert(1)> @room [click](https://evil.example)", "Ann <ann@3gpp.org>", "Dear colleagues,\r\n\r\n@room see https://evil.example", "action")
	f.Add("", "", "", "")
	f.Add("multi\nline\r\ntitle", "\x00", strings.Repeat("é", 2000), "response")
	f.Fuzz(func(t *testing.T, title, contact, body, purpose string) {
		v := fuzzView(title, contact, body, purpose)
		const limit = 300
		docs := map[string]chat.Doc{"announcement": render.Announcement(v), "detail": render.Detail(v, limit)}
		docs["line"] = chat.NewDoc(chat.P(render.Line(fuzzBase, v.S, v.Groups)...))
		for name, d := range docs {
			_ = d.Plain()
			check := func(s chat.Span) {
				switch s.Kind {
				case chat.SpanMention:
					t.Fatalf("%s: a mention from outside text: %+v", name, s)
				case chat.SpanLink:
					if !strings.HasPrefix(s.URL, fuzzBase+"/") {
						t.Fatalf("%s: a link the bot did not make: %+v", name, s)
					}
				}
			}
			for _, b := range d.Blocks {
				for _, s := range b.Spans {
					check(s)
				}
				for _, it := range b.Items {
					for _, s := range it {
						check(s)
					}
				}
				if name == "detail" && b.Kind == chat.BlockQuote {
					for _, s := range b.Spans {
						if n := utf8.RuneCountInString(s.Text); n > limit+1 {
							t.Fatalf("detail body of %d runes over the limit %d", n, limit)
						}
					}
				}
			}
		}
		if topic := render.Topic(v.S); strings.ContainsAny(topic, "\r\n") {
			t.Fatalf("topic %q spans lines", topic)
		}
	})
}

// BenchmarkAnnouncement: rendering one announcement to a chat.Doc and its
// plain-text fallback (done once per bound room).
func BenchmarkAnnouncement(b *testing.B) {
	v := fuzzView("LS on alignment of TE topology YANG models with ITU-T transport models",
		"Maria Lindqvist <maria.lindqvist@example.net>", strings.Repeat("TEAS has reviewed the identities. ", 60), "action")
	for b.Loop() {
		d := render.Announcement(v)
		_ = d.Plain()
	}
}
