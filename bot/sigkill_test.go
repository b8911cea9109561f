package bot

import (
	"context"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// Issue 8 point 5, first sentence: the bot is killed with SIGKILL at random
// points during a run of 50 announcements and 20 reminders, 20 times: no
// duplicate, nothing missing.
//
// The real binary runs as a child process against a real Dendrite (behind
// txnProxy, which gives it the spec's transaction-ID idempotency that
// Dendrite loses when a client dies mid-request), a real PostgreSQL and
// the fake Datatracker. Statements are posted in batches before each start
// (and now and then during a run, for the next run's poll), so each
// process has polling, announcing, reminding and sending to do when it is
// killed 100–1500 ms after it started. After the 20th kill the bot runs to
// the end, and the rooms' timelines (read through the homeserver as a
// user) must hold every announcement exactly once per room and every
// reminder exactly once per statement.
//
// Reproduce a failure with LIAISONBOT_SIGKILL_SEED=<seed from the log>; on
// failure the bot's and Dendrite's logs are kept in $TMPDIR.
const (
	sigkillInfo    = 50
	sigkillAction  = 20
	sigkillKills   = 20
	sigkillMinLife = 100 * time.Millisecond
	sigkillMaxLife = 1500 * time.Millisecond
	// sigkillE2EEMaxLife is the longest life in encrypted rooms.
	sigkillE2EEMaxLife = 3 * time.Second
	// txnProxyLatency is the added latency of a send (see txnProxy).
	txnProxyLatency = 50 * time.Millisecond
)

func TestSIGKILLNoDuplicateNothingMissing(t *testing.T) {
	runSigkill(t, false)
}

// Issue 17, the same in encrypted rooms: both rooms have encryption on
// before the bot joins, and a chair whose client encrypts (mautrix-go's
// cryptohelper, as Element) sends commands into them before and during the
// runs, some of them under a session whose key reaches the bot only later
// (it waits for it across kills). What the chair observes must hold: every announcement, reminder
// and command answer is in the room exactly once, every one of the bot's
// events decrypts on the chair's device (a Megolm message index used twice
// would not: the client rejects the second event as a replay), and the bot
// sends nothing in the clear there.
func TestSIGKILLEncryptedRooms(t *testing.T) {
	runSigkill(t, true)
}

// sigkillCommands is how many commands the chair sends in the encrypted
// variant (spread over the runs, some while the bot is down).
const sigkillCommands = 30

// sigkillCmdBase numbers the commands: "show <base+k>" asks for a
// statement that does not exist, so each answer names its command.
const sigkillCmdBase = 900000

var cmdAnswerRE = regexp.MustCompile(`LS (9\d{5}) is not in the bot's mirror`)

func runSigkill(t *testing.T, encrypted bool) {
	if testing.Short() {
		t.Skip("builds the binary and kills it 20 times")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LIAISONBOT_SIGKILL_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("LIAISONBOT_SIGKILL_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (rerun with LIAISONBOT_SIGKILL_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))

	bin := buildLiaisonbot(t)
	// Dendrite on PostgreSQL: on SQLite it can wedge when many sends are
	// cut off mid-way (see testenv.WithPostgres).
	w := newAnnounceWorld(t, testenv.WithPostgres(testenv.Postgres(t)))
	var person *sigkillPerson
	if encrypted {
		person = newSigkillPerson(t, w)
	}
	proxy := newTxnProxy(t, w.HS.URL())
	homeserver := proxy.URL
	if os.Getenv("LIAISONBOT_SIGKILL_DIRECT") != "" {
		// Straight to Dendrite: shows its own gaps (see txnProxy).
		homeserver = w.HS.URL()
	}
	dir := t.TempDir()
	cfgPath := writeBinaryConfig(t, w, homeserver, "debug", dir)
	logPath := filepath.Join(dir, "bot.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	name := "sigkill"
	if encrypted {
		name = "sigkill-e2ee"
	}
	var proc *exec.Cmd
	t.Cleanup(func() {
		if proc != nil {
			stopGracefully(proc)
		}
		logFile.Close()
		if t.Failed() {
			// Keep the bot's log (all runs) beyond the test's temp dir.
			keep := filepath.Join(os.TempDir(), fmt.Sprintf("liaisonbot-%s-%d.log", name, seed))
			if b, err := os.ReadFile(logPath); err == nil && os.WriteFile(keep, b, 0o600) == nil {
				t.Logf("the bot's log of all runs: %s", keep)
			}
			keep = filepath.Join(os.TempDir(), fmt.Sprintf("liaisonbot-%s-%d-dendrite.log", name, seed))
			if b, err := os.ReadFile(w.HS.LogPath()); err == nil && os.WriteFile(keep, b, 0o600) == nil {
				t.Logf("Dendrite's log: %s", keep)
			}
		}
	})
	runs := 0
	startBot := func() *exec.Cmd {
		t.Helper()
		runs++
		fmt.Fprintf(logFile, "===== start %d at %s\n", runs, time.Now().Format(time.RFC3339Nano))
		cmd := exec.Command(bin, "run", "-config", cfgPath)
		cmd.Env = envWithoutLiaisonbot()
		if encrypted {
			cmd.Env = append(cmd.Env, "LIAISONBOT_MATRIX_PICKLE_KEY=sigkill pickle key")
		}
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	kill := func(cmd *exec.Cmd) {
		t.Helper()
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Logf("SIGKILL: %v (the process had already ended)", err)
		}
		err := cmd.Wait()
		fmt.Fprintf(logFile, "===== killed (%v) at %s\n", err, time.Now().Format(time.RFC3339Nano))
		if cmd.ProcessState != nil && cmd.ProcessState.Exited() {
			t.Fatalf("the bot exited by itself (code %d) instead of being killed; see the log", cmd.ProcessState.ExitCode())
		}
	}

	st, err := store.Open(t.Context(), w.DSN, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)

	// The first run backfills the fixtures silently and joins the rooms;
	// everything after is new.
	proc = startBot()
	waitBinaryReady(t, st, w)
	if encrypted {
		// The first sync ever treats what is already in the rooms as
		// history (NOTES §1.3); the chair's commands must come after it.
		testenv.Eventually(t, 60*time.Second, func() bool {
			var n int
			err := st.Pool.QueryRow(t.Context(), `SELECT count(*) FROM transport_state WHERE key = $1 AND value <> ''`,
				"matrix."+w.Bot.ID.String()+".next_batch").Scan(&n)
			return err == nil && n == 1
		}, "the bot did not complete its first sync")
		// The bot's device is known once its keys are uploaded; the
		// chair's client shares its room keys with it from then on.
		person.waitBotDevice(t)
	}
	kill(proc)
	proc = nil

	// The statements, For Action ones mixed among the others. The deadline
	// is a week ahead in the Datatracker's zone: the one-week rung is due
	// (a catch-up tick sends exactly one reminder per statement).
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	y, m, d := time.Now().In(la).Date()
	deadline := time.Date(y, m, d+7, 0, 0, 0, 0, time.UTC)
	action := make([]bool, sigkillInfo+sigkillAction)
	for i := range sigkillAction {
		action[i] = true
	}
	rng.Shuffle(len(action), func(i, j int) { action[i], action[j] = action[j], action[i] })
	var infoIDs, actionIDs []int64
	posted := 0
	post := func(n int) {
		for ; n > 0 && posted < len(action); n-- {
			k := posted
			posted++
			title := fmt.Sprintf("SIGKILL run statement %d", k)
			if !action[k] {
				infoIDs = append(infoIDs, w.post(title))
				continue
			}
			ls := w.DT.AddStatement(datatracker.Statement{
				Title: title, FromGroups: []int64{groupSG15}, ToGroups: []int64{groupTEAS},
				FromContact: "Rapporteur <rapporteur@example.org>", ToContacts: "teas-chairs@ietf.org",
				ResponseContacts: "sg15-reply@example.org", Purpose: "action",
				Deadline: deadline.Format(time.DateOnly), DeadlineDate: &deadline,
				Body: "Body of " + title,
			})
			w.DT.Post(ls)
			actionIDs = append(actionIDs, ls)
		}
	}
	// The chair's commands (encrypted variant), alternating between the
	// two rooms. Every fifth one's room key reaches the bot only once it
	// has set the command aside to wait for it (seen at a later batch of
	// commands), or after the last start: it waits across kills.
	var commands []int64
	command := func(n int) {
		if !encrypted {
			return
		}
		person.forwardKeys(t, st, false)
		for ; n > 0 && len(commands) < sigkillCommands; n-- {
			k := sigkillCmdBase + int64(len(commands))
			room := w.WGRoom
			if len(commands)%2 == 1 {
				room = w.CoordRoom
			}
			text := fmt.Sprintf("!liaison show %d", k)
			if len(commands)%5 == 3 {
				person.sendLateKey(t, room, text)
			} else {
				person.send(t, room, text)
			}
			commands = append(commands, k)
		}
	}

	// 20 runs, each killed at a random moment; a batch of statements is
	// posted before each start (the run's first poll picks it up) and
	// sometimes another while it runs (the next run's poll does).
	// progress: statements mirrored, messages queued and sent.
	progress := func() [3]int {
		var p [3]int
		p[0], _ = st.CountStatements(t.Context())
		if err := st.Pool.QueryRow(t.Context(), `SELECT count(*), count(sent_at) FROM outbox`).Scan(&p[1], &p[2]); err != nil {
			t.Fatal(err)
		}
		return p
	}
	maxLife := sigkillMaxLife
	if encrypted {
		// Starting takes a second longer (the crypto store is opened and
		// the device keys checked before the first send or sync).
		maxLife = sigkillE2EEMaxLife
	}
	midWork := 0
	start := time.Now()
	for k := 1; k <= sigkillKills; k++ {
		left := len(action) - posted
		batch := left
		if k < sigkillKills {
			batch = min(left, rng.IntN(2*left/(sigkillKills-k+1)+2))
		}
		mid := 0
		if batch > 1 && rng.IntN(3) == 0 {
			mid = rng.IntN(batch)
		}
		// Commands: some sent while the bot is down, some while it runs
		// (no draws in the plain variant, so its seeds replay as before).
		cmdBatch, cmdMid := 0, 0
		if encrypted {
			cmdLeft := sigkillCommands - len(commands)
			cmdBatch = cmdLeft
			if k < sigkillKills {
				cmdBatch = min(cmdLeft, rng.IntN(2*cmdLeft/(sigkillKills-k+1)+2))
			}
			cmdMid = rng.IntN(cmdBatch + 1)
		}
		post(batch - mid)
		command(cmdBatch - cmdMid)
		life := sigkillMinLife + time.Duration(rng.Int64N(int64(maxLife-sigkillMinLife)))
		before := progress()
		proc = startBot()
		if mid > 0 || cmdMid > 0 {
			time.Sleep(life / 2)
			post(mid)
			command(cmdMid)
			time.Sleep(life - life/2)
		} else {
			time.Sleep(life)
		}
		kill(proc)
		proc = nil
		after := progress()
		// Killed mid-work: the run did some of the work and left some.
		did := after != before
		unfinished := after[0] < 3+posted || after[2] < after[1]
		if did && unfinished {
			midWork++
		}
		t.Logf("run %d: %d statements posted (%d so far), %d commands sent (%d so far), killed after %s; mirrored %d→%d, queued %d→%d, sent %d→%d",
			k, batch, posted, cmdBatch, len(commands), life, before[0], after[0], before[1], after[1], before[2], after[2])
	}
	t.Logf("%d of %d kills landed with work done and work left in that run; %d sends were in flight when their bot died",
		midWork, sigkillKills, proxy.orphans.Load())
	if midWork < 4 {
		t.Errorf("only %d kills landed while the bot was working: the test no longer kills it mid-work (slower start-up?)", midWork)
	}
	if posted != len(action) {
		t.Fatalf("posted %d statements, want %d", posted, len(action))
	}
	if encrypted && len(commands) != sigkillCommands {
		t.Fatalf("sent %d commands, want %d", len(commands), sigkillCommands)
	}

	counts := func() map[string]map[int64]int {
		if encrypted {
			return person.counts(t, w)
		}
		return sigkillCounts(t, w)
	}
	// The last run finishes the work.
	proc = startBot()
	if encrypted {
		person.forwardKeys(t, st, true)
	}
	// missing names the first thing not delivered yet ("" when all is).
	missing := func(counts map[string]map[int64]int) string {
		for _, ls := range append(append([]int64{}, infoIDs...), actionIDs...) {
			if counts["wg-ann"][ls] < 1 || counts["coord-ann"][ls] < 1 {
				return fmt.Sprintf("announcement of LS %d", ls)
			}
		}
		for _, ls := range actionIDs {
			if counts["wg-rem"][ls] < 1 {
				return fmt.Sprintf("reminder of LS %d", ls)
			}
		}
		for i, k := range commands {
			room := "wg"
			if i%2 == 1 {
				room = "coord"
			}
			if counts[room+"-cmd"][k] < 1 {
				return fmt.Sprintf("answer to command show %d in %s", k, room)
			}
		}
		if n := counts["undecryptable"][0]; n > 0 {
			return fmt.Sprintf("%d of the bot's events not decrypting on the chair's device", n)
		}
		return ""
	}
	lastMissing := ""
	func() {
		defer func() {
			if lastMissing != "" {
				t.Logf("still missing: %s", lastMissing)
			}
		}()
		testenv.Eventually(t, 150*time.Second, func() bool {
			if lastMissing != "" && encrypted {
				time.Sleep(time.Second) // each look decrypts both timelines
			}
			lastMissing = missing(counts())
			return lastMissing == ""
		}, "not everything was delivered after the last restart")
	}()
	// Then let the outbox empty and give a late duplicate time to show up.
	testenv.Eventually(t, 60*time.Second, func() bool {
		n, err := st.OutboxPending(t.Context(), "matrix")
		return err == nil && n == 0
	}, "the outbox did not empty")
	time.Sleep(3 * time.Second)
	t.Logf("%d kills, then the last run delivered everything %s after the first kill", sigkillKills, time.Since(start).Round(time.Millisecond))

	c := counts()
	for _, ls := range append(append([]int64{}, infoIDs...), actionIDs...) {
		if n := c["wg-ann"][ls]; n != 1 {
			t.Errorf("LS %d announced %d times in the WG room", ls, n)
		}
		if n := c["coord-ann"][ls]; n != 1 {
			t.Errorf("LS %d announced %d times in the coordination room", ls, n)
		}
	}
	for _, ls := range actionIDs {
		if n := c["wg-rem"][ls]; n != 1 {
			t.Errorf("LS %d reminded %d times in the WG room", ls, n)
		}
	}
	for _, ls := range infoIDs {
		if n := c["wg-rem"][ls] + c["coord-rem"][ls]; n != 0 {
			t.Errorf("For Information LS %d was reminded %d times", ls, n)
		}
	}
	for _, ls := range actionIDs {
		if n := c["coord-rem"][ls]; n != 0 {
			t.Errorf("LS %d (not overdue, its group has a room) reminded %d times in the coordination room", ls, n)
		}
	}
	for _, old := range []int64{2041, 2042, 2043} {
		if n := c["wg-ann"][old] + c["coord-ann"][old]; n != 0 {
			t.Errorf("backfilled LS %d was announced %d times", old, n)
		}
	}
	if c["other"][0] != 0 {
		t.Errorf("%d other notices from the bot", c["other"][0])
	}
	if encrypted {
		for i, k := range commands {
			room, other := "wg", "coord"
			if i%2 == 1 {
				room, other = "coord", "wg"
			}
			if n := c[room+"-cmd"][k]; n != 1 {
				t.Errorf("command show %d answered %d times in its room (%s)", k, n, room)
			}
			if n := c[other+"-cmd"][k]; n != 0 {
				t.Errorf("command show %d answered %d times in the other room", k, n)
			}
		}
		if n := c["undecryptable"][0]; n != 0 {
			t.Errorf("%d of the bot's events do not decrypt on the chair's device", n)
		}
		if n := c["plaintext"][0]; n != 0 {
			t.Errorf("%d of the bot's messages were sent unencrypted into an encrypted room", n)
		}
		t.Logf("the chair's device decrypted %d of the bot's events", c["decrypted"][0])
		if person.parkedThenKeyed == 0 {
			t.Errorf("no late-key command was waiting for its key when the key was sent: the test no longer shows events decrypted after their keys arrive")
		}
		t.Logf("%d late-key commands were waiting for their key when it was sent", person.parkedThenKeyed)
	}
}

// sigkillPerson is the chair with an encrypting client (its own device),
// in the encrypted variant.
type sigkillPerson struct {
	w         *announceWorld
	cc        *testenv.CryptoClient
	botDevice id.DeviceID
	// late are the sessions of commands whose key the bot has not got.
	late []lateKey
	// parkedThenKeyed counts late-key commands the bot had set aside to
	// wait for their key before it was sent.
	parkedThenKeyed int
}

type lateKey struct {
	room    id.RoomID
	session id.SessionID
	event   id.EventID
}

// newSigkillPerson turns encryption on in both rooms (before the bot
// joins) and starts the chair's encrypting client.
func newSigkillPerson(t *testing.T, w *announceWorld) *sigkillPerson {
	t.Helper()
	ctx := t.Context()
	for _, room := range []id.RoomID{w.WGRoom, w.CoordRoom} {
		if _, err := w.Chair.SendStateEvent(ctx, room, event.StateEncryption, "",
			&event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}); err != nil {
			t.Fatal(err)
		}
	}
	cc := w.HS.CryptoClient(t, testenv.User{ID: w.Chair.UserID, Localpart: "chair", AccessToken: w.Chair.AccessToken, DeviceID: w.Chair.DeviceID})
	testenv.Eventually(t, 30*time.Second, func() bool {
		for _, room := range []id.RoomID{w.WGRoom, w.CoordRoom} {
			if enc, err := cc.StateStore.IsEncrypted(ctx, room); err != nil || !enc {
				return false
			}
		}
		return true
	}, "the chair's client does not know the rooms are encrypted")
	return &sigkillPerson{w: w, cc: cc}
}

// waitBotDevice waits until the chair's client sees the bot's device keys
// (so the first command's room key is shared with it).
func (p *sigkillPerson) waitBotDevice(t *testing.T) {
	t.Helper()
	testenv.Eventually(t, 30*time.Second, func() bool {
		resp, err := p.cc.QueryKeys(t.Context(), &mautrix.ReqQueryKeys{DeviceKeys: mautrix.DeviceKeysRequest{p.w.Bot.ID: {}}})
		if err != nil || len(resp.DeviceKeys[p.w.Bot.ID]) != 1 {
			return false
		}
		for dev := range resp.DeviceKeys[p.w.Bot.ID] {
			p.botDevice = dev
		}
		return true
	}, "the bot's device keys were not uploaded")
}

// sendLateKey sends an encrypted command under a new session shared with
// the chair's own device only (as TestIntegrationE2EEKeysArriveLater);
// forwardKeys gives the bot the key later. The next command starts a new
// session shared with everyone.
func (p *sigkillPerson) sendLateKey(t *testing.T, room id.RoomID, text string) {
	t.Helper()
	ctx := t.Context()
	mach := p.cc.Helper.Machine()
	if err := mach.CryptoStore.RemoveOutboundGroupSession(ctx, room); err != nil {
		t.Fatal(err)
	}
	if err := mach.ShareGroupSession(ctx, room, []id.UserID{p.w.Chair.UserID}); err != nil {
		t.Fatal(err)
	}
	enc, err := mach.EncryptMegolmEvent(ctx, room, event.EventMessage, &event.MessageEventContent{MsgType: event.MsgText, Body: text})
	if err != nil {
		t.Fatal(err)
	}
	evt := p.sendEncrypted(t, room, enc, text)
	if err := mach.CryptoStore.RemoveOutboundGroupSession(ctx, room); err != nil {
		t.Fatal(err)
	}
	p.late = append(p.late, lateKey{room: room, session: enc.SessionID, event: evt})
}

// forwardKeys sends the bot the keys (m.forwarded_room_key, exported from
// the first message index) of the late-key commands it has set aside to
// wait for their key (its list in the KV), or of all when all is set.
func (p *sigkillPerson) forwardKeys(t *testing.T, st *store.Store, all bool) {
	t.Helper()
	if len(p.late) == 0 {
		return
	}
	ctx := t.Context()
	var parked string
	if err := st.Pool.QueryRow(ctx, `SELECT coalesce(max(value), '') FROM transport_state WHERE key = $1`,
		"matrix."+p.w.Bot.ID.String()+".undecrypted").Scan(&parked); err != nil {
		t.Fatal(err)
	}
	mach := p.cc.Helper.Machine()
	dev, err := mach.GetOrFetchDevice(ctx, p.w.Bot.ID, p.botDevice)
	if err != nil {
		t.Fatal(err)
	}
	own := mach.OwnIdentity()
	var keep []lateKey
	for _, l := range p.late {
		waiting := strings.Contains(parked, string(l.event))
		if !waiting && !all {
			keep = append(keep, l)
			continue
		}
		if waiting {
			p.parkedThenKeyed++
		}
		sess, err := mach.CryptoStore.GetGroupSession(ctx, l.room, l.session)
		if err != nil || sess == nil {
			t.Fatalf("the chair's own session %s: %v %v", l.session, sess, err)
		}
		key, err := sess.Internal.Export(0)
		if err != nil {
			t.Fatal(err)
		}
		fwd := &event.ForwardedRoomKeyEventContent{
			RoomKeyEventContent: event.RoomKeyEventContent{Algorithm: id.AlgorithmMegolmV1, RoomID: l.room, SessionID: l.session, SessionKey: string(key)},
			SenderKey:           own.IdentityKey,
			SenderClaimedKey:    own.SigningKey,
			ForwardingKeyChain:  []string{},
		}
		if err := mach.SendEncryptedToDevice(ctx, dev, event.ToDeviceForwardedRoomKey, event.Content{Parsed: fwd}); err != nil {
			t.Fatal(err)
		}
	}
	p.late = keep
}

// send sends an encrypted command as Element does (the session is shared
// with every member's devices first).
func (p *sigkillPerson) send(t *testing.T, room id.RoomID, text string) {
	t.Helper()
	ctx := t.Context()
	enc, err := p.cc.Helper.Encrypt(ctx, room, event.EventMessage, &event.MessageEventContent{MsgType: event.MsgText, Body: text})
	if err != nil {
		t.Fatalf("encrypting %q: %v", text, err)
	}
	p.sendEncrypted(t, room, enc, text)
}

// sendEncrypted sends an encrypted event (Dendrite's now-and-then 500
// under load is asked again, with the same transaction ID).
func (p *sigkillPerson) sendEncrypted(t *testing.T, room id.RoomID, enc *event.EncryptedEventContent, text string) id.EventID {
	t.Helper()
	ctx := t.Context()
	txn := p.cc.TxnID()
	for attempt := 0; ; attempt++ {
		resp, err := p.cc.SendMessageEvent(ctx, room, event.EventEncrypted, enc, mautrix.ReqSendEvent{TransactionID: txn})
		if err == nil {
			return resp.EventID
		}
		if attempt == 10 {
			t.Fatalf("sending %q: %v", text, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// counts reads both rooms' timelines through the homeserver as the chair
// and decrypts the bot's events on the chair's device: announcements,
// reminders and command answers per statement or command, as
// sigkillCounts, plus "undecryptable" (the bot's encrypted events the
// device cannot read), "plaintext" (the bot's messages sent in the clear)
// and "decrypted".
func (p *sigkillPerson) counts(t *testing.T, w *announceWorld) map[string]map[int64]int {
	t.Helper()
	out := map[string]map[int64]int{"wg-ann": {}, "coord-ann": {}, "wg-rem": {}, "coord-rem": {}, "wg-cmd": {}, "coord-cmd": {},
		"other": {}, "undecryptable": {}, "plaintext": {}, "decrypted": {}}
	for _, r := range []struct {
		name string
		room id.RoomID
	}{{"wg", w.WGRoom}, {"coord", w.CoordRoom}} {
		for _, evt := range allBotEvents(t, w.Chair, r.room, w.Bot.ID) {
			switch evt.Type {
			case event.EventMessage:
				out["plaintext"][0]++
				continue
			case event.EventEncrypted:
			default:
				continue
			}
			evt.RoomID = r.room
			if err := evt.Content.ParseRaw(evt.Type); err != nil {
				out["undecryptable"][0]++
				continue
			}
			dec, err := p.cc.Helper.Decrypt(t.Context(), evt)
			if err != nil {
				out["undecryptable"][0]++
				t.Logf("the bot's event %s in %s does not decrypt on the chair's device: %v", evt.ID, r.name, err)
				continue
			}
			out["decrypted"][0]++
			if dec.Type != event.EventMessage {
				continue
			}
			msg := dec.Content.AsMessage()
			if (msg.MsgType != event.MsgNotice && msg.MsgType != event.MsgText) || (msg.RelatesTo != nil && msg.RelatesTo.Type == event.RelReplace) {
				continue
			}
			if m := announcementRE.FindStringSubmatch(msg.Body); m != nil {
				ls, _ := strconv.ParseInt(m[1], 10, 64)
				out[r.name+"-ann"][ls]++
				continue
			}
			if m := reminderRE.FindStringSubmatch(msg.Body); m != nil {
				ls, _ := strconv.ParseInt(m[1], 10, 64)
				out[r.name+"-rem"][ls]++
				continue
			}
			if m := cmdAnswerRE.FindStringSubmatch(msg.Body); m != nil {
				k, _ := strconv.ParseInt(m[1], 10, 64)
				out[r.name+"-cmd"][k]++
				continue
			}
			out["other"][0]++
			t.Logf("other notice in %s: %.200q", r.name, msg.Body)
		}
	}
	return out
}

var (
	announcementRE = regexp.MustCompile(`New liaison statement LS (\d+)\D`)
	reminderRE     = regexp.MustCompile(`Deadline [^:\n]*: LS (\d+)\D`)
)

// sigkillCounts reads both rooms' timelines through the homeserver and
// counts the bot's announcements and reminders per statement.
func sigkillCounts(t *testing.T, w *announceWorld) map[string]map[int64]int {
	t.Helper()
	out := map[string]map[int64]int{"wg-ann": {}, "coord-ann": {}, "wg-rem": {}, "coord-rem": {}, "other": {}}
	for _, r := range []struct {
		name string
		room id.RoomID
	}{{"wg", w.WGRoom}, {"coord", w.CoordRoom}} {
		for _, body := range allNotices(t, w.Chair, r.room, w.Bot.ID) {
			if m := announcementRE.FindStringSubmatch(body); m != nil {
				ls, _ := strconv.ParseInt(m[1], 10, 64)
				out[r.name+"-ann"][ls]++
				continue
			}
			if m := reminderRE.FindStringSubmatch(body); m != nil {
				ls, _ := strconv.ParseInt(m[1], 10, 64)
				out[r.name+"-rem"][ls]++
				continue
			}
			out["other"][0]++
			t.Logf("other notice in %s: %.200q", r.name, body)
		}
	}
	return out
}

// allNotices pages through a whole room timeline (backwards) and returns
// the bodies of the bot's messages (notices and alerts).
func allNotices(t *testing.T, cli *mautrix.Client, room id.RoomID, bot id.UserID) []string {
	t.Helper()
	var out []string
	for _, evt := range allBotEvents(t, cli, room, bot) {
		if evt.Type != event.EventMessage {
			continue
		}
		_ = evt.Content.ParseRaw(evt.Type)
		// Quiet output is m.notice, an alert (a reminder) m.text;
		// an edit (m.replace) is not a message of its own.
		msg := evt.Content.AsMessage()
		if (msg.MsgType == event.MsgNotice || msg.MsgType == event.MsgText) && (msg.RelatesTo == nil || msg.RelatesTo.Type != event.RelReplace) {
			out = append(out, msg.Body)
		}
	}
	return out
}

// allBotEvents pages through a whole room timeline (backwards) and returns
// the bot's events; Dendrite's now-and-then 500 under load is asked again.
func allBotEvents(t *testing.T, cli *mautrix.Client, room id.RoomID, bot id.UserID) []*event.Event {
	t.Helper()
	var out []*event.Event
	from := ""
	for page := 0; page < 100; page++ {
		var resp *mautrix.RespMessages
		var err error
		for attempt := 0; attempt < 20; attempt++ {
			if resp, err = cli.Messages(context.Background(), room, from, "", mautrix.DirectionBackward, nil, 100); err == nil {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("reading %s: %v", room, err)
		}
		for _, evt := range resp.Chunk {
			if evt.Sender == bot {
				out = append(out, evt)
			}
		}
		if len(resp.Chunk) == 0 || resp.End == "" || resp.End == from {
			return out
		}
		from = resp.End
	}
	t.Fatalf("timeline of %s longer than 100 pages", room)
	return nil
}

// writeBinaryConfig writes the config of a bot process in the world (on
// homeserver, logging JSON at level) into dir and returns its path. The
// poll interval's floor is 10 s, longer than a process lives in these
// tests: each start polls once at once (the leader's first poll).
// Reminders tick every 2 s (plus the catch-up tick when leadership
// starts).
func writeBinaryConfig(t *testing.T, w *announceWorld, homeserver, level, dir string) string {
	t.Helper()
	cfg := fmt.Sprintf(`platform: matrix
database:
  url: %q
logging:
  level: %s
  format: json
matrix:
  homeserver: %q
  user_id: %q
  password: %q
http:
  listen: ""
reminders:
  schedule: "@every 2s"
  timezone: UTC
  deadline_timezone: America/Los_Angeles
`, w.DSN, level, homeserver, w.Bot.ID, w.Bot.Password) + w.cfg(t) + "  poll_interval: 10s\n"
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// buildLiaisonbot builds the real binary once for the test.
func buildLiaisonbot(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(t.TempDir(), "liaisonbot")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/liaisonbot")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// envWithoutLiaisonbot is the environment without LIAISONBOT_* variables,
// so only the test's config file configures the child.
func envWithoutLiaisonbot() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LIAISONBOT_") {
			env = append(env, kv)
		}
	}
	return env
}

// stopGracefully sends SIGTERM and waits, then SIGKILL.
func stopGracefully(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// txnProxy stands between the bot and Dendrite like a network: it answers
// each PUT txnProxyLatency after the homeserver did (Dendrite on the
// loopback answers in about 10 ms), so the sends of a run take long enough
// for the kills to land among them, many between the event's creation and
// the bot's recording of it. It counts sends whose client died while they
// were in flight. Requests are passed through untouched: when the client
// dies, Dendrite sees the connection close as it would across a network.
//
// Dendrite v0.15.2 stores an event whose /send request was cancelled
// without remembering its transaction ID, so a retried send with the same
// transaction ID would post a second event; the bot therefore asks the
// homeserver (chat.SentFinder) before re-sending an item whose earlier
// attempt had started. This test is what shows that works.
// LIAISONBOT_SIGKILL_DIRECT=1 runs the test without the proxy.
type txnProxy struct {
	URL string
	// orphans counts sends completed for a client that was gone.
	orphans atomic.Int64
}

func newTxnProxy(t *testing.T, target string) *txnProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &txnProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0)
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method == http.MethodPut {
			time.Sleep(txnProxyLatency)
		}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			rp.ServeHTTP(w, r)
			return
		}
		rp.ServeHTTP(w, r)
		if r.Context().Err() != nil {
			p.orphans.Add(1) // the client died while its send was in flight
		}
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}
