package commands

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/rules"
	"github.com/liaisonbot/liaisonbot/internal/store"
)

// guardDocs is a document look-up that fails the test when it is called
// while a command's transaction is open (the context store.MarkTx marks).
type guardDocs struct {
	t     *testing.T
	inner DocLookup
	calls atomic.Int32
}

func (g *guardDocs) LookupDoc(ctx context.Context, ref rules.DocRef) (rules.DocInfo, error) {
	g.calls.Add(1)
	if store.InTx(ctx) {
		g.t.Errorf("document %s looked up while the command's transaction was open", ref.Name)
	}
	return g.inner.LookupDoc(ctx, ref)
}

// process handles a command the way the inbox does (commands.Process) and
// returns its replies' text.
func (b *draftBench) process(email, text string) string {
	b.t.Helper()
	b.n++
	evt := chat.Event{Platform: "console", Kind: chat.EventMessage, ID: fmt.Sprintf("evt%d", b.n), Room: benchRoom,
		Sender: chat.User{ID: "user-" + email, Email: email}, Time: b.now, Text: text}
	committed := 0
	if err := b.d.Process(context.Background(), b.st, evt, func(context.Context, store.Q) error { committed++; return nil }); err != nil {
		b.t.Fatalf("%s: %v", text, err)
	}
	if committed != 1 {
		b.t.Fatalf("%s: committed %d times", text, committed)
	}
	var out []string
	for _, msg := range b.queued(`txn_key LIKE $1`, "reply/"+evt.ID+"/%") {
		out = append(out, msg.Body.Plain())
	}
	return strings.Join(out, "\n---\n")
}

// Issue 15: the §4.3 look-ups of draft, edit, show and submit happen before
// the command's transaction, and the answers still reach the user.
func TestProcessLooksUpDocumentsOutsideTheTransaction(t *testing.T) {
	b := newDraftBench(t)
	g := &guardDocs{t: t, inner: b.d.Env.Docs}
	b.d.Env.Docs = g
	got := b.process(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus"
See draft-doe-teas-ideas-02 and RFC 5000.`)
	wantIn(t, got, "New draft D1", "draft-doe-teas-ideas is an individual Internet-Draft", "RFC 5000 is Experimental")
	wantIn(t, b.process(benchChair, "!liaison show D1"), "RFC 5000 is Experimental")
	wantIn(t, b.process(benchChair, `!liaison edit D1 subject="Models v2"`), "RFC 5000 is Experimental")
	b.process(benchChair, "!liaison submit D1")
	if d := b.draft(1); d.State != rules.DraftSubmitted {
		t.Errorf("draft is %s after submit", d.State)
	}
	if g.calls.Load() == 0 {
		t.Fatal("no document was looked up: the test exercises nothing")
	}
}

// A verb's declared permission is checked by the dispatcher, before Run.
func TestDeclaredPermissionCheckedBeforeRun(t *testing.T) {
	b := newDraftBench(t)
	ran := false
	b.d.Register(&Verb{Name: "guarded", Summary: "test", RequiresModerator: true, Run: func(*Request) error { ran = true; return nil }})
	wantIn(t, b.run(benchChair, "!liaison guarded"), "Only room moderators")
	if ran {
		t.Error("the verb ran for a sender who is not a moderator")
	}
	wantIn(t, b.run("", "!liaison draft subject=x"), "may read but not draft")
}
