package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// Issue 15: events of one room are claimed in order, other rooms in
// parallel; a claim is a committed lease (no transaction stays open), it
// expires when its worker dies, and a released claim is free at once.
func TestClaimEventRoomOrderAndLease(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	for _, e := range []struct{ id, room string }{{"$a1", "!a"}, {"$a2", "!a"}, {"$b1", "!b"}} {
		if _, err := st.RecordEvent(ctx, chat.Event{Platform: "matrix", Kind: chat.EventMessage, ID: e.id, Room: e.room, Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(lease time.Duration) string {
		t.Helper()
		ce, err := st.ClaimEvent(ctx, "matrix", 5, lease)
		if err != nil {
			t.Fatal(err)
		}
		if ce == nil {
			return ""
		}
		return ce.Event.ID
	}
	if got := claim(time.Minute); got != "$a1" {
		t.Fatalf("first claim %q", got)
	}
	// $a2 waits for $a1; room !b goes on.
	if got := claim(time.Minute); got != "$b1" {
		t.Fatalf("second claim %q, want $b1 (room !a is busy)", got)
	}
	if got := claim(time.Minute); got != "" {
		t.Fatalf("claimed %q while every room was busy", got)
	}
	// $b1's worker stops: released, it is free at once, the try not counted.
	var idB1 int64
	if err := st.Pool.QueryRow(ctx, `SELECT id FROM chat_event WHERE event_id = '$b1'`).Scan(&idB1); err != nil {
		t.Fatal(err)
	}
	if err := st.ReleaseEvent(ctx, idB1); err != nil {
		t.Fatal(err)
	}
	ce, err := st.ClaimEvent(ctx, "matrix", 5, 50*time.Millisecond)
	if err != nil || ce == nil || ce.Event.ID != "$b1" || ce.Attempts != 0 {
		t.Fatalf("after release: %+v %v", ce, err)
	}
	// Its worker dies: the short lease expires and the event is claimed again.
	time.Sleep(100 * time.Millisecond)
	if got := claim(time.Minute); got != "$b1" {
		t.Fatalf("after the lease expired: %q", got)
	}
	// $a1 handled: $a2 becomes claimable.
	var idA1 int64
	if err := st.Pool.QueryRow(ctx, `SELECT id FROM chat_event WHERE event_id = '$a1'`).Scan(&idA1); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkEventHandled(ctx, idA1); err != nil {
		t.Fatal(err)
	}
	if got := claim(time.Minute); got != "$a2" {
		t.Fatalf("after $a1 was handled: %q", got)
	}
	if err := st.MarkEventHandled(ctx, idA1); err == nil {
		t.Error("an event handled twice was not refused")
	}
}
