package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// EnvDatabaseURL names the variable holding the DSN of an existing
// PostgreSQL server's admin database; Postgres creates its databases there.
const EnvDatabaseURL = "LIAISONBOT_TEST_DATABASE_URL"

// Postgres returns the DSN of a fresh, empty database, dropped when the test
// ends. The server is the one named by LIAISONBOT_TEST_DATABASE_URL or, if
// that is unset, one started for this test process (stopped by Main).
func Postgres(t testing.TB) string {
	t.Helper()
	admin, err := adminDSN()
	if err != nil {
		t.Fatal(err)
	}
	name := databaseName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE: a pool the test forgot to close must not keep the database.
		if err := adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(admin, name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// adminExec runs one statement on the admin database, retrying while the
// template database is busy (concurrent CREATE DATABASE).
func adminExec(ctx context.Context, admin, sql string) error {
	for attempt := 0; ; attempt++ {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return err
		}
		_, err = conn.Exec(ctx, sql)
		conn.Close(context.Background())
		var pgErr *pgconn.PgError
		if err != nil && errors.As(err, &pgErr) && pgErr.Code == "55006" && attempt < 50 { // object_in_use
			select {
			case <-ctx.Done():
				return err
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		return err
	}
}

// databaseName makes a unique, valid database name that still tells which
// test it belongs to.
func databaseName(testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		if b.Len() >= 30 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	var rnd [5]byte
	_, _ = rand.Read(rnd[:])
	return "t_" + b.String() + "_" + hex.EncodeToString(rnd[:])
}

// withDatabase returns dsn with its database replaced by name. It accepts
// URLs (postgres://...) and keyword/value strings (host=... dbname=...).
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("testenv: %s is not a valid URL: %w", EnvDatabaseURL, err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	// In keyword/value form the last setting of a keyword wins.
	return dsn + " dbname=" + name, nil
}

// The PostgreSQL server of this test process, if it had to start one.
var shared struct {
	once  sync.Once
	mu    sync.Mutex
	srv   *pgServer
	admin string
	err   error
}

func adminDSN() (string, error) {
	if dsn := os.Getenv(EnvDatabaseURL); dsn != "" {
		return dsn, nil
	}
	shared.once.Do(func() {
		srv, err := startPostgres()
		shared.mu.Lock()
		defer shared.mu.Unlock()
		shared.srv, shared.err = srv, err
		if err == nil {
			shared.admin = srv.adminDSN()
		}
	})
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.err != nil {
		return "", shared.err
	}
	if shared.srv == nil {
		return "", errors.New("testenv: the test PostgreSQL was already stopped (Postgres called after Main's tests ended?)")
	}
	return shared.admin, nil
}

func stopSharedPostgres() {
	shared.mu.Lock()
	srv := shared.srv
	shared.srv = nil
	shared.mu.Unlock()
	if srv != nil {
		srv.stop()
	}
}

// pgServer is a throwaway PostgreSQL in a temporary folder.
type pgServer struct {
	dir  string
	bin  string
	cred *syscall.Credential
	port int
	proc *process
}

func (s *pgServer) adminDSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

func (s *pgServer) stop() {
	// SIGINT is PostgreSQL's fast shutdown.
	s.proc.stop(syscall.SIGINT, 20*time.Second)
	_ = os.RemoveAll(s.dir)
}

// pgBinDir finds the folder with initdb and postgres: on PATH (following
// symlinks, as Debian links them from elsewhere) or the newest
// /usr/lib/postgresql/*/bin.
func pgBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dir := filepath.Dir(real)
			if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
				return dir, nil
			}
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(d string) int {
		v, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		return v
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		_, e1 := os.Stat(filepath.Join(d, "initdb"))
		_, e2 := os.Stat(filepath.Join(d, "postgres"))
		if e1 == nil && e2 == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("testenv: PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin): apt-get install postgresql, or set %s", EnvDatabaseURL)
}

// startPostgres creates a cluster in a temporary folder and starts it on a
// free port of 127.0.0.1 with trust authentication for local connections.
func startPostgres() (*pgServer, error) {
	bin, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := serviceUser()
	if err != nil {
		return nil, err
	}
	dir, err := tempDir("liaisonbot-pg-")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(dir)
		}
	}()
	data := filepath.Join(dir, "data")
	sock := filepath.Join(dir, "run")
	if err := os.Mkdir(sock, 0o755); err != nil {
		return nil, err
	}
	if err := chownTree(dir, cred); err != nil {
		return nil, err
	}

	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("testenv: initdb: %v\n%s", err, out)
	}

	srv := &pgServer{dir: dir, bin: bin, cred: cred}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		srv.port = port
		if lastErr = srv.run(); lastErr == nil {
			ok = true
			return srv, nil
		}
		// most likely someone took the port
	}
	return nil, lastErr
}

// run starts the server on its data folder and port and waits until it
// accepts connections.
func (s *pgServer) run() error {
	logPath := filepath.Join(s.dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), "-D", filepath.Join(s.dir, "data"),
		"-p", strconv.Itoa(s.port), "-k", filepath.Join(s.dir, "run"),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=200",
		// Throwaway data: trade crash safety for speed.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Dir = s.dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	// SIGQUIT: immediate shutdown if the test process dies.
	proc, err := startProcess(cmd, syscall.SIGQUIT)
	logFile.Close()
	if err != nil {
		return fmt.Errorf("testenv: start postgres: %w", err)
	}
	s.proc = proc
	if err := s.waitReady(60 * time.Second); err != nil {
		proc.stop(syscall.SIGQUIT, 5*time.Second)
		return fmt.Errorf("%w\nlast lines of %s:\n%s", err, logPath, tail(logPath, 20))
	}
	return nil
}

// PGServer is a PostgreSQL server of one test's own, for tests that stop
// and restart the database under the bot.
type PGServer struct{ srv *pgServer }

// PrivatePostgres starts a PostgreSQL server for this test alone (stopped
// when the test ends) and returns it; DSN names its "postgres" database.
func PrivatePostgres(t testing.TB) *PGServer {
	t.Helper()
	srv, err := startPostgres()
	if err != nil {
		t.Fatal(err)
	}
	forget := register(srv.stop)
	t.Cleanup(func() { forget(); srv.stop() })
	return &PGServer{srv: srv}
}

// DSN is the connection URL of the server's postgres database.
func (p *PGServer) DSN() string { return p.srv.adminDSN() }

// Restart stops the server (fast shutdown: every session is cut) and
// starts it again on the same port and data after down.
func (p *PGServer) Restart(t testing.TB, down time.Duration) {
	t.Helper()
	p.srv.proc.stop(syscall.SIGINT, 20*time.Second)
	time.Sleep(down)
	if err := p.srv.run(); err != nil {
		t.Fatal(err)
	}
}

func (s *pgServer) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if s.proc.exited() {
			return fmt.Errorf("testenv: postgres exited during startup: %v", s.proc.err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.adminDSN())
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(context.Background())
		}
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("testenv: postgres not ready after %s: %w", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
