package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestMigrateIsIdempotentAndConcurrent(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.Postgres(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	applied := make([][]int, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := store.Open(ctx, dsn, 2)
			if err != nil {
				errs[i] = err
				return
			}
			defer st.Close()
			applied[i], errs[i] = st.Migrate(ctx)
		}()
	}
	wg.Wait()
	total := 0
	for i := range 3 {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		total += len(applied[i])
	}
	if total != store.LatestVersion() {
		t.Fatalf("migrations applied %d times in all, want each once (%d)", total, store.LatestVersion())
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	if _, err := st.Pool.Exec(ctx, `INSERT INTO schema_migration (version, name) VALUES (999, 'future')`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err == nil {
		t.Fatal("a newer schema was accepted")
	}
}

func TestEventsAreRecordedOnceAndClaimedOnce(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	evt := chat.Event{Platform: "matrix", Kind: chat.EventMessage, ID: "$e1", Room: "!r", Sender: chat.User{ID: "@a:x"}, Text: "!liaison help"}
	for i, want := range []bool{true, false} {
		isNew, err := st.RecordEvent(ctx, evt)
		if err != nil || isNew != want {
			t.Fatalf("record #%d: new=%v err=%v", i, isNew, err)
		}
	}
	// Two workers: only one gets the event while the other holds it.
	tx1, _ := st.Pool.Begin(ctx)
	defer tx1.Rollback(ctx)
	ce, err := store.On(tx1).ClaimEvent(ctx, "matrix", 5, time.Minute)
	if err != nil || ce == nil || ce.Event.Text != evt.Text {
		t.Fatalf("claim: %+v %v", ce, err)
	}
	tx2, _ := st.Pool.Begin(ctx)
	defer tx2.Rollback(ctx)
	if other, err := store.On(tx2).ClaimEvent(ctx, "matrix", 5, time.Minute); err != nil || other != nil {
		t.Fatalf("second worker claimed %+v (%v)", other, err)
	}
	if err := store.On(tx1).MarkEventHandled(ctx, ce.ID); err != nil {
		t.Fatal(err)
	}
	tx1.Commit(ctx)
	if n, _ := st.PendingEvents(ctx, "matrix"); n != 0 {
		t.Fatalf("pending = %d", n)
	}
}

func TestOutboxEnqueueIsIdempotent(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	msg := chat.Outgoing{Room: "!r", Body: chat.Text("hi"), TxnKey: "reply/$e1/1"}
	id1, err := st.Enqueue(ctx, "matrix", store.KindReply, msg, chat.KeyApprove)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := st.Enqueue(ctx, "matrix", store.KindReply, msg)
	if err != nil || id1 != id2 {
		t.Fatalf("second enqueue: %d vs %d (%v)", id2, id1, err)
	}
	it, err := st.ClaimOutbox(ctx, "matrix", time.Now())
	if err != nil || it == nil || it.Msg.Body.Plain() != "hi" || len(it.React) != 1 {
		t.Fatalf("claim: %+v %v", it, err)
	}
	if err := st.MarkSent(ctx, it.ID, chat.Sent{ID: "$sent", Thread: "$sent"}); err != nil {
		t.Fatal(err)
	}
	// Still due: its reaction is not added yet.
	if it, _ := st.ClaimOutbox(ctx, "matrix", time.Now()); it == nil || it.SentID != "$sent" {
		t.Fatalf("sent item with pending reaction not due: %+v", it)
	}
	if err := st.MarkReacted(ctx, id1); err != nil {
		t.Fatal(err)
	}
	if it, _ := st.ClaimOutbox(ctx, "matrix", time.Now()); it != nil {
		t.Fatalf("done item still due: %+v", it)
	}
	if got, _ := st.OutboxBySentID(ctx, "matrix", "$sent"); got == nil || got.ID != id1 {
		t.Fatalf("by sent id: %+v", got)
	}
}

func TestConfigBindingsSync(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	if _, err := st.AddBinding(ctx, store.Binding{Platform: "matrix", Room: "!cmd", Group: "ccamp", Source: store.SourceCommand}); err != nil {
		t.Fatal(err)
	}
	want := []store.Binding{{Room: "!wg", Group: "teas"}, {Room: "!coord", Coordination: true}}
	if err := st.SyncConfigBindings(ctx, "matrix", want); err != nil {
		t.Fatal(err)
	}
	if err := st.SyncConfigBindings(ctx, "matrix", want[:1]); err != nil {
		t.Fatal(err)
	}
	rooms, err := st.RoomsFor(ctx, "matrix", []string{"teas"})
	if err != nil || len(rooms) != 1 || rooms[0] != "!wg" {
		t.Fatalf("rooms for teas after removing the coordination room: %v %v", rooms, err)
	}
	all, _ := st.AllBindings(ctx, "matrix")
	if len(all) != 2 {
		t.Fatalf("command binding lost or config binding kept: %+v", all)
	}
}

func TestKVAndAudit(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	kv := store.KV{Q: st.Q}
	if _, ok, _ := kv.Get(ctx, "matrix.next_batch"); ok {
		t.Fatal("unexpected value")
	}
	kv.Put(ctx, "matrix.next_batch", "s1")
	kv.Put(ctx, "matrix.next_batch", "s2")
	if v, ok, err := kv.Get(ctx, "matrix.next_batch"); !ok || v != "s2" || err != nil {
		t.Fatalf("kv: %q %v %v", v, ok, err)
	}
	if err := st.AddAudit(ctx, store.Audit{Platform: "matrix", Actor: "@a:x", Action: "command:help", Result: "ok", Detail: map[string]any{"n": 1}}); err != nil {
		t.Fatal(err)
	}
	as, err := st.AuditSince(ctx, 0, 10)
	if err != nil || len(as) != 1 || as[0].Action != "command:help" || as[0].Detail["n"] != float64(1) {
		t.Fatalf("audit: %+v %v", as, err)
	}
}

func TestStatementsSearchAndAnnouncements(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	if err := st.UpsertGroups(ctx, []store.Group{
		{ID: 1985, Acronym: "teas", Name: "Traffic Engineering Architecture and Signaling", Type: "wg", State: "active", ParentID: 1249},
		{ID: 62, Acronym: "itu-t-sg-15", Name: "ITU-T Study Group 15", Type: "sdo", State: "active"},
	}); err != nil {
		t.Fatal(err)
	}
	dl := time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)
	ss := []*store.Statement{
		{ID: 2042, Title: "LS on YANG models for optical transport", FromGroups: []int64{62}, ToGroups: []int64{1985}, Purpose: "action", Deadline: &dl, State: "posted", Body: "Please review the transport YANG module."},
		{ID: 2043, Title: "Reply to LS on YANG", FromGroups: []int64{1985}, ToGroups: []int64{62}, Purpose: "response", State: "posted"},
		{ID: 2044, Title: "pending one", FromGroups: []int64{1985}, ToGroups: []int64{62}, Purpose: "info", State: "pending"},
	}
	if err := st.UpsertStatements(ctx, ss); err != nil {
		t.Fatal(err)
	}
	got, err := st.SearchStatements(ctx, "optical yang", 10)
	if err != nil || len(got) == 0 || got[0].ID != 2042 {
		t.Fatalf("search: %v %v", got, err)
	}
	in, err := st.ListStatements(ctx, 1985, store.DirectionIncoming, 10)
	if err != nil || len(in) != 1 || in[0].ID != 2042 {
		t.Fatalf("incoming for teas: %v %v", in, err)
	}
	out, _ := st.ListStatements(ctx, 1985, store.DirectionOutgoing, 10)
	if len(out) != 1 || out[0].ID != 2043 {
		t.Fatalf("outgoing for teas: %v", out)
	}
	s, _ := st.StatementByID(ctx, 2042)
	if s == nil || s.Deadline == nil || !s.Deadline.Equal(dl) {
		t.Fatalf("deadline round trip: %+v", s)
	}
	ok1, _ := st.ClaimAnnouncement(ctx, 2042, "matrix", "!wg", 1)
	ok2, _ := st.ClaimAnnouncement(ctx, 2042, "matrix", "!wg", 2)
	if !ok1 || ok2 {
		t.Fatalf("announcement claimed twice: %v %v", ok1, ok2)
	}
}

// Parallel outbox workers: while one holds a room's oldest message, the
// next one of that room waits and another room's message goes instead.
func TestOutboxClaimKeepsRoomOrder(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	for i, room := range []string{"A", "A", "B"} {
		if _, err := st.Enqueue(ctx, "matrix", store.KindReply, chat.Outgoing{Room: room, TxnKey: fmt.Sprintf("k%d", i), Body: chat.Text("x")}); err != nil {
			t.Fatal(err)
		}
	}
	tx1, err := st.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	first, err := store.On(tx1).ClaimOutbox(ctx, "matrix", time.Now().Add(time.Second))
	if err != nil || first == nil || first.Msg.Room != "A" {
		t.Fatalf("first claim: %+v %v", first, err)
	}
	tx2, err := st.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback(ctx)
	second, err := store.On(tx2).ClaimOutbox(ctx, "matrix", time.Now().Add(time.Second))
	if err != nil || second == nil || second.Msg.Room != "B" {
		t.Fatalf("second claim took %+v (%v), want room B's message while A's first is in flight", second, err)
	}
	// Once A's first is sent, A's second is next.
	if err := store.On(tx1).MarkSent(ctx, first.ID, chat.Sent{Room: "A", ID: "$1"}); err != nil {
		t.Fatal(err)
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	third, err := st.ClaimOutbox(ctx, "matrix", time.Now().Add(time.Second))
	if err != nil || third == nil || third.Msg.Room != "A" || third.ID == first.ID {
		t.Fatalf("third claim: %+v %v", third, err)
	}
}
