package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"
	"maunium.net/go/mautrix/synapseadmin"
)

// Environment variables read by Dendrite.
const (
	EnvDendriteBin      = "LIAISONBOT_DENDRITE_BIN"
	EnvDendriteLogLevel = "LIAISONBOT_DENDRITE_LOG_LEVEL"
)

// dendriteServerName is the server name of every test homeserver.
const dendriteServerName = "localhost"

// DendriteOption changes the configuration of a test homeserver.
type DendriteOption func(*dendriteOptions)

type dendriteOptions struct {
	db        string
	rateLimit bool
	threshold int
	cooloff   time.Duration
	exempt    []string
}

// WithPostgres stores the homeserver's data in the PostgreSQL database
// dsn (e.g. a fresh one from Postgres(t)) instead of SQLite files. Dendrite
// on SQLite can wedge when many requests are cancelled mid-way (a client
// killed while sending): "cannot start a transaction within a
// transaction", and every later write fails; on PostgreSQL it does not.
func WithPostgres(dsn string) DendriteOption {
	return func(o *dendriteOptions) { o.db = dsn }
}

// WithRateLimiting turns Dendrite's client API rate limiting on (it is off
// by default): 5 requests per user and device, each slot freed 500 ms after
// its request; excess requests get 429 M_LIMIT_EXCEEDED.
//
// Dendrite v0.15.2 limits only some endpoints: among them /login, /register,
// /join, /rooms/{id}/join, /leave, /invite, /typing, /receipt,
// /read_markers, /account/whoami and profile updates; NOT /send, /state,
// /redact or /createRoom.
func WithRateLimiting() DendriteOption {
	return func(o *dendriteOptions) { o.rateLimit = true }
}

// WithRateLimit turns rate limiting on with the given number of requests
// in flight per user and device and the time after which each is forgotten.
func WithRateLimit(threshold int, cooloff time.Duration) DendriteOption {
	return func(o *dendriteOptions) {
		o.rateLimit, o.threshold, o.cooloff = true, threshold, cooloff
	}
}

// WithRateLimitExempt exempts the users with these localparts from rate
// limiting (for the test's own clients while the bot is limited).
func WithRateLimitExempt(localparts ...string) DendriteOption {
	return func(o *dendriteOptions) { o.exempt = append(o.exempt, localparts...) }
}

// Homeserver is a Dendrite started for one test.
type Homeserver struct {
	bin     string
	dir     string
	port    int
	secret  string
	logPath string

	mu     sync.Mutex
	proc   *process
	forget func()
}

// User is an account on a test homeserver with a device of its own.
type User struct {
	ID          id.UserID // full Matrix ID, @localpart:localhost
	Localpart   string
	Password    string
	AccessToken string
	DeviceID    id.DeviceID
}

// Dendrite starts a fresh homeserver for this test: own temporary folder,
// free port on 127.0.0.1, server name "localhost", federation disabled,
// registration only through the shared secret (see RegisterUser), rate
// limiting off unless an option turns it on. It is stopped when the test
// ends (and by Main).
func Dendrite(t testing.TB, opts ...DendriteOption) *Homeserver {
	t.Helper()
	var o dendriteOptions
	for _, opt := range opts {
		opt(&o)
	}
	bin, err := dendriteBin(t)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := tempDir("liaisonbot-dendrite-")
	if err != nil {
		t.Fatal(err)
	}
	hs := &Homeserver{
		bin:     bin,
		dir:     dir,
		secret:  randomHex(16),
		logPath: filepath.Join(dir, "dendrite.log"),
	}
	t.Cleanup(func() {
		hs.kill()
		if t.Failed() {
			t.Logf("testenv: last lines of the Dendrite log (%s):\n%s", hs.logPath, tail(hs.logPath, 40))
		}
		_ = os.RemoveAll(dir)
	})
	if err := hs.configure(o); err != nil {
		t.Fatal(err)
	}
	// The port is picked before the start; if another process takes it
	// meanwhile, Dendrite fails to bind: try another one.
	for attempt := 0; ; attempt++ {
		if hs.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		err = hs.Start()
		if err == nil {
			return hs
		}
		if attempt == 3 {
			t.Fatal(err)
		}
	}
}

// URL is the homeserver's client API base URL, http://127.0.0.1:PORT.
func (hs *Homeserver) URL() string { return "http://127.0.0.1:" + strconv.Itoa(hs.port) }

// ServerName is the homeserver's server name ("localhost"), the part of
// Matrix IDs after the colon.
func (hs *Homeserver) ServerName() string { return dendriteServerName }

// LogPath is Dendrite's log file (all runs of this homeserver, appended).
func (hs *Homeserver) LogPath() string { return hs.logPath }

// SharedSecret is the registration shared secret of this homeserver.
func (hs *Homeserver) SharedSecret() string { return hs.secret }

// Stop shuts Dendrite down gracefully, keeping its data; Start brings it
// back on the same port. Stopping a stopped server does nothing.
func (hs *Homeserver) Stop() { hs.halt(syscall.SIGTERM, 15*time.Second) }

// kill ends Dendrite at once (its data is about to be deleted).
func (hs *Homeserver) kill() { hs.halt(syscall.SIGKILL, 0) }

func (hs *Homeserver) halt(sig syscall.Signal, grace time.Duration) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.proc == nil {
		return
	}
	hs.proc.stop(sig, grace)
	hs.proc = nil
	hs.forget()
}

// Start starts a stopped homeserver again with its data, on the same port,
// and waits until it answers. Starting a running server does nothing.
func (hs *Homeserver) Start() error {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.proc != nil {
		if !hs.proc.exited() {
			return nil
		}
		hs.proc = nil // it crashed
		hs.forget()
	}
	logFile, err := os.OpenFile(hs.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logFile, "=== testenv: starting dendrite on 127.0.0.1:%d at %s\n", hs.port, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(filepath.Join(hs.bin, "dendrite"),
		"-config", "dendrite.yaml",
		"-http-bind-address", "127.0.0.1:"+strconv.Itoa(hs.port))
	cmd.Dir = hs.dir // the config names matrix_key.pem relative to it
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	proc, err := startProcess(cmd, syscall.SIGKILL)
	logFile.Close()
	if err != nil {
		return fmt.Errorf("testenv: start dendrite: %w", err)
	}
	if err := waitHTTP(proc, hs.URL()+"/_matrix/client/versions", 90*time.Second); err != nil {
		proc.stop(syscall.SIGKILL, 0)
		return fmt.Errorf("testenv: dendrite on port %d: %w\nlast lines of %s:\n%s", hs.port, err, hs.logPath, tail(hs.logPath, 20))
	}
	hs.proc = proc
	hs.forget = register(hs.kill)
	return nil
}

// waitHTTP polls url until it answers 200, the process exits or timeout.
func waitHTTP(proc *process, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		if proc.exited() {
			return fmt.Errorf("exited during startup: %v", proc.err)
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %w", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// configure writes the signing key and dendrite.yaml into hs.dir, starting
// from generate-config's CI defaults (SQLite files in hs.dir).
func (hs *Homeserver) configure(o dendriteOptions) error {
	keys := exec.Command(filepath.Join(hs.bin, "generate-keys"), "--private-key", "matrix_key.pem")
	keys.Dir = hs.dir
	if out, err := keys.CombinedOutput(); err != nil {
		return fmt.Errorf("testenv: generate-keys: %v\n%s", err, out)
	}
	args := []string{"-ci", "-dir", hs.dir, "-server", dendriteServerName}
	if o.db != "" {
		args = append(args, "-db", o.db)
	}
	gen := exec.Command(filepath.Join(hs.bin, "generate-config"), args...)
	gen.Dir = hs.dir
	var stderr bytes.Buffer
	gen.Stderr = &stderr
	raw, err := gen.Output()
	if err != nil {
		return fmt.Errorf("testenv: generate-config: %v\n%s", err, stderr.Bytes())
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("testenv: generate-config output: %w", err)
	}
	level := os.Getenv(EnvDendriteLogLevel)
	if level == "" {
		level = "info"
	}
	exempt := []string{}
	for _, lp := range o.exempt {
		exempt = append(exempt, "@"+lp+":"+dendriteServerName)
	}
	settings := []struct {
		path  []string
		value any
	}{
		{[]string{"global", "server_name"}, dendriteServerName},
		{[]string{"global", "disable_federation"}, true},
		// Keep the event stream on disk so Stop/Start loses nothing.
		{[]string{"global", "jetstream", "in_memory"}, false},
		{[]string{"global", "jetstream", "storage_path"}, filepath.Join(hs.dir, "jetstream")},
		{[]string{"client_api", "registration_disabled"}, true},
		{[]string{"client_api", "registration_shared_secret"}, hs.secret},
		{[]string{"client_api", "guests_disabled"}, true},
		{[]string{"client_api", "rate_limiting", "enabled"}, o.rateLimit},
		{[]string{"client_api", "rate_limiting", "exempt_user_ids"}, exempt},
		{[]string{"logging"}, []map[string]string{{"type": "std", "level": level}}},
	}
	if o.threshold > 0 {
		settings = append(settings, struct {
			path  []string
			value any
		}{[]string{"client_api", "rate_limiting", "threshold"}, o.threshold})
	}
	if o.cooloff > 0 {
		settings = append(settings, struct {
			path  []string
			value any
		}{[]string{"client_api", "rate_limiting", "cooloff_ms"}, o.cooloff.Milliseconds()})
	}
	for _, s := range settings {
		if err := setYAML(&doc, s.value, s.path...); err != nil {
			return fmt.Errorf("testenv: dendrite config: %w", err)
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(hs.dir, "dendrite.yaml"), out, 0o600)
}

// setYAML sets the value at path (mapping keys from the top) in a YAML
// document; the keys must exist, so that a renamed option fails loudly.
func setYAML(doc *yaml.Node, value any, path ...string) error {
	n := doc
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) != 1 {
			return errors.New("empty YAML document")
		}
		n = n.Content[0]
	}
	for i, key := range path {
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("%v: not a mapping", path[:i])
		}
		found := false
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value != key {
				continue
			}
			found = true
			if i == len(path)-1 {
				var v yaml.Node
				if err := v.Encode(value); err != nil {
					return err
				}
				n.Content[j+1] = &v
				return nil
			}
			n = n.Content[j+1]
			break
		}
		if !found {
			return fmt.Errorf("key %v not found", path[:i+1])
		}
	}
	return nil
}

// RegisterUser creates the account @localpart:localhost through
// shared-secret registration and logs it in with its password, so that the
// user has a device of its own.
func (hs *Homeserver) RegisterUser(t testing.TB, localpart string) User {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	password := randomHex(12)
	anon, err := mautrix.NewClient(hs.URL(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	admin := synapseadmin.Client{Client: anon}
	err = retryLimited(ctx, func() error {
		_, err := admin.SharedSecretRegister(ctx, hs.secret, synapseadmin.ReqSharedSecretRegister{
			Username:     localpart,
			Password:     password,
			InhibitLogin: true,
		})
		return err
	})
	if err != nil {
		t.Fatalf("testenv: register %s: %v", localpart, err)
	}
	var resp *mautrix.RespLogin
	err = retryLimited(ctx, func() (err error) {
		resp, err = anon.Login(ctx, &mautrix.ReqLogin{
			Type:                     mautrix.AuthTypePassword,
			Identifier:               mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: localpart},
			Password:                 password,
			InitialDeviceDisplayName: "testenv " + localpart,
		})
		return err
	})
	if err != nil {
		t.Fatalf("testenv: log in %s: %v", localpart, err)
	}
	return User{
		ID:          resp.UserID,
		Localpart:   localpart,
		Password:    password,
		AccessToken: resp.AccessToken,
		DeviceID:    resp.DeviceID,
	}
}

// retryLimited calls f again while the server answers 429 (rate limiting
// on) and ctx allows.
func retryLimited(ctx context.Context, f func() error) error {
	for {
		err := f()
		if err == nil || !errors.Is(err, mautrix.MLimitExceeded) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Client returns a mautrix client acting as u on this homeserver, for the
// test's own user actions. Without WithRateLimitExempt, a rate-limited
// homeserver limits these clients too.
func (hs *Homeserver) Client(t testing.TB, u User) *mautrix.Client {
	t.Helper()
	cli, err := mautrix.NewClient(hs.URL(), u.ID, u.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	cli.DeviceID = u.DeviceID
	return cli
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// The Dendrite binaries are looked up (and built if need be) once per
// process.
var dendriteBins struct {
	mu  sync.Mutex
	dir string
}

var dendriteTools = []string{"dendrite", "generate-keys", "generate-config", "create-account"}

func haveTools(dir string) bool {
	for _, name := range dendriteTools {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

// dendriteBin returns the folder with the Dendrite binaries: the one named
// by LIAISONBOT_DENDRITE_BIN, or the repository's cache, where
// scripts/build-dendrite.sh builds them if they are missing or stale.
func dendriteBin(t testing.TB) (string, error) {
	dendriteBins.mu.Lock()
	defer dendriteBins.mu.Unlock()
	if dendriteBins.dir != "" {
		return dendriteBins.dir, nil
	}
	if dir := os.Getenv(EnvDendriteBin); dir != "" {
		if !haveTools(dir) {
			return "", fmt.Errorf("testenv: %s=%s lacks some of %v", EnvDendriteBin, dir, dendriteTools)
		}
		dendriteBins.dir = dir
		return dir, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	cache := os.Getenv("LIAISONBOT_CACHE")
	if cache == "" {
		cache = filepath.Join(root, ".cache")
	}
	dir := filepath.Join(cache, "bin")
	// The script does nothing when the binaries are up to date; it also
	// serialises concurrent builds from parallel test processes.
	if !haveTools(dir) {
		msg := "testenv: building the Dendrite test homeserver with scripts/build-dendrite.sh; the first build takes a few minutes"
		t.Log(msg)
		fmt.Fprintln(os.Stderr, msg)
	}
	start := time.Now()
	cmd := exec.Command(filepath.Join(root, "scripts", "build-dendrite.sh"))
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("testenv: scripts/build-dendrite.sh: %v\n%s", err, out)
	}
	if len(out) > 0 {
		t.Logf("testenv: scripts/build-dendrite.sh (%s):\n%s", time.Since(start).Round(time.Second), out)
	}
	if !haveTools(dir) {
		return "", fmt.Errorf("testenv: scripts/build-dendrite.sh left no binaries in %s", dir)
	}
	dendriteBins.dir = dir
	return dir, nil
}

// CPUTime is the CPU time (user and system) the running homeserver process
// has used, read from /proc/PID/stat (proc(5): utime and stime, fields 14
// and 15, in clock ticks of 1/100 s on Linux). The load harness uses it to
// wait until Dendrite has finished the background work one timed turn left
// behind (push rules, notification counts, sync streams) before timing
// the next.
func (hs *Homeserver) CPUTime() (time.Duration, error) {
	hs.mu.Lock()
	proc := hs.proc
	hs.mu.Unlock()
	if proc == nil {
		return 0, errors.New("testenv: dendrite is not running")
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", proc.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields from the last ')'.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, fmt.Errorf("testenv: unexpected /proc stat %q", raw)
	}
	f := strings.Fields(string(raw[i+1:])) // f[0] is field 3
	if len(f) < 13 {
		return 0, fmt.Errorf("testenv: unexpected /proc stat %q", raw)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("testenv: /proc stat field %q: %w", s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}
