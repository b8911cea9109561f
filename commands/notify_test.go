package commands

import (
	"context"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/chat"
)

// directOnly is a transport that can only open direct rooms (the digest
// needs nothing else): "dm:<e-mail>".
type directOnly struct{ chat.Transport }

func (directOnly) DirectRoom(_ context.Context, u chat.User) (string, error) {
	return "dm:" + u.Email, nil
}

// digests runs SendDigests and returns the rooms and texts it queued.
func (b *draftBench) digests() map[string]string {
	b.t.Helper()
	ctx := context.Background()
	var before int64
	if err := b.st.Pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM outbox`).Scan(&before); err != nil {
		b.t.Fatal(err)
	}
	if _, err := SendDigests(ctx, b.st, b.d.Env); err != nil {
		b.t.Fatal(err)
	}
	out := map[string]string{}
	for _, msg := range b.queued(`id > $1 AND txn_key LIKE 'digest/%'`, before) {
		out[msg.Room] = msg.Body.Plain()
	}
	return out
}

// The opt-in digest: the setting persists, a digest goes by direct message
// only when something waits, once per period, and off stops it.
func TestNotifyDigest(t *testing.T) {
	b := newDraftBench(t)
	b.d.Env.Chat = directOnly{}
	wantIn(t, b.run(benchAD, "/liaison notify"), "You get no digest.")
	wantIn(t, b.run(benchAD, "/liaison notify daily"), "From now on you get a daily digest by direct message")
	wantIn(t, b.run(benchAD, "/liaison notify"), "You get a daily digest")
	wantIn(t, b.run(benchAD, "/liaison notify hourly"), `"hourly" is not daily, weekly or off.`, "/liaison notify daily|weekly|off")
	wantIn(t, b.run("", "/liaison notify daily"), "does not know your Datatracker e-mail")
	wantIn(t, b.run("someone@example.org", "/liaison notify weekly"), "weekly digest")

	if got := b.digests(); len(got) != 0 {
		t.Errorf("digests with nothing waiting: %v", got)
	}
	b.run(benchChair, `/liaison draft to=itu-t-sg-15 to_contact=sg15@itu.example purpose=info subject="Models" consensus="WG consensus"
The body.`)
	b.run(benchChair, "/liaison submit D1")
	got := b.digests()
	if len(got) != 1 {
		t.Fatalf("digests: %v, want the AD's alone", got)
	}
	wantIn(t, got["dm:"+benchAD], "Your daily digest", "What waits on you", "D1 Models", "/liaison notify off")

	if again := b.digests(); len(again) != 0 {
		t.Errorf("a second digest the same day: %v", again)
	}
	b.now = b.now.Add(23 * time.Hour)
	if next := b.digests(); len(next) != 1 {
		t.Errorf("next day's digests: %v, want 1", next)
	}
	wantIn(t, b.run(benchAD, "/liaison notify off"), "No more digests.")
	b.now = b.now.Add(24 * time.Hour)
	if got := b.digests(); len(got) != 0 {
		t.Errorf("digests after off: %v", got)
	}
}
