package bot

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"

	"github.com/liaisonbot/liaisonbot/internal/datatracker"
	"github.com/liaisonbot/liaisonbot/internal/store"
	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// procWorld runs the real binary as separate processes on one database
// and one homeserver.
type procWorld struct {
	*announceWorld
	bin, cfgPath string
	st           *store.Store
	logs         *os.File
}

func newProcWorld(t *testing.T) *procWorld {
	t.Helper()
	w := &procWorld{announceWorld: newAnnounceWorld(t, testenv.WithPostgres(testenv.Postgres(t))), bin: buildLiaisonbot(t)}
	dir := t.TempDir()
	w.cfgPath = writeBinaryConfig(t, w.announceWorld, w.HS.URL(), "info", dir)
	var err error
	if w.logs, err = os.Create(filepath.Join(dir, "bots.log")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.logs.Close()
		if t.Failed() {
			b, _ := os.ReadFile(w.logs.Name())
			t.Logf("the bots' log:\n%s", tailBytes(b, 8000))
		}
	})
	if w.st, err = store.Open(t.Context(), w.DSN, 2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.st.Close)
	return w
}

func tailBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func (w *procWorld) start(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(w.bin, "run", "-config", w.cfgPath)
	cmd.Env = envWithoutLiaisonbot()
	cmd.Stdout, cmd.Stderr = w.logs, w.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			stopGracefully(cmd)
		}
	})
	return cmd
}

// waitBinaryReady waits until a bot process has backfilled the fixtures
// (seen in its database) and joined both rooms.
func waitBinaryReady(t *testing.T, st *store.Store, w *announceWorld) {
	t.Helper()
	testenv.Eventually(t, 60*time.Second, func() bool {
		n, _ := st.CountStatements(t.Context())
		_, done, _ := st.GetSyncState(t.Context(), store.CursorPostedEvents)
		return n == 3 && done
	}, "backfill did not load the fixtures")
	testenv.Eventually(t, 60*time.Second, func() bool {
		return membership(t, w.Chair, w.WGRoom, w.Bot.ID) == event.MembershipJoin &&
			membership(t, w.Chair, w.CoordRoom, w.Bot.ID) == event.MembershipJoin
	}, "the bot did not join the rooms")
}

// postAction posts a For Action statement to teas due in a week (in the
// Datatracker's zone), so the catch-up tick reminds it once.
func (w *procWorld) postAction(t *testing.T, title string) int64 {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	y, m, d := time.Now().In(la).Date()
	deadline := time.Date(y, m, d+7, 0, 0, 0, 0, time.UTC)
	ls := w.DT.AddStatement(datatracker.Statement{Title: title, FromGroups: []int64{groupSG15}, ToGroups: []int64{groupTEAS},
		FromContact: "Rapporteur <rapporteur@example.org>", ToContacts: "teas-chairs@ietf.org", Purpose: "action", Deadline: deadline.Format(time.DateOnly), DeadlineDate: &deadline,
		Body: "Please review."})
	w.DT.Post(ls)
	return ls
}

// Two bot processes on one database against the same homeserver: each
// statement is announced once per room and each reminder sent once.
func TestTwoProcessesNoDuplicates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	w := newProcWorld(t)
	first := w.start(t)
	waitBinaryReady(t, w.st, w.announceWorld)
	second := w.start(t)
	var info, action []int64
	for i := range 10 {
		info = append(info, w.post(fmt.Sprintf("two processes, info %d", i)))
		if i%2 == 0 {
			action = append(action, w.postAction(t, fmt.Sprintf("two processes, action %d", i)))
		}
	}
	// The leader polls every 10 s; stop it half-way so the other takes over.
	time.Sleep(4 * time.Second)
	stopGracefully(first)
	for i := range 4 {
		info = append(info, w.post(fmt.Sprintf("after the first stopped %d", i)))
	}
	all := append(append([]int64{}, info...), action...)
	testenv.Eventually(t, 90*time.Second, func() bool {
		c := sigkillCounts(t, w.announceWorld)
		for _, ls := range all {
			if c["wg-ann"][ls] == 0 || c["coord-ann"][ls] == 0 {
				return false
			}
		}
		for _, ls := range action {
			if c["wg-rem"][ls] == 0 {
				return false
			}
		}
		return true
	}, "not everything was delivered")
	time.Sleep(3 * time.Second)
	c := sigkillCounts(t, w.announceWorld)
	for _, ls := range all {
		if c["wg-ann"][ls] != 1 || c["coord-ann"][ls] != 1 {
			t.Errorf("LS %d announced %d times in the WG room and %d in the coordination room", ls, c["wg-ann"][ls], c["coord-ann"][ls])
		}
	}
	for _, ls := range action {
		if c["wg-rem"][ls] != 1 {
			t.Errorf("LS %d reminded %d times", ls, c["wg-rem"][ls])
		}
	}
	stopGracefully(second)
}

// SIGTERM: the process stops promptly with status 0, and every message it
// had queued was sent before or is still queued (nothing half-recorded).
func TestSIGTERMStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	w := newProcWorld(t)
	cmd := w.start(t)
	waitBinaryReady(t, w.st, w.announceWorld)
	for i := range 5 {
		w.post(fmt.Sprintf("before SIGTERM %d", i))
	}
	testenv.Eventually(t, 30*time.Second, func() bool {
		n, _ := w.st.OutboxPending(t.Context(), "matrix")
		var total int
		_ = w.st.Pool.QueryRow(t.Context(), `SELECT count(*) FROM outbox`).Scan(&total)
		return total > 0 && n < total // sending has begun
	}, "nothing queued")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("still running 40 s after SIGTERM")
	}
	// Every message marked sent is in the room exactly once; the rest go
	// out after a restart, once. Dendrite's sync API learns of a sent event
	// asynchronously, and the restarted leader may still have statements to
	// fetch, so wait until all five are visible in both rooms before
	// counting.
	w.start(t)
	var c map[string]map[int64]int
	testenv.Eventually(t, 90*time.Second, func() bool {
		if n, _ := w.st.OutboxPending(t.Context(), "matrix"); n != 0 {
			return false
		}
		c = sigkillCounts(t, w.announceWorld)
		return len(c["wg-ann"]) == 5 && len(c["coord-ann"]) == 5
	}, "not every statement announced in both rooms after the restart")
	time.Sleep(2 * time.Second)
	c = sigkillCounts(t, w.announceWorld)
	for _, room := range []string{"wg-ann", "coord-ann"} {
		for ls, n := range c[room] {
			if n != 1 {
				t.Errorf("%s: LS %d announced %d times", room, ls, n)
			}
		}
		if len(c[room]) != 5 {
			t.Errorf("%s: %d statements announced, want 5", room, len(c[room]))
		}
	}
}
