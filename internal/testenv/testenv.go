// Package testenv starts the real servers the tests run against: a
// PostgreSQL (one per test process, a fresh database per test) and Dendrite
// Matrix homeservers (a fresh one per call).
//
// Use it from a package's TestMain so that servers are stopped when the
// tests end:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// Environment:
//
//	LIAISONBOT_TEST_DATABASE_URL  DSN of an existing server's admin database
//	                              (make test sets it); otherwise a private
//	                              PostgreSQL is started per test process.
//	LIAISONBOT_DENDRITE_BIN       folder holding the Dendrite binaries;
//	                              default ${LIAISONBOT_CACHE:-<repo>/.cache}/bin,
//	                              built by scripts/build-dendrite.sh if missing.
//	LIAISONBOT_DENDRITE_LOG_LEVEL Dendrite's log level (default "info").
package testenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Main runs the tests, stops every server this package started and exits
// with the tests' status. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	stopAll()
	os.Exit(code)
}

// registry of running servers, so that Main can stop what tests left.
var registry struct {
	mu    sync.Mutex
	next  int
	stops map[int]func()
}

// register records stop and returns a function that forgets it again.
func register(stop func()) (forget func()) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.stops == nil {
		registry.stops = map[int]func(){}
	}
	id := registry.next
	registry.next++
	registry.stops[id] = stop
	return func() {
		registry.mu.Lock()
		defer registry.mu.Unlock()
		delete(registry.stops, id)
	}
}

// stopAll stops every registered server (in parallel: Dendrite takes a
// moment to stop) and then the shared PostgreSQL.
func stopAll() {
	registry.mu.Lock()
	stops := make([]func(), 0, len(registry.stops))
	for _, s := range registry.stops {
		stops = append(stops, s)
	}
	registry.stops = nil
	registry.mu.Unlock()

	var wg sync.WaitGroup
	for _, s := range stops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s()
		}()
	}
	wg.Wait()
	stopSharedPostgres()
}

// Eventually calls cond until it returns true and fails the test if it has
// not done so within timeout. msgAndArgs, if given, is a format string and
// its arguments describing what was awaited. Call it from the test's own
// goroutine (it calls t.Fatalf).
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, msgAndArgs ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	wait := 5 * time.Millisecond
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(wait)
		if wait < 100*time.Millisecond {
			wait *= 2
		}
	}
	if cond() { // one last look after the deadline
		return
	}
	msg := "condition not met"
	if len(msgAndArgs) > 0 {
		if format, ok := msgAndArgs[0].(string); ok {
			msg = fmt.Sprintf(format, msgAndArgs[1:]...)
		} else {
			msg = fmt.Sprintf("%v", msgAndArgs[0])
		}
	}
	t.Fatalf("testenv.Eventually: %s within %s", msg, timeout)
}

// freePort asks the kernel for a free TCP port on 127.0.0.1. Another process
// may take it before we use it; callers retry when a server fails to bind.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// repoRoot finds the repository root (the folder holding
// scripts/build-dendrite.sh) upwards from the working directory, which
// `go test` sets to the package folder.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "scripts", "build-dendrite.sh")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testenv: repository root (with scripts/build-dendrite.sh) not found above the working directory")
		}
		dir = parent
	}
}

// process is a child server process.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid after done
}

// startProcess starts cmd. The child gets killSig if this process dies
// without stopping it (Linux parent-death signal), so an aborted test run
// does not leave servers behind.
func startProcess(cmd *exec.Cmd, killSig syscall.Signal) (*process, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = killSig
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig, waits up to grace for the exit and kills the process
// after that.
func (p *process) stop(sig syscall.Signal, grace time.Duration) {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return
	case <-time.After(grace):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// serviceUser returns the credentials to run PostgreSQL with: as root, the
// postgres user (PostgreSQL refuses to run as root); otherwise nil (run as
// ourselves).
func serviceUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("testenv: running as root, PostgreSQL must run as user postgres, which does not exist (apt-get install postgresql creates it): %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// chownTree gives dir and everything below it to cred's user.
func chownTree(dir string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	return filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(cred.Uid), int(cred.Gid))
	})
}

// ownerFile, inside each temporary folder of ours, names the process
// that made it, so that folders left by killed test processes can be found.
const ownerFile = ".testenv-owner-pid"

var sweepOnce sync.Once

// tempDir makes a temporary folder for a server. The first call of a
// process also removes the folders of test processes that no longer exist
// (killed before they could clean up).
func tempDir(prefix string) (string, error) {
	sweepOnce.Do(sweepStale)
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "liaisonbot-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // not ours, or being made right now
		}
		pid, err := strconv.Atoi(string(b))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(dir)
		}
	}
}

// tail returns the last n lines of the file at path.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' && i != len(b)-1 {
			lines++
			if lines == n {
				return string(b[i+1:])
			}
		}
	}
	return string(b)
}
