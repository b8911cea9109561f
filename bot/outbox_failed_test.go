package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/metrics"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// refusingChat refuses messages containing "HUGE" for good (like a
// homeserver's 413) and those containing "FLAKY" for the moment (a 502);
// it posts the rest.
type refusingChat struct {
	chat.Transport
	mu     sync.Mutex
	posted []chat.Outgoing
	tries  map[string]int
}

func (c *refusingChat) Platform() string { return "console" }

func (c *refusingChat) Send(_ context.Context, msg chat.Outgoing) (chat.Sent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tries[msg.TxnKey]++
	text := msg.Body.Plain()
	switch {
	case strings.Contains(text, "HUGE"):
		return chat.Sent{}, fmt.Errorf("send: %w: M_TOO_LARGE (HTTP 413): event too large", chat.ErrRejected)
	case strings.Contains(text, "FLAKY"):
		return chat.Sent{}, errors.New("HTTP 502: bad gateway")
	}
	c.posted = append(c.posted, msg)
	return chat.Sent{Room: msg.Room, ID: fmt.Sprintf("m%d", len(c.posted))}, nil
}

// A message the server refuses for good is tried a few times, given up,
// counted, and the room is told once; it does not hold back the room's
// next message. A message failing for a moment is retried as before.
func TestRefusedMessageIsGivenUpAndTold(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	tr := &refusingChat{tries: map[string]int{}}
	now := time.Now()
	b := &Bot{Store: st, Chat: tr, Log: zerolog.New(zerolog.NewTestWriter(t)), Now: func() time.Time { return now }}
	enqueue := func(room, key, text string) {
		t.Helper()
		if _, err := st.Enqueue(ctx, "console", store.KindReply, chat.Outgoing{Room: room, Thread: "$cmd", Body: chat.Text(text), Notice: true, TxnKey: key}); err != nil {
			t.Fatal(err)
		}
	}
	enqueue("!wg", "reply/e1/1", "HUGE draft echo")
	enqueue("!wg", "reply/e2/1", "help answer")
	enqueue("!other", "reply/e3/1", "FLAKY answer")
	before := failedCount(t)
	for range 40 {
		if _, err := b.SendNext(ctx); err != nil {
			t.Fatal(err)
		}
		now = now.Add(2 * time.Minute) // past every back-off
	}
	if n := tr.tries["reply/e1/1"]; n != maxRejections {
		t.Errorf("the refused message was tried %d times, want %d", n, maxRejections)
	}
	if n := tr.tries["reply/e3/1"]; n < 10 {
		t.Errorf("the message failing for a moment was tried %d times, want it retried on", n)
	}
	var told, help int
	for _, m := range tr.posted {
		text := m.Body.Plain()
		if strings.Contains(text, "could not be posted here") {
			told++
			if m.Room != "!wg" || m.Thread != "$cmd" || !strings.Contains(text, "M_TOO_LARGE (HTTP 413): event too large") {
				t.Errorf("notice %+v: %s", m, text)
			}
		}
		if text == "help answer" {
			help++
		}
	}
	if told != 1 || help != 1 {
		t.Errorf("notices %d, help answers %d; want 1 and 1", told, help)
	}
	if got := failedCount(t) - before; got != 1 {
		t.Errorf("send_failed_total rose by %v, want 1", got)
	}
	// Only the flaky message is still pending.
	if n, err := st.OutboxPending(ctx, "console"); err != nil || n != 1 {
		t.Errorf("pending %d (%v), want 1", n, err)
	}
}

func failedCount(t *testing.T) float64 {
	t.Helper()
	var m dto.Metric
	if err := metrics.SendFailed.WithLabelValues(store.KindReply).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
