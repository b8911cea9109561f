package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const dbLine = "database:\n  url: postgres://bot:pw@localhost/liaisonbot\n"

func TestExampleIsValidOnceADatabaseIsGiven(t *testing.T) {
	c, err := Load(write(t, dbLine))
	if err != nil {
		t.Fatal(err)
	}
	if c.Platform != "console" || c.Datatracker.URL != "https://datatracker.ietf.org" || c.Reminders.DeadlineTimezone != "America/Los_Angeles" {
		t.Fatalf("defaults not applied: %+v", c)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		name, body, key string
	}{
		{"malformed yaml", "platform: [matrix\n", "file"},
		{"missing database", "platform: console\n", "database.url"},
		{"missing homeserver", dbLine + "platform: matrix\nmatrix:\n  user_id: '@b:x.org'\n  access_token: t\n", "matrix.homeserver"},
		{"bad homeserver", dbLine + "platform: matrix\nmatrix:\n  homeserver: ftp://x\n  user_id: '@b:x.org'\n  access_token: t\n", "matrix.homeserver"},
		{"no credentials", dbLine + "platform: matrix\nmatrix:\n  homeserver: https://x.org\n  user_id: '@b:x.org'\n", "matrix.access_token"},
		{"unknown key", dbLine + "datatrackr:\n  url: https://x\n", "datatrackr"},
		{"bad platform", dbLine + "platform: irc\n", "platform"},
		{"bad cron", dbLine + "reminders:\n  schedule: every day\n", "reminders.schedule"},
		{"bad zone", dbLine + "reminders:\n  deadline_timezone: Mars/Olympus\n", "reminders.deadline_timezone"},
		{"room without groups", dbLine + "rooms:\n  - room: '!a:x.org'\n", "rooms[0]"},
		{"bad acronym", dbLine + "rooms:\n  - room: '!a:x.org'\n    groups: ['Not An Acronym']\n", "rooms[0].groups"},
		{"zulip without key", dbLine + "platform: zulip\nzulip:\n  site: https://z.org\n  email: b@z.org\n", "zulip.api_key"},
		{"llm without model", dbLine + "llm:\n  base_url: http://127.0.0.1:1/v1\n", "llm.model"},
		{"short poll", dbLine + "datatracker:\n  poll_interval: 1s\n", "datatracker.poll_interval"},
		{"no outbox worker", dbLine + "chat:\n  outbox_workers: 0\n", "chat.outbox_workers"},
		{"no inbox worker", dbLine + "chat:\n  inbox_workers: 0\n", "chat.inbox_workers"},
		{"pool smaller than the workers", dbLine + "chat:\n  outbox_workers: 8\n", "database.max_conns"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(write(t, tc.body))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			if !strings.Contains(msg, tc.key) {
				t.Errorf("error %q does not name key %q", msg, tc.key)
			}
		})
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	t.Setenv("LIAISONBOT_DATABASE_URL", "postgres://env@localhost/db")
	t.Setenv("LIAISONBOT_MATRIX_ACCESS_TOKEN", "syt_secret")
	t.Setenv("LIAISONBOT_PLATFORM", "matrix")
	p := write(t, "matrix:\n  homeserver: https://m.example.org/\n  user_id: '@bot:example.org'\n  identities:\n    - user: '@alice:example.org'\n      email: alice@example.org\nrooms:\n  - room: '!r:example.org'\n    groups: [TEAS]\n")
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.URL != "postgres://env@localhost/db" || c.Matrix.AccessToken != "syt_secret" || c.Platform != "matrix" {
		t.Fatalf("env not applied: %+v", c)
	}
	if c.Matrix.Homeserver != "https://m.example.org" || c.Rooms[0].Groups[0] != "teas" {
		t.Fatalf("not normalised: %+v", c)
	}
	if c.Matrix.Identities[0].User != "@alice:example.org" {
		t.Fatalf("identity lost: %+v", c.Matrix.Identities)
	}
	if r := c.Redacted(); strings.Contains(r, "syt_secret") {
		t.Fatalf("secret in redacted output: %s", r)
	}
}

func TestRedactURL(t *testing.T) {
	if got := RedactURL("postgres://u:hunter2@h/db"); strings.Contains(got, "hunter2") {
		t.Fatal(got)
	}
}
