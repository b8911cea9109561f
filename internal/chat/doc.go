package chat

import (
	"strings"
)

// Doc is a platform-neutral rich message: blocks of spans. Every text a
// span carries is literal: renderers escape it for their platform (HTML for
// Matrix, Zulip Markdown, plain text for the console), so text from outside
// (Datatracker, users, the language model) can never become markup, a link
// or a mention. Only Mention spans mention anyone.
type Doc struct {
	Blocks []Block `json:"blocks"`
}

// BlockKind is the kind of a block.
type BlockKind string

const (
	BlockPara  BlockKind = "para"  // a paragraph of spans; "\n" in text is a line break
	BlockList  BlockKind = "list"  // a bulleted list, one item per []Span
	BlockQuote BlockKind = "quote" // quoted text (e.g. a statement body)
	BlockCode  BlockKind = "code"  // preformatted text
)

// Block is one paragraph, list, quote or code block.
type Block struct {
	Kind  BlockKind `json:"kind"`
	Spans []Span    `json:"spans,omitempty"`
	Items [][]Span  `json:"items,omitempty"`
}

// SpanKind is the kind of a span.
type SpanKind string

const (
	SpanText    SpanKind = "text"
	SpanBold    SpanKind = "bold"
	SpanItalic  SpanKind = "italic"
	SpanCode    SpanKind = "code"
	SpanLink    SpanKind = "link"
	SpanMention SpanKind = "mention"
)

// Span is a run of inline content.
type Span struct {
	Kind SpanKind `json:"kind"`
	Text string   `json:"text,omitempty"`
	URL  string   `json:"url,omitempty"`
	User *User    `json:"user,omitempty"`
	// Silent mentions name someone without notifying them (Zulip @_**x**;
	// on Matrix the pill is left out of m.mentions).
	Silent bool `json:"silent,omitempty"`
}

// Span constructors.

func T(s string) Span { return Span{Kind: SpanText, Text: s} }
func B(s string) Span { return Span{Kind: SpanBold, Text: s} }
func I(s string) Span { return Span{Kind: SpanItalic, Text: s} }
func C(s string) Span { return Span{Kind: SpanCode, Text: s} }
func L(text, url string) Span {
	if !SafeURL(url) {
		return T(text)
	}
	return Span{Kind: SpanLink, Text: text, URL: url}
}
func M(u User) Span { return Span{Kind: SpanMention, Text: u.DisplayName, User: &u} }
func MSilent(u User) Span {
	return Span{Kind: SpanMention, Text: u.DisplayName, User: &u, Silent: true}
}

// Block constructors.

func P(spans ...Span) Block        { return Block{Kind: BlockPara, Spans: spans} }
func Quote(text string) Block      { return Block{Kind: BlockQuote, Spans: []Span{T(text)}} }
func Pre(text string) Block        { return Block{Kind: BlockCode, Spans: []Span{T(text)}} }
func List(items ...[]Span) Block   { return Block{Kind: BlockList, Items: items} }
func Item(spans ...Span) []Span    { return spans }
func NewDoc(blocks ...Block) Doc   { return Doc{Blocks: blocks} }
func Text(s string) Doc            { return NewDoc(P(T(s))) }
func (d *Doc) Add(blocks ...Block) { d.Blocks = append(d.Blocks, blocks...) }

// SafeURL accepts only http(s) and mailto links; anything else (javascript:,
// data:, relative paths) is rendered as text.
func SafeURL(u string) bool {
	l := strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "mailto:")
}

// Mentions lists the users the doc notifies (silent mentions excluded).
func (d Doc) Mentions() []User {
	var out []User
	seen := map[string]bool{}
	add := func(sp []Span) {
		for _, s := range sp {
			if s.Kind == SpanMention && s.User != nil && !s.Silent && !seen[s.User.ID] {
				seen[s.User.ID] = true
				out = append(out, *s.User)
			}
		}
	}
	for _, b := range d.Blocks {
		add(b.Spans)
		for _, it := range b.Items {
			add(it)
		}
	}
	return out
}

// Defuse breaks the patterns chat clients treat as whole-room mentions
// (@room, @all, @everyone, @channel, @topic, @here) by putting a word
// joiner after the "@": the text reads the same and notifies nobody.
// Renderers apply it to every literal text they output.
func Defuse(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '@' {
			rest := strings.ToLower(s[i+1:])
			for _, w := range []string{"room", "all", "everyone", "channel", "topic", "here", "stream"} {
				if strings.HasPrefix(rest, w) {
					b.WriteString("\u2060")
					break
				}
			}
		}
	}
	return b.String()
}

// Plain renders the doc as plain text (console, Matrix body fallback).
func (d Doc) Plain() string {
	var out []string
	for _, b := range d.Blocks {
		switch b.Kind {
		case BlockList:
			var lines []string
			for _, it := range b.Items {
				lines = append(lines, "• "+plainSpans(it))
			}
			out = append(out, strings.Join(lines, "\n"))
		case BlockQuote:
			lines := strings.Split(plainSpans(b.Spans), "\n")
			for i, l := range lines {
				lines[i] = "> " + l
			}
			out = append(out, strings.Join(lines, "\n"))
		default:
			out = append(out, plainSpans(b.Spans))
		}
	}
	return strings.Join(out, "\n\n")
}

func plainSpans(spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		switch s.Kind {
		case SpanLink:
			if s.Text != "" && s.Text != s.URL {
				b.WriteString(Defuse(s.Text) + " <" + s.URL + ">")
			} else {
				b.WriteString(s.URL)
			}
		case SpanMention:
			name := s.Text
			if name == "" && s.User != nil {
				name = s.User.ID
			}
			b.WriteString(Defuse(name))
		default:
			b.WriteString(Defuse(s.Text))
		}
	}
	return b.String()
}
