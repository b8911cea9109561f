package zulip

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// Zulip limits (10.2 defaults, NOTES §3.5): longer topics and contents are
// truncated by the server; we cut them ourselves so Sent.Thread is exactly
// the topic the message landed in.
const (
	MaxTopicLength   = 60
	MaxMessageLength = 10000
)

// zwsp is inserted after characters that start Zulip Markdown syntax.
// Zulip has no backslash escapes (zulip/zulip#18202, NOTES §3.14); a zero
// width space after "@", "[", "`", ":" … breaks the inline patterns that
// need those characters side by side (mentions and wildcards, links, code,
// emoji, <time:>, $$tex$$, ~~del~~, #**channel** links) while the text
// reads the same. "*" becomes the entity &#42; instead: Zulip's emphasis
// pattern matches across a zero width space, and its entity pattern runs
// before emphasis and mentions.
const zwsp = "\u200b"

// inert are the characters followed by a zero width space in literal text.
const inert = "@_~$:<>[]`|#!&\\"

// mentionTarget is a resolved Zulip user for a Mention span.
type mentionTarget struct {
	ID   int
	Name string
}

// renderer turns a chat.Doc into Zulip Markdown.
type renderer struct {
	b strings.Builder
	// resolve maps a chat.User ID (a Zulip user ID in decimal, or an
	// e-mail resolved by the transport) to a user; nil for unknown.
	resolve func(chat.User) (mentionTarget, bool)
	// atLineStart is true when the next text starts a Markdown line.
	atLineStart bool
	// alert: the message is a chat.Outgoing.Alert, so its non-silent
	// mentions are real mentions; otherwise every mention is silent.
	alert bool
}

// Render renders a Doc as Zulip Markdown. Every literal text is made
// inert (see escapeText); mentions come only from Mention spans of users
// with a Zulip user ID: @**Name|id** in an Alert, @_**Name|id** (silent)
// otherwise. Render itself resolves no users, so it writes names as text.
func Render(d chat.Doc) string {
	return render(d, false, nil)
}

// render renders d; alert says whether d is an Alert (see renderer.alert).
func render(d chat.Doc, alert bool, resolve func(chat.User) (mentionTarget, bool)) string {
	r := &renderer{resolve: resolve, alert: alert}
	for i, blk := range d.Blocks {
		if i > 0 {
			r.b.WriteString("\n\n")
		}
		r.atLineStart = true
		switch blk.Kind {
		case chat.BlockList:
			for j, it := range blk.Items {
				if j > 0 {
					r.b.WriteString("\n")
				}
				r.b.WriteString("* ")
				r.atLineStart = true // "* - x" would nest a list
				r.spans(it, "  ")
			}
		case chat.BlockQuote:
			r.b.WriteString("> ")
			r.atLineStart = true
			r.spans(blk.Spans, "> ")
		case chat.BlockCode:
			var text strings.Builder
			for _, sp := range blk.Spans {
				text.WriteString(plainOf(sp))
			}
			r.b.WriteString(codeFence(text.String()))
		default:
			r.spans(blk.Spans, "")
		}
	}
	return cutContent(r.b.String())
}

// spans writes inline spans; a newline in text continues on a new line
// that starts with cont (list indentation, quote marker).
func (r *renderer) spans(spans []chat.Span, cont string) {
	for _, sp := range spans {
		switch sp.Kind {
		case chat.SpanBold:
			r.wrapped(sp.Text, "**", cont)
		case chat.SpanItalic:
			r.wrapped(sp.Text, "*", cont)
		case chat.SpanCode:
			r.b.WriteString(codeSpan(sp.Text))
			r.atLineStart = false
		case chat.SpanLink:
			r.link(sp, cont)
		case chat.SpanMention:
			r.mention(sp, cont)
		default:
			r.text(sp.Text, cont)
		}
	}
}

// text writes literal text, line by line.
func (r *renderer) text(s, cont string) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			r.b.WriteString("\n" + cont)
			r.atLineStart = true
		}
		if line == "" {
			continue
		}
		r.b.WriteString(escapeText(line, r.atLineStart))
		r.atLineStart = false
	}
}

// wrapped writes text inside a delimiter (bold, italic) per line; blank
// or space-edged pieces are written plain (the delimiter would not apply).
func (r *renderer) wrapped(s, delim, cont string) {
	for i, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if i > 0 {
			r.b.WriteString("\n" + cont)
			r.atLineStart = true
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			r.text(line, cont)
			continue
		}
		lead := line[:strings.Index(line, trimmed)]
		trail := line[len(lead)+len(trimmed):]
		r.text(lead, cont)
		r.b.WriteString(delim + escapeText(trimmed, false) + delim)
		r.atLineStart = false
		r.text(trail, cont)
	}
}

func (r *renderer) link(sp chat.Span, cont string) {
	text := plainOf(sp)
	if !chat.SafeURL(sp.URL) {
		r.text(text, cont)
		return
	}
	u := linkURL(sp.URL)
	if text == "" || text == sp.URL {
		// A bare URL: Zulip links it itself; no Markdown needed.
		r.b.WriteString("[" + escapeText(oneLine(sp.URL), false) + "](" + u + ")")
	} else {
		r.b.WriteString("[" + escapeText(oneLine(text), false) + "](" + u + ")")
	}
	r.atLineStart = false
}

func (r *renderer) mention(sp chat.Span, cont string) {
	name := plainOf(sp)
	if sp.User != nil && r.resolve != nil {
		if t, ok := r.resolve(*sp.User); ok {
			n := mentionName(t.Name)
			if n == "" {
				n = mentionName(name)
			}
			// Only an Alert pings: a silent mention shows the name and
			// notifies nobody
			// (https://zulip.com/help/mention-a-user-or-group#silently-mention-a-user).
			prefix := "@_**"
			if r.alert && !sp.Silent {
				prefix = "@**"
			}
			r.b.WriteString(prefix + n + "|" + strconv.Itoa(t.ID) + "**")
			r.atLineStart = false
			return
		}
	}
	// Unknown on Zulip: the name as literal text.
	r.text(name, cont)
}

// mentionName is a full name usable inside @**…**: no "*", "|" or line
// breaks (the ID after "|" decides who is mentioned anyway).
func mentionName(s string) string {
	s = strings.Map(func(c rune) rune {
		switch {
		case c == '*' || c == '|' || c == '`':
			return -1
		case unicode.IsControl(c):
			return ' '
		}
		return c
	}, s)
	return strings.TrimSpace(s)
}

func plainOf(sp chat.Span) string {
	switch sp.Kind {
	case chat.SpanMention:
		if sp.Text == "" && sp.User != nil {
			if sp.User.DisplayName != "" {
				return sp.User.DisplayName
			}
			return sp.User.ID
		}
	case chat.SpanLink:
		if sp.Text == "" {
			return sp.URL
		}
	}
	return sp.Text
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// escapeText makes one line of outside text inert on Zulip: room-wide
// mention words are defused (chat.Defuse), a zero width space follows
// every character that can start Markdown syntax, and a line that does
// not start with a letter or digit gets one in front (block syntax:
// "> quote", "# heading", "* list", "1. list", "```", "/poll", "    code").
func escapeText(s string, lineStart bool) string {
	s = chat.Defuse(s)
	var b strings.Builder
	if lineStart && s != "" {
		c, _ := utf8.DecodeRuneInString(s)
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			b.WriteString(zwsp)
		} else if unicode.IsDigit(c) {
			b.WriteString(zwsp) // "1. item"
		}
	}
	for i, c := range s {
		if c == '*' {
			// A zero width space cannot stop Zulip's emphasis pattern
			// (*x* matches around it); an entity is never markup.
			b.WriteString("&#42;")
			continue
		}
		b.WriteRune(c)
		if strings.ContainsRune(inert, c) {
			// ":" before a space or the end starts nothing (":emoji:"
			// and "<time:" need more); keep "Subject: x" clean.
			if c == ':' && (i+1 == len(s) || s[i+1] == ' ') {
				continue
			}
			b.WriteString(zwsp)
		}
	}
	return b.String()
}

// codeSpan renders literal text as inline code: a backtick run longer
// than any in the text, spaces inside when the text touches a backtick.
func codeSpan(s string) string {
	s = strings.Join(strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), " ")
	if s == "" {
		return ""
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.TrimSpace(s) == "" {
		s = " " + s + " "
	}
	return fence + s + fence
}

// codeFence renders preformatted text as a fenced block whose fence is
// longer than any backtick run inside, so nothing inside can close it.
func codeFence(s string) string {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return fence + "text\n" + s + "\n" + fence
}

func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

// linkURL makes a URL safe inside (…): characters that would end the
// destination or the line are percent-encoded.
func linkURL(u string) string {
	u = strings.TrimSpace(u)
	r := strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E", "\n", "", "\r", "", "\t", "%09", "`", "%60")
	return r.Replace(u)
}

// CutTopic makes a topic Zulip accepts as is: control characters become
// spaces, white space is trimmed, and a topic longer than MaxTopicLength
// code points is cut to MaxTopicLength-1 and ends with "…".
func CutTopic(s string) string {
	s = strings.Map(func(c rune) rune {
		if unicode.IsControl(c) {
			return ' '
		}
		return c
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= MaxTopicLength {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:MaxTopicLength-1])) + "…"
}

// cutContent keeps a message under MaxMessageLength code points.
func cutContent(s string) string {
	if utf8.RuneCountInString(s) <= MaxMessageLength {
		return s
	}
	const note = "\n\n[…message cut]"
	r := []rune(s)
	return string(r[:MaxMessageLength-utf8.RuneCountInString(note)]) + note
}
