package matrix

import (
	"html"
	"net/url"
	"strings"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// RenderHTML renders a Doc as org.matrix.custom.html. Every literal text is
// defused (chat.Defuse: no "@room") and HTML-escaped, so text from outside
// can never become markup, a link or a pill. Links are emitted only for
// chat.SafeURL targets that are not matrix.to identifiers (a pill must come
// from a Mention span); mentions become matrix.to pills. It also returns
// the users to list in m.mentions: non-silent mentions with a valid MXID.
func RenderHTML(d chat.Doc) (string, []id.UserID) {
	var b strings.Builder
	for _, blk := range d.Blocks {
		switch blk.Kind {
		case chat.BlockList:
			b.WriteString("<ul>")
			for _, it := range blk.Items {
				b.WriteString("<li>")
				writeSpans(&b, it)
				b.WriteString("</li>")
			}
			b.WriteString("</ul>")
		case chat.BlockQuote:
			b.WriteString("<blockquote>")
			writeSpans(&b, blk.Spans)
			b.WriteString("</blockquote>")
		case chat.BlockCode:
			// Text to copy (the Datatracker field set) must stay exactly as
			// typed: no word joiner after "@". A code block mentions nobody;
			// push rules read the plain body, which stays defused.
			b.WriteString("<pre><code>")
			for _, sp := range blk.Spans {
				b.WriteString(html.EscapeString(plainOf(sp)))
			}
			b.WriteString("</code></pre>")
		default:
			b.WriteString("<p>")
			writeSpans(&b, blk.Spans)
			b.WriteString("</p>")
		}
	}
	var mentions []id.UserID
	for _, u := range d.Mentions() {
		if uid, ok := validMXID(u.ID); ok {
			mentions = append(mentions, uid)
		}
	}
	return b.String(), mentions
}

// escape defuses room-wide mentions, then escapes HTML.
func escape(s string) string {
	return html.EscapeString(chat.Defuse(s))
}

// escapeLines escapes s and turns newlines into <br>.
func escapeLines(s string) string {
	return strings.ReplaceAll(escape(s), "\n", "<br>")
}

func plainOf(sp chat.Span) string {
	switch sp.Kind {
	case chat.SpanMention:
		if sp.Text == "" && sp.User != nil {
			return sp.User.ID
		}
	case chat.SpanLink:
		if sp.Text == "" {
			return sp.URL
		}
	}
	return sp.Text
}

func writeSpans(b *strings.Builder, spans []chat.Span) {
	for _, sp := range spans {
		switch sp.Kind {
		case chat.SpanBold:
			b.WriteString("<strong>" + escapeLines(sp.Text) + "</strong>")
		case chat.SpanItalic:
			b.WriteString("<em>" + escapeLines(sp.Text) + "</em>")
		case chat.SpanCode:
			b.WriteString("<code>" + escape(sp.Text) + "</code>")
		case chat.SpanLink:
			text := plainOf(sp)
			if linkable(sp.URL) {
				b.WriteString(`<a href="` + html.EscapeString(strings.TrimSpace(sp.URL)) + `">` + escapeLines(text) + "</a>")
			} else if sp.Text != "" && sp.Text != sp.URL {
				b.WriteString(escapeLines(text + " <" + sp.URL + ">"))
			} else {
				b.WriteString(escapeLines(text))
			}
		case chat.SpanMention:
			name := plainOf(sp)
			if sp.User != nil {
				if uid, ok := validMXID(sp.User.ID); ok {
					b.WriteString(`<a href="` + html.EscapeString(uid.URI().MatrixToURL()) + `">` + escapeLines(name) + "</a>")
					continue
				}
			}
			b.WriteString(escapeLines(name))
		default:
			b.WriteString(escapeLines(sp.Text))
		}
	}
}

// linkable: http(s)/mailto only, and no matrix.to link (clients render
// those as pills or room links: only Mention spans may produce one).
func linkable(raw string) bool {
	if !chat.SafeURL(raw) {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return false
	}
	return !strings.EqualFold(u.Hostname(), "matrix.to")
}

func validMXID(s string) (id.UserID, bool) {
	uid := id.UserID(s)
	if !strings.HasPrefix(s, "@") {
		return "", false
	}
	if _, _, err := uid.ParseAndValidateRelaxed(); err != nil {
		return "", false
	}
	return uid, true
}

// messageContent builds the m.room.message content of a message: HTML
// plus the plain fallback, and an explicit m.mentions (never @room).
//
// Only an Alert may notify: it goes out as m.text with its non-silent
// mentions in m.mentions, which the spec's default override rule
// .m.rule.is_user_mention highlights for them
// (https://spec.matrix.org/v1.12/client-server-api/#default-override-rules).
// Everything else is an m.notice, which .m.rule.suppress_notices silences
// before any mention rule is looked at, and carries an empty m.mentions so
// no client or server counts its pills as pings. The body still shows the
// display names, which servers without .m.rule.is_user_mention (Dendrite
// v0.15.2: https://github.com/element-hq/dendrite/blob/v0.15.2/internal/pushrules/default_override.go)
// can only match with the legacy .m.rule.contains_display_name.
func messageContent(msg chat.Outgoing) *event.MessageEventContent {
	formatted, mentions := RenderHTML(msg.Body)
	msgType := event.MsgText
	switch {
	case msg.Alert:
	case msg.Notice:
		msgType = event.MsgNotice
		mentions = nil
	default:
		mentions = nil
	}
	return &event.MessageEventContent{
		MsgType:       msgType,
		Body:          msg.Body.Plain(),
		Format:        event.FormatHTML,
		FormattedBody: formatted,
		Mentions:      &event.Mentions{UserIDs: mentions, Room: false},
	}
}
