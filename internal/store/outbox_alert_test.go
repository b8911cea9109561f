package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// TestOutboxKeepsAlert: the sender sends what it claims from the outbox,
// so an Alert stored there must come back as an Alert (and a quiet message
// as quiet), with its mentions.
func TestOutboxKeepsAlert(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	ad := chat.User{ID: "@ad:example.org", DisplayName: "Ada"}
	body := chat.NewDoc(chat.P(chat.T("Approval needed from "), chat.M(ad)))
	alertID, err := st.Enqueue(ctx, "matrix", store.KindApproval, chat.Outgoing{Room: "!r", Body: body, Notice: true, Alert: true, TxnKey: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Enqueue(ctx, "matrix", store.KindReply, chat.Outgoing{Room: "!r", Body: body, Notice: true, TxnKey: "q"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		it, err := st.ClaimOutbox(ctx, "matrix", time.Now())
		if err != nil || it == nil {
			t.Fatalf("claim: %+v %v", it, err)
		}
		if want := it.ID == alertID; it.Msg.Alert != want || !it.Msg.Notice {
			t.Errorf("item %d (%s): Alert %v Notice %v, want Alert %v", it.ID, it.Msg.TxnKey, it.Msg.Alert, it.Msg.Notice, want)
		}
		if m := it.Msg.Body.Mentions(); len(m) != 1 || m[0].ID != ad.ID {
			t.Errorf("item %d: mentions %+v", it.ID, m)
		}
		if err := st.MarkSent(ctx, it.ID, chat.Sent{ID: it.Msg.TxnKey}); err != nil {
			t.Fatal(err)
		}
	}
}
