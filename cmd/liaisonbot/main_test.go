package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

// runMainEnv makes the test binary behave as liaisonbot (its arguments
// after the test flags), so the tests see real exit codes and stderr.
const runMainEnv = "LIAISONBOT_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	// The console tests need a PostgreSQL (testenv starts or finds one).
	testenv.Main(m)
}

// liaisonbot runs the command with args, without the caller's LIAISONBOT_*
// variables, and returns its stderr and exit code.
func liaisonbot(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LIAISONBOT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, runMainEnv+"=1"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("liaisonbot %v still running after 30s; stderr:\n%s", args, errb.String())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

const dbLine = "database:\n  url: postgres://bot:pw@127.0.0.1:1/liaisonbot\n"

// check-config and run stop on a bad value with exit 1 and one line that
// names the key (no database is reached: the config is refused first).
func TestCheckConfigAndRunStopWithOneLine(t *testing.T) {
	cases := []struct {
		name, body string
		env        []string
		want       string
	}{
		{"ladder", dbLine + "reminders:\n  ladder: banana\n", nil, `liaisonbot: config: reminders.ladder: reminder ladder "banana"`},
		{"level", dbLine + "logging:\n  level: loud\n", nil, `liaisonbot: config: logging.level: `},
		{"listen", dbLine + "http:\n  listen: localhost\n", nil, `liaisonbot: config: http.listen: "localhost" is not host:port`},
		{"duration", dbLine + "datatracker:\n  timeout: 30 seconds\n", nil, `liaisonbot: config: datatracker.timeout: "30 seconds" is not a duration`},
		{"zone", dbLine + "reminders:\n  timezone: Europe/Pariss\n", nil, `liaisonbot: config: reminders.timezone: "Europe/Pariss" is not a time zone`},
		{"cron", dbLine + "reminders:\n  schedule: daily\n", nil, `liaisonbot: config: reminders.schedule: "daily" is not a cron schedule`},
		{"unknown key", dbLine + "datatracker:\n  pol_interval: 5m\n", nil, "liaisonbot: config: datatracker.pol_interval: unknown key (did you mean poll_interval?)"},
		{"unknown env key", dbLine, []string{"LIAISONBOT_LOGGING_LEVLE=debug"}, "liaisonbot: config: LIAISONBOT_LOGGING_LEVLE: unknown key (did you mean LIAISONBOT_LOGGING_LEVEL?)"},
	}
	for _, tc := range cases {
		p := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(p, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, verb := range []string{"check-config", "run"} {
			t.Run(tc.name+"/"+verb, func(t *testing.T) {
				stdout, stderr, code := liaisonbot(t, tc.env, verb, "-config", p)
				if code != 1 {
					t.Errorf("exit code %d, want 1", code)
				}
				if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, tc.want) {
					t.Errorf("stderr %q, want one line starting %q", stderr, tc.want)
				}
				if strings.Contains(stdout, "configuration OK") {
					t.Errorf("stdout says OK: %q", stdout)
				}
			})
		}
	}
}

func TestCheckConfigAcceptsTheExample(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(dbLine), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := liaisonbot(t, nil, "check-config", "-config", p)
	if code != 0 || !strings.Contains(stdout, "configuration OK") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
