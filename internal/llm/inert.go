package llm

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

var (
	// Zulip mentions: @**Name**, @_**Name** (silent), @*group*, @_*group*,
	// and @**all** / @**everyone** / @**stream** / @**topic**.
	zulipMentionRE = regexp.MustCompile(`@_?\*\*([^*\n]*)\*\*|@_?\*([^*\n]*)\*`)
	// A command prefix anywhere in the text (4053bis has nothing to say
	// here: the bot's rule is that model output never contains a command).
	commandRE = regexp.MustCompile(`(?i)([/!]+)(liaison)`)
)

// Inert makes model output safe to show as text: it removes control,
// zero-width and bidi-override characters, strips every mention syntax
// (Zulip @**name**, @_**name**, @*group*; Matrix @user:server; @room,
// @all, @everyone...; an "@" that does not belong to an e-mail address is
// dropped), and breaks any "/liaison" or "!liaison" so that no line of it
// reads as a command. With multiline false, the result is one line.
//
// Renderers escape text spans and apply chat.Defuse on top of this; Inert
// is the model-specific second layer (the output of a model must not name
// anyone even in a way a client might linkify).
func Inert(s string, multiline bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			if multiline {
				return r
			}
			return ' '
		case r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		case unicode.In(r, unicode.Cf): // zero-width, bidi overrides, BOM
			return -1
		}
		return r
	}, s)
	s = zulipMentionRE.ReplaceAllStringFunc(s, func(m string) string {
		return strings.Trim(strings.TrimPrefix(strings.TrimPrefix(m, "@"), "_"), "*")
	})
	s = dropMentionAts(s)
	s = commandRE.ReplaceAllString(s, "$1\u2060$2")
	// What is left of an "@" sits inside an e-mail-like word
	// ("x@room"): break the whole-room patterns there too.
	s = chat.Defuse(s)
	if !multiline {
		return oneLine(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	s = strings.Join(lines, "\n")
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(s)
}

// dropMentionAts removes every "@" that is not inside an e-mail address
// (an "@" counts as one when a local-part character precedes it and a
// domain character follows).
func dropMentionAts(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if r == '@' && !(i > 0 && localPart(rs[i-1]) && i+1 < len(rs) && domainStart(rs[i+1])) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func localPart(r rune) bool {
	return r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._%+-", r))
}

func domainStart(r rune) bool {
	return r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
