package matrix

import (
	"encoding/json"
	"html"
	"slices"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

func TestRenderHTMLHostileTextIsInert(t *testing.T) {
	hostile := []string{
		`<img src=x onerror=alert(1)>`,
		`@room please look`,
		`[x](https://matrix.to/#/@u:s)`,
		`<a href="javascript:alert(1)">click</a>`,
		`<script>alert(1)</script>`,
		`"quoted" & 'single'`,
	}
	for _, h := range hostile {
		d := chat.NewDoc(
			chat.P(chat.T(h), chat.B(h), chat.I(h), chat.C(h)),
			chat.List(chat.Item(chat.T(h))),
			chat.Quote(h),
			chat.Pre(h),
		)
		out, mentions := RenderHTML(d)
		if len(mentions) != 0 {
			t.Errorf("%q: mentions %v, want none", h, mentions)
		}
		if rest := allowedTags.Replace(out); strings.ContainsAny(rest, "<>") {
			t.Errorf("%q rendered markup beyond the renderer's own tags: %q", h, out)
		}
		// Outside code blocks @room is defused in both forms; the plain
		// body (what push rules read) is defused everywhere.
		outside, _, _ := strings.Cut(out, "<pre>")
		if strings.Contains(outside, "@room") || strings.Contains(d.Plain(), "@room") {
			t.Errorf("%q: @room not defused", h)
		}
	}
}

// A code block holds text to copy (the Datatracker field set): its HTML is
// exactly the text, without the word joiner that defuses "@room" elsewhere.
func TestRenderHTMLCodeBlockVerbatim(t *testing.T) {
	text := "Title: Ask @room about <b> & \"x\"\nBody: @all"
	out, _ := RenderHTML(chat.NewDoc(chat.Pre(text)))
	want := "<pre><code>" + html.EscapeString(text) + "</code></pre>"
	if out != want {
		t.Errorf("code block %q, want %q", out, want)
	}
	if strings.Contains(out, "\u2060") {
		t.Errorf("code block carries a word joiner: %q", out)
	}
}

// allowedTags removes the tags the renderer emits for non-link spans.
var allowedTags = strings.NewReplacer(
	"<p>", "", "</p>", "", "<strong>", "", "</strong>", "", "<em>", "", "</em>", "",
	"<code>", "", "</code>", "", "<ul>", "", "</ul>", "", "<li>", "", "</li>", "",
	"<blockquote>", "", "</blockquote>", "", "<pre>", "", "</pre>", "", "<br>", "",
)

func TestRenderHTMLLinks(t *testing.T) {
	cases := []struct {
		span     chat.Span
		wantLink string // expected <a href=...>, "" for no link
		wantText string
	}{
		{chat.L("spec", "https://example.org/a?b=1&c=2"), `<a href="https://example.org/a?b=1&amp;c=2">spec</a>`, ""},
		{chat.L("x", "javascript:alert(1)"), "", "x"},
		// A hand-made link span with an unsafe URL is text, never a link.
		{chat.Span{Kind: chat.SpanLink, Text: "x", URL: "javascript:alert(1)"}, "", "x &lt;javascript:alert(1)&gt;"},
		{chat.Span{Kind: chat.SpanLink, Text: "x", URL: "data:text/html,hi"}, "", "x &lt;data:text/html,hi&gt;"},
		// matrix.to links would render as pills: only mentions make pills.
		{chat.Span{Kind: chat.SpanLink, Text: "x", URL: "https://matrix.to/#/@u:s"}, "", "x &lt;https://matrix.to/#/@u:s&gt;"},
		{chat.L(`"><img src=x>`, `https://e.org/"><img src=x>`), `<a href="https://e.org/&#34;&gt;&lt;img src=x&gt;">&#34;&gt;&lt;img src=x&gt;</a>`, ""},
	}
	for _, c := range cases {
		out, _ := RenderHTML(chat.NewDoc(chat.P(c.span)))
		if c.wantLink != "" && !strings.Contains(out, c.wantLink) {
			t.Errorf("%+v: got %q, want link %q", c.span, out, c.wantLink)
		}
		if c.wantLink == "" {
			if strings.Contains(out, "<a") {
				t.Errorf("%+v: got a link: %q", c.span, out)
			}
			if !strings.Contains(out, c.wantText) {
				t.Errorf("%+v: got %q, want text %q", c.span, out, c.wantText)
			}
		}
	}
}

func TestRenderHTMLMentionsExact(t *testing.T) {
	alice := chat.User{ID: "@alice:example.org", DisplayName: "Alice <AD>"}
	bob := chat.User{ID: "@bob:example.org", DisplayName: "Bob"}
	carol := chat.User{ID: "@carol:example.org", DisplayName: "@room"}
	zulip := chat.User{ID: "12345", DisplayName: "Zulip person"}
	d := chat.NewDoc(
		chat.P(chat.T("Approval needed from "), chat.M(alice), chat.T(" and "), chat.M(alice), chat.T("; fyi "), chat.MSilent(bob)),
		chat.List(chat.Item(chat.M(carol)), chat.Item(chat.M(zulip))),
	)
	out, mentions := RenderHTML(d)
	want := []id.UserID{"@alice:example.org", "@carol:example.org"}
	if !slices.Equal(mentions, want) {
		t.Fatalf("mentions %v, want %v", mentions, want)
	}
	for _, s := range []string{
		`<a href="https://matrix.to/#/@alice:example.org">Alice &lt;AD&gt;</a>`,
		`<a href="https://matrix.to/#/@bob:example.org">Bob</a>`, // silent: pill, not in m.mentions
		"<li>Zulip person</li>", // not an MXID: text
	} {
		if !strings.Contains(out, s) {
			t.Errorf("missing %q in %q", s, out)
		}
	}
	if strings.Contains(out, ">@room<") {
		t.Errorf("display name @room not defused: %q", out)
	}
}

func TestRenderHTMLStructure(t *testing.T) {
	d := chat.NewDoc(
		chat.P(chat.B("LS 12"), chat.T(": line1\nline2")),
		chat.List(chat.Item(chat.T("a")), chat.Item(chat.I("b"))),
		chat.Quote("q1\nq2"),
		chat.Pre("code <x>\n  indented"),
	)
	out, _ := RenderHTML(d)
	want := "<p><strong>LS 12</strong>: line1<br>line2</p>" +
		"<ul><li>a</li><li><em>b</em></li></ul>" +
		"<blockquote>q1<br>q2</blockquote>" +
		"<pre><code>code &lt;x&gt;\n  indented</code></pre>"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

func TestMessageContentAlwaysHasMentions(t *testing.T) {
	c := messageContent(chat.Outgoing{Body: chat.Text("hello @room and @everyone"), Notice: true})
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	mentions, ok := m["m.mentions"].(map[string]any)
	if !ok {
		t.Fatalf("no m.mentions in %s", raw)
	}
	if mentions["room"] == true || mentions["user_ids"] != nil {
		t.Fatalf("m.mentions = %v, want empty", mentions)
	}
	if m["msgtype"] != "m.notice" || m["format"] != "org.matrix.custom.html" {
		t.Fatalf("content %s", raw)
	}
	if strings.Contains(m["body"].(string), "@room") || strings.Contains(m["formatted_body"].(string), "@room") {
		t.Fatalf("@room not defused: %s", raw)
	}
}

func TestTxnIDDeterministic(t *testing.T) {
	a := TxnID("!r:s", event.EventMessage, "announce:12:!r:s")
	if a != TxnID("!r:s", event.EventMessage, "announce:12:!r:s") {
		t.Fatal("not deterministic")
	}
	if a == TxnID("!other:s", event.EventMessage, "announce:12:!r:s") || a == TxnID("!r:s", event.EventReaction, "announce:12:!r:s") {
		t.Fatal("room and type must be part of the ID")
	}
	if !strings.HasPrefix(a, "lb-") || len(a) != 3+32 {
		t.Fatalf("bad txn id %q", a)
	}
}

// TestMessageContentAlertIsTextWithMentions: only an Alert can notify (an
// m.notice is silenced by .m.rule.suppress_notices before the mention
// rules), so it goes out as m.text listing its non-silent mentions; other
// bot output stays an m.notice whose m.mentions names nobody.
func TestMessageContentAlertIsTextWithMentions(t *testing.T) {
	ad := chat.User{ID: "@ad:example.org", DisplayName: "Ada AD"}
	chair := chat.User{ID: "@chair:example.org", DisplayName: "Chris Chair"}
	doc := chat.NewDoc(chat.P(chat.T("Approval needed from "), chat.M(ad), chat.T(", submitted by "), chat.MSilent(chair)))
	for _, tc := range []struct {
		name     string
		msg      chat.Outgoing
		msgtype  event.MessageType
		mentions []id.UserID
	}{
		{"alert", chat.Outgoing{Body: doc, Notice: true, Alert: true}, event.MsgText, []id.UserID{"@ad:example.org"}},
		{"alert without notice", chat.Outgoing{Body: doc, Alert: true}, event.MsgText, []id.UserID{"@ad:example.org"}},
		{"notice", chat.Outgoing{Body: doc, Notice: true}, event.MsgNotice, nil},
		{"plain text", chat.Outgoing{Body: doc}, event.MsgText, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := messageContent(tc.msg)
			if c.MsgType != tc.msgtype {
				t.Errorf("msgtype %s, want %s", c.MsgType, tc.msgtype)
			}
			if c.Mentions == nil || c.Mentions.Room || !slices.Equal(c.Mentions.UserIDs, tc.mentions) {
				t.Errorf("m.mentions %+v, want user_ids %v", c.Mentions, tc.mentions)
			}
			// The pills and names are shown either way.
			if !strings.Contains(c.Body, "Ada AD") || !strings.Contains(c.FormattedBody, "https://matrix.to/#/@chair:example.org") {
				t.Errorf("body %q / %q lost a name", c.Body, c.FormattedBody)
			}
		})
	}
}
