package chat

import (
	"errors"
	"unicode/utf8"
)

// ErrRejected marks a send the chat server refused for good (a 4xx other
// than 429: too large, malformed, forbidden). Transports wrap it; the
// outbox stops retrying such a message after a few tries instead of
// retrying it for ever.
var ErrRejected = errors.New("the chat server refused the message")

// CutNote ends a message that was cut to fit a platform's size limit.
const CutNote = "✂ This message was cut here: it is longer than the chat server accepts."

// Cut returns the doc with at most maxRunes runes of text, cut inside the
// block where the budget runs out, followed by a paragraph saying so. It
// reports whether anything was cut. Mentions and links are kept whole or
// dropped, never cut in half.
func (d Doc) Cut(maxRunes int) (Doc, bool) {
	left := maxRunes
	cutSpans := func(spans []Span) ([]Span, bool) {
		var out []Span
		for _, sp := range spans {
			n := utf8.RuneCountInString(sp.Text) + utf8.RuneCountInString(sp.URL)
			if n <= left {
				out = append(out, sp)
				left -= n
				continue
			}
			if sp.Kind != SpanMention && sp.Kind != SpanLink && left > 0 {
				sp.Text = string([]rune(sp.Text)[:left]) + "…"
				out = append(out, sp)
			}
			left = 0
			return out, true
		}
		return out, false
	}
	var out Doc
	for _, b := range d.Blocks {
		nb := Block{Kind: b.Kind}
		var cut bool
		if b.Kind == BlockList {
			for _, it := range b.Items {
				var sp []Span
				sp, cut = cutSpans(it)
				if len(sp) > 0 {
					nb.Items = append(nb.Items, sp)
				}
				if cut {
					break
				}
			}
		} else {
			nb.Spans, cut = cutSpans(b.Spans)
		}
		if len(nb.Spans) > 0 || len(nb.Items) > 0 {
			out.Blocks = append(out.Blocks, nb)
		}
		if cut {
			out.Add(P(I(CutNote)))
			return out, true
		}
	}
	return d, false
}

// Size is the number of runes of text (and link targets) in the doc.
func (d Doc) Size() int {
	n := 0
	add := func(spans []Span) {
		for _, sp := range spans {
			n += utf8.RuneCountInString(sp.Text) + utf8.RuneCountInString(sp.URL)
		}
	}
	for _, b := range d.Blocks {
		add(b.Spans)
		for _, it := range b.Items {
			add(it)
		}
	}
	return n
}
