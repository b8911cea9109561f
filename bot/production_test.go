package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"maunium.net/go/mautrix/event"

	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// readyz fetches /readyz: whether ready, and the failing checks.
func readyz(t *testing.T, url string) (bool, map[string]string) {
	t.Helper()
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		return false, map[string]string{"http": err.Error()}
	}
	defer resp.Body.Close()
	var body struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Ready != (resp.StatusCode == http.StatusOK) {
		t.Errorf("/readyz status %d but ready=%v", resp.StatusCode, body.Ready)
	}
	return body.Ready, body.Checks
}

// /readyz follows the database and the homeserver: unready while either
// is away, ready again after, by itself. /healthz stays up throughout.
func TestReadyzFollowsDatabaseAndHomeserver(t *testing.T) {
	w := newAnnounceWorld(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	start(t, w.config(t, w.cfg(t)), func(b *Bot) {
		b.PollInterval = pollFast
		b.HTTPListener = ln
		b.LeaderCheck = 500 * time.Millisecond
		b.LeaderRetry = 500 * time.Millisecond
	})
	isReady := func() bool { ok, _ := readyz(t, url); return ok }
	testenv.Eventually(t, 30*time.Second, isReady, "never ready")

	// The homeserver goes away.
	w.HS.Stop()
	testenv.Eventually(t, 60*time.Second, func() bool {
		ok, checks := readyz(t, url)
		return !ok && checks["chat"] != "ok"
	}, "still ready with the homeserver down")
	if err := w.HS.Start(); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 90*time.Second, isReady, "not ready again after the homeserver came back")

	// The database goes away: no new connections, existing ones dropped.
	ctx := context.Background()
	acfg, err := pgx.ParseConfig(w.DSN)
	if err != nil {
		t.Fatal(err)
	}
	db := acfg.Database
	acfg.Database = "postgres"
	admin, err := pgx.ConnectConfig(ctx, acfg)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	exec := func(sql string) {
		t.Helper()
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec(fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS false`, db))
	exec(fmt.Sprintf(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'`, db))
	testenv.Eventually(t, 30*time.Second, func() bool {
		ok, checks := readyz(t, url)
		return !ok && checks["database"] != "ok"
	}, "still ready with the database away")
	if resp, err := http.Get(url + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz not ok while the database is away: %v", err)
	} else {
		resp.Body.Close()
	}
	exec(fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS true`, db))
	testenv.Eventually(t, 60*time.Second, isReady, "not ready again after the database came back")

	// And it still works: a new statement is announced.
	ls := w.post("after the outages")
	w.waitAnnounced(t, ls)
}

// Two bot processes on one database and one homeserver: one leads (polls),
// both deliver from the outbox, and nothing is announced twice — also
// when the leader goes away and the other takes over.
func TestTwoReplicasAnnounceOnce(t *testing.T) {
	w := newAnnounceWorld(t)
	fast := func(b *Bot) {
		b.PollInterval = pollFast
		b.LeaderCheck = 300 * time.Millisecond
		b.LeaderRetry = 300 * time.Millisecond
	}
	cfg := w.config(t, w.cfg(t))
	a := start(t, cfg, fast)
	testenv.Eventually(t, 30*time.Second, func() bool { return a.Bot.Leading() }, "first replica never led")
	testenv.Eventually(t, waitAnnnce, func() bool { n, _ := a.Bot.Store.CountStatements(t.Context()); return n == 3 }, "no backfill")
	b := start(t, cfg, fast)
	var ids []int64
	for i := range 5 {
		ids = append(ids, w.post(fmt.Sprintf("statement %d with two replicas", i)))
	}
	for _, ls := range ids {
		w.waitAnnounced(t, ls)
	}
	if b.Bot.Leading() {
		t.Errorf("both replicas lead")
	}
	// The leader stops; the other takes over and announces what follows.
	a.stop()
	testenv.Eventually(t, 30*time.Second, func() bool { return b.Bot.Leading() }, "second replica did not take over")
	for i := range 3 {
		ids = append(ids, w.post(fmt.Sprintf("after fail-over %d", i)))
	}
	for _, ls := range ids[5:] {
		w.waitAnnounced(t, ls)
	}
	time.Sleep(time.Second)
	w.assertOnce(t, ids...)
}

// PostgreSQL restarts under the bot (every session cut, down for a few
// seconds): the bot recovers by itself — the leader lock is taken again,
// commands are answered and statements announced, nothing twice.
func TestPostgresRestartRecovers(t *testing.T) {
	pg := testenv.PrivatePostgres(t)
	w := newAnnounceWorld(t)
	w.DSN = pg.DSN()
	r := start(t, w.config(t, w.cfg(t)), func(b *Bot) {
		b.PollInterval = pollFast
		b.LeaderCheck = 300 * time.Millisecond
		b.LeaderRetry = 300 * time.Millisecond
	})
	testenv.Eventually(t, waitAnnnce, func() bool { n, _ := r.Bot.Store.CountStatements(t.Context()); return n == 3 }, "no backfill")
	first := w.post("before the database restart")
	w.waitAnnounced(t, first)

	pg.Restart(t, 3*time.Second)
	second := w.post("after the database restart")
	say(t, w.Chair, w.WGRoom, "!liaison whoami")
	w.waitAnnounced(t, second)
	testenv.Eventually(t, 60*time.Second, func() bool {
		return countNotices(t, w.Chair, w.WGRoom, w.Bot.ID, "You are ") == 1
	}, "command after the database restart not answered")
	testenv.Eventually(t, 30*time.Second, r.Bot.Leading, "leadership not regained")
	time.Sleep(time.Second)
	w.assertOnce(t, first, second)
	if n := countNotices(t, w.Chair, w.WGRoom, w.Bot.ID, "You are "); n != 1 {
		t.Errorf("command answered %d times", n)
	}
}

// faultyProxy stands between the bot and the real homeserver and injects
// faults: 429 with Retry-After on sends, 502 on everything.
type faultyProxy struct {
	mode   atomic.Value // "", "429", "502"
	faults atomic.Int64
	srv    *httptest.Server
}

func newFaultyProxy(t *testing.T, target string) *faultyProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultyProxy{}
	p.mode.Store("")
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p.mode.Load().(string) {
		case "429":
			if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/send/") {
				p.faults.Add(1)
				w.Header().Set("Retry-After", "1")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				w.Write([]byte(`{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":1000}`))
				return
			}
		case "502":
			p.faults.Add(1)
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// The homeserver answers 429 with Retry-After, then 502, then is down for
// a minute: every announcement is delivered after recovery, once.
func TestHomeserverFaultsDeliverEverythingOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute-long outage")
	}
	w := newAnnounceWorld(t)
	proxy := newFaultyProxy(t, w.HS.URL())
	cfg := w.config(t, w.cfg(t))
	cfg.Matrix.Homeserver = proxy.srv.URL
	r := start(t, cfg, func(b *Bot) { b.PollInterval = pollFast })
	testenv.Eventually(t, waitAnnnce, func() bool { n, _ := r.Bot.Store.CountStatements(t.Context()); return n == 3 }, "no backfill")
	testenv.Eventually(t, 30*time.Second, func() bool { return membership(t, w.Chair, w.WGRoom, w.Bot.ID) == event.MembershipJoin }, "not joined")

	var ids []int64
	for _, mode := range []string{"429", "502"} {
		proxy.mode.Store(mode)
		before := proxy.faults.Load()
		for i := range 3 {
			ids = append(ids, w.post(fmt.Sprintf("during %s %d", mode, i)))
		}
		testenv.Eventually(t, 30*time.Second, func() bool { return proxy.faults.Load() > before+2 }, "no %s injected", mode)
		time.Sleep(2 * time.Second)
		proxy.mode.Store("")
		for _, ls := range ids[len(ids)-3:] {
			w.waitAnnounced(t, ls)
		}
	}

	// Down for a minute.
	w.HS.Stop()
	for i := range 3 {
		ids = append(ids, w.post(fmt.Sprintf("while down %d", i)))
	}
	time.Sleep(time.Minute)
	if err := w.HS.Start(); err != nil {
		t.Fatal(err)
	}
	for _, ls := range ids[6:] {
		testenv.Eventually(t, 2*time.Minute, func() bool {
			return w.count(t, w.WGRoom, ls) >= 1 && w.count(t, w.CoordRoom, ls) >= 1
		}, "LS %d not delivered after the homeserver came back", ls)
	}
	time.Sleep(2 * time.Second)
	w.assertOnce(t, ids...)
}
