package bot

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/config"
	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/console"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// lockedBuffer is a log sink read while the bot writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A configuration error that surfaces only in a leader task (here a ladder
// that config.Load would now refuse, set behind its back) ends Run with
// that error, naming the key, instead of the leader giving up the lock and
// competing for it again forever ("leadership lost" every LeaderRetry).
func TestLeaderConfigErrorEndsRun(t *testing.T) {
	st := testenv.Store(t)
	cfg := &config.Config{Platform: "console"}
	cfg.Datatracker.URL = "http://127.0.0.1:1" // never reached in time to matter
	cfg.Datatracker.PollInterval = time.Minute
	cfg.Reminders = config.Reminders{Schedule: "0 8 * * *", Timezone: "UTC", DeadlineTimezone: "UTC", Ladder: "banana"}
	cfg.Rooms = []config.Room{{Room: "coord", Coordination: true}}
	// Standard input that stays open: the chat side runs until the end.
	stdin, stdinW := io.Pipe()
	t.Cleanup(func() { stdinW.Close() })
	tr := console.New(stdin, io.Discard, chat.User{ID: "maria@example.net", Email: "maria@example.net"})
	var logs lockedBuffer
	b := New(cfg, zerolog.New(&logs), st, tr)
	b.LeaderCheck, b.LeaderRetry = 200*time.Millisecond, 200*time.Millisecond

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := b.Run(ctx)
	if ctx.Err() != nil {
		t.Fatalf("Run still running after 20s (err %v); log:\n%s", err, logs.String())
	}
	var cerr *config.Error
	if !errors.As(err, &cerr) || cerr.Key != "reminders.ladder" {
		t.Fatalf("Run = %v, want the reminders.ladder configuration error", err)
	}
	if !strings.Contains(err.Error(), `"banana"`) {
		t.Errorf("error %q does not show the value", err)
	}
	if strings.Contains(logs.String(), "leadership lost") {
		t.Errorf("the leader competed again after a configuration error:\n%s", logs.String())
	}
}
