package matrix

import (
	"encoding/json"
	"fmt"

	"maunium.net/go/mautrix/event"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// maxContentBytes bounds a message's content. The spec limits a whole event
// to 65536 bytes in its federation format
// (https://spec.matrix.org/v1.11/client-server-api/#size-limits); room ID,
// sender, hashes, signatures and auth events take a few kB of that, and
// Dendrite refuses a larger event outright; in an encrypted room the
// content travels base64-encoded inside m.room.encrypted (a third more), so
// the plain content stays below 36 KiB.
const maxContentBytes = 36 << 10

// fitContent builds the content of doc and, when it is too large, builds it
// again from a doc cut short (chat.Doc.Cut), so the homeserver never refuses
// a message for its size.
func fitContent(doc chat.Doc, build func(chat.Doc) *event.MessageEventContent) *event.MessageEventContent {
	content := build(doc)
	for range 8 {
		raw, err := json.Marshal(content)
		if err != nil || len(raw) <= maxContentBytes {
			return content
		}
		// HTML escaping and the plain body make bytes grow faster than
		// runes: shrink the text in proportion, with a margin.
		budget := doc.Size() * maxContentBytes / len(raw) * 9 / 10
		doc, _ = doc.Cut(budget)
		content = build(doc)
	}
	return content
}

// classify marks the errors that are permanent (the homeserver will give
// them again for the same request) as chat.ErrRejected, so the outbox does
// not retry them for ever.
func classify(err error) error {
	if permanent(err) {
		return fmt.Errorf("%w: %w", chat.ErrRejected, err)
	}
	return err
}
