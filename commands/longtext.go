package commands

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// Chat servers cap a message's size (a Matrix event at 64 KiB, a Zulip
// message at 10,000 characters by default), so a long statement body is
// shown shortened, with the whole text available in parts.
const (
	// bodyPreview is how much of a body a draft, an approval request or a
	// hand-off shows inline.
	bodyPreview = 3000
	// bodyPart is the size of one part of `show D7 full`: a part, quoted,
	// with its header, stays within every platform's limit.
	bodyPart = 6000
)

// bodyBlocks shows a draft's body, shortened beyond bodyPreview with a
// pointer to `show D<n> full`.
func bodyBlocks(id int64, body string) []chat.Block {
	if strings.TrimSpace(body) == "" {
		return []chat.Block{chat.P(chat.B("Body: "), chat.T("—"))}
	}
	n := utf8.RuneCountInString(body)
	if n <= bodyPreview {
		return []chat.Block{chat.P(chat.B("Body:")), chat.Quote(body)}
	}
	head := cutAtBoundary(body, bodyPreview)
	return []chat.Block{
		chat.P(chat.B(fmt.Sprintf("Body (the first %d of %d characters):", utf8.RuneCountInString(head), n))),
		chat.Quote(head + " …"),
		chat.P(chat.C(fmt.Sprintf("/liaison show %s full", DraftLabel(id))), chat.T(" shows the whole body, in parts.")),
	}
}

// bodyParts splits a body into parts of at most bodyPart runes, at line
// ends (or spaces) where it can.
func bodyParts(body string) []string {
	var parts []string
	for utf8.RuneCountInString(body) > bodyPart {
		p := cutAtBoundary(body, bodyPart)
		parts = append(parts, p)
		body = strings.TrimLeft(body[len(p):], "\n")
	}
	return append(parts, body)
}

// cutAtBoundary is the longest prefix of s of at most max runes that ends
// at a line end, else at a space, else anywhere (over half the budget).
func cutAtBoundary(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	cut := 0
	for i := range s {
		if utf8.RuneCountInString(s[:i]) > max {
			break
		}
		cut = i
	}
	head := s[:cut]
	for _, sep := range []string{"\n", " "} {
		if i := strings.LastIndex(head, sep); i > len(head)/2 {
			return head[:i]
		}
	}
	return head
}
