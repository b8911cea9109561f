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

// Each bad value stops loading (check-config and every start go through
// Load) with one line that names the key and, where it helps, the value.
func TestBadValuesAreOneLineNamingTheKey(t *testing.T) {
	cases := []struct {
		name, body string
		env        map[string]string
		want       string // the whole message, or its start
	}{
		{"ladder", dbLine + "reminders:\n  ladder: banana\n", nil,
			`config: reminders.ladder: reminder ladder "banana": "banana" is not a number of days before the deadline`},
		{"ladder option", dbLine + "reminders:\n  ladder: \"14,7;hourly\"\n", nil,
			`config: reminders.ladder: reminder ladder "14,7;hourly": unknown option "hourly"`},
		{"ladder from env", dbLine, map[string]string{"LIAISONBOT_REMINDERS_LADDER": "7,7"}, `config: reminders.ladder: reminder ladder "7,7": 7 days`},
		{"level", dbLine + "logging:\n  level: loud\n", nil, `config: logging.level: must be trace, debug, info, warn, error or disabled, not "loud"`},
		{"level from env", dbLine, map[string]string{"LIAISONBOT_LOGGING_LEVEL": "verbose"}, `config: logging.level:`},
		{"format", dbLine + "logging:\n  format: xml\n", nil, `config: logging.format: must be pretty or json, not "xml"`},
		{"listen without port", dbLine + "http:\n  listen: localhost\n", nil, `config: http.listen: "localhost" is not host:port`},
		{"listen port only", dbLine + "http:\n  listen: \"8080\"\n", nil, `config: http.listen: "8080" is not host:port`},
		{"listen port too big", dbLine + "http:\n  listen: 127.0.0.1:80800\n", nil, `config: http.listen: "127.0.0.1:80800" is not host:port`},
		{"listen named port", dbLine + "http:\n  listen: \":http\"\n", nil, `config: http.listen: ":http" is not host:port`},
		{"duration words", dbLine + "datatracker:\n  poll_interval: 5 minutes\n", nil, `config: datatracker.poll_interval: "5 minutes" is not a duration (e.g. 30s, 5m, 6h)`},
		{"duration without unit", dbLine + "datatracker:\n  timeout: 30\n", nil, `config: datatracker.timeout: 30 is not a duration: give a unit`},
		{"duration from env", dbLine, map[string]string{"LIAISONBOT_DATATRACKER_ROLES_REFRESH": "daily"}, `config: datatracker.roles_refresh: "daily" is not a duration`},
		{"llm duration", dbLine + "llm:\n  timeout: 2 secs\n", nil, `config: llm.timeout: "2 secs" is not a duration`},
		{"short poll", dbLine + "datatracker:\n  poll_interval: 1s\n", nil, `config: datatracker.poll_interval: must be at least 10s`},
		{"schedule zone", dbLine + "reminders:\n  timezone: Europe/Pariss\n", nil, `config: reminders.timezone: "Europe/Pariss" is not a time zone`},
		{"deadline zone", dbLine + "reminders:\n  deadline_timezone: Mars/Olympus\n", nil, `config: reminders.deadline_timezone: "Mars/Olympus" is not a time zone`},
		{"cron words", dbLine + "reminders:\n  schedule: every day\n", nil, `config: reminders.schedule: "every day" is not a cron schedule`},
		{"cron six fields", dbLine + "reminders:\n  schedule: \"0 0 8 * * *\"\n", nil, `config: reminders.schedule: "0 0 8 * * *" is not a cron schedule`},
		{"unknown key", dbLine + "datatracker:\n  pol_interval: 5m\n", nil, `config: datatracker.pol_interval: unknown key (did you mean poll_interval?)`},
		{"unknown section", dbLine + "datatrackr:\n  url: https://x\n", nil, `config: datatrackr: unknown key (did you mean datatracker?)`},
		{"unknown key far from any", dbLine + "colour: blue\n", nil, `config: colour: unknown key`},
		{"unknown key in a room", dbLine + "rooms:\n  - room: '!a:x.org'\n    grups: [teas]\n", nil, `config: rooms[0].grups: unknown key (did you mean groups?)`},
		{"unknown env key", dbLine, map[string]string{"LIAISONBOT_DATATRACKER_POL_INTERVAL": "5m"},
			`config: LIAISONBOT_DATATRACKER_POL_INTERVAL: unknown key (did you mean LIAISONBOT_DATATRACKER_POLL_INTERVAL?)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := Load(write(t, tc.body))
			if err == nil {
				t.Fatal("loaded without error")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("not one line: %q", msg)
			}
			if !strings.HasPrefix(msg, tc.want) {
				t.Errorf("got  %q\nwant %q...", msg, tc.want)
			}
			if strings.Contains(msg, "mapstructure") || strings.Contains(msg, "decoding") {
				t.Errorf("decoder wording: %q", msg)
			}
		})
	}
}

// Values that look odd but are fine: no listener, a listener on all
// interfaces, the ladder that never reminds, variables that are not keys.
func TestAcceptedValues(t *testing.T) {
	t.Setenv("LIAISONBOT_ZULIP_OPENAPI", "/somewhere/zulip.yaml")
	t.Setenv("LIAISONBOT_CACHE", "/somewhere/.cache")
	c, err := Load(write(t, dbLine+"logging:\n  level: DEBUG\nhttp:\n  listen: \"\"\nreminders:\n  ladder: none\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Listen != "" {
		t.Errorf("http.listen = %q, want empty (disabled)", c.HTTP.Listen)
	}
	if _, err := Load(write(t, dbLine+"http:\n  listen: \":9090\"\nreminders:\n  ladder: \"14,7,4,3,2,1,0;daily=14\"\n")); err != nil {
		t.Fatal(err)
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

// The coordinator review (approvals.coordinator_review, issue 16): off by
// default; coordinators are e-mails; a typo in either key is named.
func TestCoordinatorReviewKeys(t *testing.T) {
	c, err := Load(write(t, dbLine))
	if err != nil {
		t.Fatal(err)
	}
	if c.Approvals.CoordinatorReview || len(c.Approvals.Coordinators) != 0 {
		t.Errorf("coordinator review on by default: %+v", c.Approvals)
	}
	c, err = Load(write(t, dbLine+"approvals:\n  coordinator_review: true\n  coordinators: [coord@example.org]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Approvals.CoordinatorReview || strings.Join(c.Approvals.Coordinators, ",") != "coord@example.org" {
		t.Errorf("approvals %+v", c.Approvals)
	}
	for _, tc := range []struct{ body, want string }{
		{"approvals:\n  coordinators: [Coord Person]\n", `config: approvals.coordinators[0]: "Coord Person" is not an e-mail address`},
		{"approvals:\n  coordinators: [a@example.org, \"Jon <jon@example.org>\"]\n", `config: approvals.coordinators[1]: "Jon <jon@example.org>" is not an e-mail address`},
		{"approvals:\n  coordinator_reveiw: true\n", `config: approvals.coordinator_reveiw: unknown key (did you mean coordinator_review?)`},
		{"approvals:\n  coordinator_review: maybe\n", `config: approvals.coordinator_review:`},
	} {
		_, err := Load(write(t, dbLine+tc.body))
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q...", tc.body, err, tc.want)
		}
	}
	t.Setenv("LIAISONBOT_APPROVALS_COORDINATOR_REVIEW", "false")
	if c, err := Load(write(t, dbLine+"approvals:\n  coordinator_review: true\n")); err != nil || c.Approvals.CoordinatorReview {
		t.Errorf("the environment did not turn the review off: %v %+v", err, c)
	}
}
