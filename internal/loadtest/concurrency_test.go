package loadtest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/bot"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// setInboxWorkers sets the bot's inbox worker count when the bot has that
// option (Bot.InboxWorkers, issue 15 point 2) and reports what it found:
// the harness builds either way, and says which bot it measured.
func setInboxWorkers(b *bot.Bot, n int) (int, bool) {
	f := reflect.ValueOf(b).Elem().FieldByName("InboxWorkers")
	if !f.IsValid() || !f.CanSet() || f.Kind() != reflect.Int {
		return 1, false
	}
	if n > 0 {
		f.SetInt(int64(n))
	}
	return int(f.Int()), true
}

// TestLoadConcurrency: issue 15, "no chat waits on another". 20 users, each
// in a room of their own with the bot and an echo bot, send a command at
// the same moment; 10 rounds. Each reply is timed from its user's send
// until it reaches the observer's sync. The same users then send "!echo"
// at the same moment to an echo bot that answers each message as it comes
// (a plain mautrix client replying from a goroutine per event), so both
// are measured under the same load. Figures: p50 and p95 of both, and the
// ratio of the p95s (target ≤ 1.5).
func TestLoadConcurrency(t *testing.T) {
	enabled(t)
	nUsers := envInt(t, "LIAISONBOT_LOADTEST_CONC_USERS", 20)
	rounds := envInt(t, "LIAISONBOT_LOADTEST_CONC_ROUNDS", 10)
	n := envInt(t, "LIAISONBOT_LOADTEST_STATEMENTS", 10000)
	command := "!liaison list"
	w := newWorld(t, n)
	echoU := w.HS.RegisterUser(t, "echo")
	echo := w.HS.Client(t, echoU)

	users := make([]testenv.User, nUsers)
	clients := make([]*mautrix.Client, nUsers)
	for i := range users {
		users[i] = w.HS.RegisterUser(t, fmt.Sprintf("user%d", i))
		clients[i] = w.HS.Client(t, users[i])
	}
	// The chair (the observer) makes the rooms; user i speaks in room i.
	rooms := createRooms(t, w.Chair, nUsers, w.Bot.ID, echoU.ID)
	for i, r := range rooms {
		if _, err := w.Chair.InviteUser(context.Background(), r, &mautrix.ReqInviteUser{UserID: users[i].ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := clients[i].JoinRoomByID(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	joinAll(t, echo, rooms)

	syncMessages(t, echo, func(evt *event.Event) {
		if evt.Sender == echoU.ID {
			return
		}
		if text, ok := strings.CutPrefix(body(evt), "!echo"); ok {
			go func() { _, _ = echo.SendNotice(context.Background(), evt.RoomID, "echo:"+text) }()
		}
	})

	inbox, hasInbox := 1, false
	b := w.startBot(t, rooms, func(b *bot.Bot) {
		inbox, hasInbox = setInboxWorkers(b, b.Config.Chat.InboxWorkers)
	})
	w.waitJoined(t, rooms, 5*time.Minute)
	testenv.Eventually(t, 5*time.Minute, func() bool {
		c, _ := b.Store.CountStatements(context.Background())
		return c == n
	}, "the bot did not backfill %d statements", n)

	// One channel of arrivals per room, fed by the observer's sync.
	index := map[id.RoomID]int{}
	for i, r := range rooms {
		index[r] = i
	}
	got := make([]chan arrival, nUsers)
	for i := range got {
		got[i] = make(chan arrival, 16)
	}
	syncMessages(t, w.Chair, func(evt *event.Event) {
		if i, ok := index[evt.RoomID]; ok && (evt.Sender == w.Bot.ID || evt.Sender == echoU.ID) {
			got[i] <- arrival{room: evt.RoomID, sender: evt.Sender, body: body(evt), at: time.Now()}
		}
	})
	time.Sleep(time.Second)

	// burst sends text from every user at once and returns each reply's
	// latency.
	burst := func(text string, from id.UserID) []time.Duration {
		for _, c := range got {
			for len(c) > 0 {
				<-c
			}
		}
		out := make([]time.Duration, nUsers)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range nUsers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				start := time.Now()
				if _, err := clients[i].SendText(context.Background(), rooms[i], text); err != nil {
					t.Errorf("user %d: %v", i, err)
					return
				}
				timeout := time.After(2 * time.Minute)
				for {
					select {
					case a := <-got[i]:
						if a.sender == from {
							out[i] = a.at.Sub(start)
							return
						}
					case <-timeout:
						t.Errorf("user %d: no answer to %q within 2 minutes", i, text)
						return
					}
				}
			}()
		}
		close(gate)
		wg.Wait()
		return out
	}
	var botS, echoS []time.Duration
	for r := range rounds + 1 { // the first round warms up
		bs := burst(command, w.Bot.ID)
		es := burst("!echo ping", echoU.ID)
		if t.Failed() {
			t.FailNow()
		}
		if r > 0 {
			botS, echoS = append(botS, bs...), append(echoS, es...)
		}
	}
	inboxNote := fmt.Sprintf("%d inbox workers (Bot.InboxWorkers, chat.inbox_workers)", inbox)
	if !hasInbox {
		inboxNote = "one inbox worker (this bot has no Bot.InboxWorkers option)"
	}
	note := fmt.Sprintf("%d users in %d rooms at once, %d rounds, `%s`, %d statements; %s", nUsers, nUsers, rounds, command, n, inboxNote)
	report(t, "concurrent_echo_p50_ms", ms(pct(echoS, 50)), "ms", note)
	report(t, "concurrent_echo_p95_ms", ms(pct(echoS, 95)), "ms", note)
	report(t, "concurrent_bot_p50_ms", ms(pct(botS, 50)), "ms", note)
	report(t, "concurrent_bot_p95_ms", ms(pct(botS, 95)), "ms", note)
	report(t, "concurrent_p95_vs_echo", float64(pct(botS, 95))/float64(pct(echoS, 95)), "x", "ratio of p95s; target ≤ 1.5")
}
