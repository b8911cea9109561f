package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// TestLoadIdleRSS: the resident memory of an idle `liaisonbot run` with
// 100 rooms (issue 8 point 8). The binary is LIAISONBOT_LOADTEST_BIN (make
// bench passes bin/liaisonbot) or built here.
func TestLoadIdleRSS(t *testing.T) {
	enabled(t)
	nRooms := envInt(t, "LIAISONBOT_LOADTEST_RSS_ROOMS", 100)
	n := envInt(t, "LIAISONBOT_LOADTEST_STATEMENTS", 10000)
	settle := envDur(t, "LIAISONBOT_LOADTEST_SETTLE", 15*time.Second)
	bin := os.Getenv("LIAISONBOT_LOADTEST_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "liaisonbot")
		out, err := exec.Command("go", "build", "-o", bin, "../../cmd/liaisonbot").CombinedOutput()
		if err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	w := newWorld(t, n)
	rooms := createRooms(t, w.Chair, nRooms, w.Bot.ID)
	cfgPath := w.writeConfig(t, rooms)
	logf, err := os.Create(filepath.Join(t.TempDir(), "bot.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, "run", "-config", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = os.Environ()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	w.waitJoined(t, rooms, 5*time.Minute)
	conn, err := pgx.Connect(context.Background(), w.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	testenv.Eventually(t, 5*time.Minute, func() bool {
		var c int
		err := conn.QueryRow(context.Background(), "SELECT count(*) FROM statement").Scan(&c)
		return err == nil && c == n
	}, "the bot did not backfill %d statements", n)
	ready := time.Since(start)
	time.Sleep(settle)
	select {
	case err := <-exited:
		t.Fatalf("the bot exited: %v (log %s)", err, logf.Name())
	default:
	}
	var rss []int
	hwm := 0
	for range 5 {
		st, err := procStatus(cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		rss = append(rss, st["VmRSS"])
		hwm = st["VmHWM"]
		time.Sleep(time.Second)
	}
	note := fmt.Sprintf("liaisonbot run (built binary), %d rooms, %d statements mirrored, %s idle after joining and backfill (%.0fs)", nRooms, n, settle, ready.Seconds())
	report(t, "idle_rss_mib", float64(slicesMax(rss))/1024, "MiB", note)
	report(t, "idle_rss_hwm_mib", float64(hwm)/1024, "MiB", "peak RSS (VmHWM) of the same process, backfill included")
}

// procStatus reads the kB fields of /proc/<pid>/status.
func procStatus(pid int) (map[string]int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fs := strings.Fields(v)
		if len(fs) == 2 && fs[1] == "kB" {
			if n, err := strconv.Atoi(fs[0]); err == nil {
				out[k] = n
			}
		}
	}
	return out, sc.Err()
}

func slicesMax(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
