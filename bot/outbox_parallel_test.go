package bot

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/liaisonbot/liaisonbot/internal/chat"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// slowTransport is a chat platform whose every send takes a while (as a
// homeserver's round trip does); it records which sends overlapped and
// the order each room received its messages in. It delivers no events.
type slowTransport struct {
	delay time.Duration
	mu    sync.Mutex
	inFly int
	peak  int
	rooms map[string][]string // room -> message texts in arrival order
}

func (s *slowTransport) Platform() string { return "console" }
func (s *slowTransport) Self() chat.User  { return chat.User{ID: "liaisonbot"} }
func (s *slowTransport) Run(ctx context.Context, _ chat.Sink) error {
	<-ctx.Done()
	return nil
}

func (s *slowTransport) Send(ctx context.Context, msg chat.Outgoing) (chat.Sent, error) {
	s.mu.Lock()
	s.inFly++
	s.peak = max(s.peak, s.inFly)
	s.mu.Unlock()
	time.Sleep(s.delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFly--
	s.rooms[msg.Room] = append(s.rooms[msg.Room], msg.Body.Plain())
	return chat.Sent{Room: msg.Room, ID: msg.TxnKey}, nil
}

func (s *slowTransport) React(context.Context, string, string, string, string) error  { return nil }
func (s *slowTransport) Edit(context.Context, string, string, chat.Doc, string) error { return nil }
func (s *slowTransport) JoinRoom(context.Context, string) error                       { return nil }
func (s *slowTransport) IsModerator(context.Context, string, chat.User) (bool, error) {
	return false, nil
}
func (s *slowTransport) Connected() bool { return true }

// TestOutboxSendsInParallelByDefault: issue 15 point 5. A bot started from
// the shipped config (no outbox setting of a test) sends to several rooms
// at once, as many at a time as chat.outbox_workers says, while each
// room still gets its messages in the order they were queued.
func TestOutboxSendsInParallelByDefault(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra string
		want  int
	}{
		{"default", "", 4},
		{"configured", "chat:\n  outbox_workers: 2\n", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := testenv.Postgres(t)
			cfg := loadConfig(t, fmt.Sprintf("platform: console\ndatabase:\n  url: %q\nhttp:\n  listen: \"\"\n%s", dsn, tc.extra))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			st, err := OpenStore(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			tr := &slowTransport{delay: 150 * time.Millisecond, rooms: map[string][]string{}}
			b := New(cfg, zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel), st, tr)
			b.LeaderTasks = nil // no Datatracker here
			b.PollEvery = 100 * time.Millisecond

			const rooms, each = 8, 3
			err = st.Tx(ctx, func(q store.Q) error {
				for i := range each {
					for r := range rooms {
						msg := chat.Outgoing{Room: fmt.Sprintf("!room%d", r), Body: chat.Text(fmt.Sprintf("message %d", i)),
							Notice: true, TxnKey: fmt.Sprintf("parallel/%d/%d", r, i)}
						if _, err := q.Enqueue(ctx, "console", "reply", msg); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- b.Run(ctx) }()
			defer func() { cancel(); <-done }()

			testenv.Eventually(t, 30*time.Second, func() bool {
				n, err := st.OutboxPending(ctx, "console")
				return err == nil && n == 0
			}, "the outbox was not sent")
			tr.mu.Lock()
			defer tr.mu.Unlock()
			if tr.peak != tc.want {
				t.Errorf("at most %d sends overlapped, want %d (chat.outbox_workers)", tr.peak, tc.want)
			}
			for r := range rooms {
				room := fmt.Sprintf("!room%d", r)
				got := tr.rooms[room]
				if len(got) != each {
					t.Errorf("%s got %d messages, want %d: %q", room, len(got), each, got)
					continue
				}
				for i, text := range got {
					if want := fmt.Sprintf("message %d", i); text != want {
						t.Errorf("%s: message %d is %q, want %q (order lost)", room, i, text, want)
					}
				}
			}
		})
	}
}
