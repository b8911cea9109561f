package bot

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/llm/llmfake"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// Document look-up modes of slowDocs.
const (
	docsPass int32 = iota
	docsFail       // 500 at once: the look-up fails and is not cached
	docsHang       // hang docHang, then answer
)

const docHang = 25 * time.Second

// slowDocs is the fake Datatracker behind a proxy that can make document
// look-ups (/api/v1/doc/document/…) fail or hang; everything else passes.
func slowDocs(t *testing.T, target string) (string, *atomic.Int32) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	mode := new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/v1/doc/document/") {
			switch mode.Load() {
			case docsFail:
				http.Error(w, "down", http.StatusInternalServerError)
				return
			case docsHang:
				select {
				case <-time.After(docHang):
				case <-r.Context().Done():
					return
				}
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, mode
}

// roundTrip sends text in room and returns how long until a new bot notice
// containing want is in the room's timeline.
func roundTrip(t *testing.T, w *announceWorld, room id.RoomID, text, want string) time.Duration {
	t.Helper()
	before := countNotices(t, w.Chair, room, w.Bot.ID, want)
	sent := time.Now()
	say(t, w.Chair, room, text)
	testenv.Eventually(t, 60*time.Second, func() bool { return countNotices(t, w.Chair, room, w.Bot.ID, want) > before },
		"%q in %s was not answered", text, room)
	return time.Since(sent)
}

// Issue 15: a slow model call or hanging Datatracker look-ups for a command
// in one room do not hold up a command in another room. Before, one inbox
// worker handled every event inside one transaction, and `help` elsewhere
// waited for the whole slow command.
func TestMatrixSlowCommandDoesNotStallOtherRooms(t *testing.T) {
	const normal = 5 * time.Second // a round trip through Dendrite is well under this
	w := newAnnounceWorld(t)
	dtURL, docs := slowDocs(t, w.DT.URL())
	model := llmfake.New(t, "test-key")
	cfg := w.config(t, roomsYAML(string(w.WGRoom), string(w.CoordRoom), dtURL)+fmt.Sprintf(`llm:
  base_url: %q
  model: fake-model-1
  api_key: test-key
  timeout: 40s
`, model.URL+"/v1"))
	cfg.Datatracker.Timeout = 40 * time.Second
	cfg.Matrix.Identities = append(cfg.Matrix.Identities, identity(w.Chair.UserID, chairEmail))
	bot := start(t, cfg, func(b *Bot) { b.PollInterval = pollFast })
	testenv.Eventually(t, waitAnnnce, func() bool { n, _ := bot.Bot.Store.CountStatements(t.Context()); return n == 3 }, "no backfill")
	for _, room := range []id.RoomID{w.WGRoom, w.CoordRoom} {
		testenv.Eventually(t, 30*time.Second, func() bool { return membership(t, w.Chair, room, w.Bot.ID) == "join" },
			"bot did not join %s", room)
	}

	// Two drafts referencing documents; their look-ups fail now, so
	// nothing is cached and later commands must ask the Datatracker.
	docs.Store(docsFail)
	deadline := time.Now().AddDate(0, 0, 40).Format("2006-01-02")
	// Each draft names its own documents: an answer cached for one must
	// not spare the other's look-ups.
	for i, docs := range []string{"RFC 8795 and draft-doe-teas-topology-ideas-01", "RFC 8453 and draft-roe-teas-other-ideas-02"} {
		roundTrip(t, w, w.WGRoom, fmt.Sprintf(`!liaison draft to=itu-t-sg-15 purpose=action deadline=%s subject="Topology %d"
We ask SG15 to review %s.`, deadline, i+1, docs), fmt.Sprintf("New draft D%d", i+1))
	}
	if base := roundTrip(t, w, w.CoordRoom, "!liaison help", "Details of one command"); base > normal {
		t.Fatalf("help took %s with nothing else going on", base)
	}

	// A 15 s model call for polish in the WG room.
	docs.Store(docsPass)
	model.Set(llmfake.Slow, "Dear SG15, please review RFC 8795.")
	model.SetDelay(15 * time.Second)
	start := time.Now()
	say(t, w.Chair, w.WGRoom, "!liaison polish D1")
	time.Sleep(500 * time.Millisecond) // the polish is being handled
	if d := roundTrip(t, w, w.CoordRoom, "!liaison help", "Details of one command"); d > normal {
		t.Errorf("help in another room took %s while a model call was running (want < %s)", d, normal)
	}
	testenv.Eventually(t, 10*time.Second, func() bool { return countNotices(t, w.Chair, w.WGRoom, w.Bot.ID, "Working on it") == 1 },
		"polish was not acknowledged at once")
	testenv.Eventually(t, 60*time.Second, func() bool { return countNotices(t, w.Chair, w.WGRoom, w.Bot.ID, "Proposed body for draft D1") == 1 },
		"the polish proposal was not delivered")
	if d := time.Since(start); d < 15*time.Second {
		t.Errorf("the proposal came after %s, before the model answered: the test did not exercise a slow model", d)
	}

	// Both document look-ups of show D2 hang 25 s.
	docs.Store(docsHang)
	shown := countNotices(t, w.Chair, w.WGRoom, w.Bot.ID, "Topology 2")
	start = time.Now()
	say(t, w.Chair, w.WGRoom, "!liaison show D2")
	time.Sleep(500 * time.Millisecond)
	if d := roundTrip(t, w, w.CoordRoom, "!liaison help", "Details of one command"); d > normal {
		t.Errorf("help in another room took %s while document look-ups hung (want < %s)", d, normal)
	}
	testenv.Eventually(t, 90*time.Second, func() bool { return countNotices(t, w.Chair, w.WGRoom, w.Bot.ID, "Topology 2") > shown },
		"show D2 was not answered")
	if d := time.Since(start); d < docHang {
		t.Errorf("show D2 answered after %s: the look-ups did not hang", d)
	}
}
