// Package config loads liaisonbot's configuration with viper: the embedded,
// commented example file is the source of truth for keys and defaults; the
// operator's YAML file and LIAISONBOT_* environment variables override it.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/viper"

	"github.com/liaisonbot/liaisonbot/internal/rules"
)

// Example is the commented example configuration (`liaisonbot example-config`).
//
//go:embed example-config.yaml
var Example []byte

// EnvPrefix prefixes every environment variable that sets a key.
const EnvPrefix = "LIAISONBOT"

// Config is the whole configuration.
type Config struct {
	Platform      string      `mapstructure:"platform"`
	Database      Database    `mapstructure:"database"`
	Logging       Logging     `mapstructure:"logging"`
	Matrix        Matrix      `mapstructure:"matrix"`
	Zulip         Zulip       `mapstructure:"zulip"`
	Admins        []string    `mapstructure:"admins"`
	Rooms         []Room      `mapstructure:"rooms"`
	ApprovalsRoom string      `mapstructure:"approvals_room"`
	Datatracker   Datatracker `mapstructure:"datatracker"`
	Approvals     Approvals   `mapstructure:"approvals"`
	Reminders     Reminders   `mapstructure:"reminders"`
	LLM           LLM         `mapstructure:"llm"`
	HTTP          HTTP        `mapstructure:"http"`
	Chat          Chat        `mapstructure:"chat"`
}

type Database struct {
	URL      string `mapstructure:"url"`
	MaxConns int32  `mapstructure:"max_conns"`
}

type Logging struct {
	Level  string `mapstructure:"level"`
	Format string `mapstructure:"format"`
}

type Matrix struct {
	Homeserver  string     `mapstructure:"homeserver"`
	UserID      string     `mapstructure:"user_id"`
	AccessToken string     `mapstructure:"access_token"`
	Password    string     `mapstructure:"password"`
	DeviceID    string     `mapstructure:"device_id"`
	DisplayName string     `mapstructure:"display_name"`
	Identities  []Identity `mapstructure:"identities"`
	// PickleKey turns on end-to-end encryption (a secret; README
	// "Encryption"). DMPolicy: identities, anyone or admins.
	PickleKey string `mapstructure:"pickle_key"`
	DMPolicy  string `mapstructure:"dm_policy"`
}

// Identity maps a chat user to a Datatracker e-mail. (A list rather than a
// map: viper would split map keys such as "@a:example.org" at the dot.)
type Identity struct {
	User  string `mapstructure:"user"`
	Email string `mapstructure:"email"`
}

type Zulip struct {
	Site    string `mapstructure:"site"`
	Email   string `mapstructure:"email"`
	APIKey  string `mapstructure:"api_key"`
	Zuliprc string `mapstructure:"zuliprc"`
	BotName string `mapstructure:"bot_name"`
}

// Room is a chat room the bot joins and the groups it follows.
type Room struct {
	Room         string   `mapstructure:"room"`
	Groups       []string `mapstructure:"groups"`
	Coordination bool     `mapstructure:"coordination"`
}

type Datatracker struct {
	URL          string        `mapstructure:"url"`
	PollInterval time.Duration `mapstructure:"poll_interval"`
	Timeout      time.Duration `mapstructure:"timeout"`
	RolesRefresh time.Duration `mapstructure:"roles_refresh"`
}

type Approvals struct {
	Overrides          map[string][]string `mapstructure:"overrides"`
	RecordReminderDays int                 `mapstructure:"record_reminder_days"`
	// PendingRemindEvery and PendingMaxReminders: how often, and how many
	// times at most, the approvers of a statement pending in the
	// Datatracker are reminded (issue 16).
	PendingRemindEvery  time.Duration `mapstructure:"pending_remind_every"`
	PendingMaxReminders int           `mapstructure:"pending_max_reminders"`
	// CoordinatorReview asks, besides the §4.1 approvals, one review by
	// an IAB liaison coordinator (ietf-tools/liaison-tooling-2025a);
	// Coordinators are e-mails added to the Datatracker's
	// liaison_coordinator role holders of iab.
	CoordinatorReview bool     `mapstructure:"coordinator_review"`
	Coordinators      []string `mapstructure:"coordinators"`
}

type Reminders struct {
	Schedule         string `mapstructure:"schedule"`
	Timezone         string `mapstructure:"timezone"`
	DeadlineTimezone string `mapstructure:"deadline_timezone"`
	Ladder           string `mapstructure:"ladder"`
}

type LLM struct {
	BaseURL string        `mapstructure:"base_url"`
	Model   string        `mapstructure:"model"`
	APIKey  string        `mapstructure:"api_key"`
	Timeout time.Duration `mapstructure:"timeout"`
}

type HTTP struct {
	Listen string `mapstructure:"listen"`
}

// Chat is how many workers handle incoming events and send queued
// messages in parallel (one room's messages keep their order).
type Chat struct {
	InboxWorkers  int `mapstructure:"inbox_workers"`
	OutboxWorkers int `mapstructure:"outbox_workers"`
}

// Error is a configuration problem tied to one key.
type Error struct {
	Key string
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("config: %s: %s", e.Key, e.Msg) }

// Load reads the configuration: the embedded defaults, then the file at
// path (if path is not empty), then the environment. It validates the
// result; the error names the offending key.
func Load(path string) (*Config, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(Example)); err != nil {
		return nil, fmt.Errorf("config: embedded example: %w", err)
	}
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, &Error{Key: "file", Msg: err.Error()}
		}
		if err := v.MergeConfig(bytes.NewReader(raw)); err != nil {
			return nil, &Error{Key: "file", Msg: fmt.Sprintf("%s: malformed YAML: %s", path, oneLine(err.Error()))}
		}
	}
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()

	// Our own checks first, so that a typo or a bad duration is reported
	// as one line naming the key rather than in mapstructure's words.
	if err := checkKeys("", v.AllSettings(), reflect.TypeOf(Config{})); err != nil {
		return nil, err
	}
	if err := checkEnv(os.Environ()); err != nil {
		return nil, err
	}
	if err := checkDurations(v); err != nil {
		return nil, err
	}
	var c Config
	if err := v.UnmarshalExact(&c); err != nil {
		return nil, &Error{Key: keyOf(err.Error()), Msg: oneLine(err.Error())}
	}
	c.normalise()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) normalise() {
	c.Platform = strings.ToLower(strings.TrimSpace(c.Platform))
	c.Matrix.Homeserver = strings.TrimRight(strings.TrimSpace(c.Matrix.Homeserver), "/")
	c.Datatracker.URL = strings.TrimRight(strings.TrimSpace(c.Datatracker.URL), "/")
	for i := range c.Rooms {
		for j, g := range c.Rooms[i].Groups {
			c.Rooms[i].Groups[j] = strings.ToLower(strings.TrimSpace(g))
		}
	}
}

// Validate checks every key and returns the first problem found.
func (c *Config) Validate() error {
	switch c.Platform {
	case "matrix", "zulip", "console":
	default:
		return &Error{"platform", fmt.Sprintf("must be matrix, zulip or console, not %q", c.Platform)}
	}
	if c.Database.URL == "" {
		return &Error{"database.url", "required (a PostgreSQL URL; or set LIAISONBOT_DATABASE_URL)"}
	}
	if u, err := url.Parse(c.Database.URL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return &Error{"database.url", "must be a postgres:// URL"}
	}
	switch c.Platform {
	case "matrix":
		if c.Matrix.Homeserver == "" {
			return &Error{"matrix.homeserver", "required when platform is matrix (e.g. https://matrix.example.org)"}
		}
		if err := httpURL(c.Matrix.Homeserver); err != nil {
			return &Error{"matrix.homeserver", err.Error()}
		}
		if !strings.HasPrefix(c.Matrix.UserID, "@") || !strings.Contains(c.Matrix.UserID, ":") {
			return &Error{"matrix.user_id", "required when platform is matrix, like @liaisonbot:example.org"}
		}
		if c.Matrix.AccessToken == "" && c.Matrix.Password == "" {
			return &Error{"matrix.access_token", "set matrix.access_token or matrix.password"}
		}
		for i, id := range c.Matrix.Identities {
			if !strings.HasPrefix(id.User, "@") || !strings.Contains(id.Email, "@") {
				return &Error{fmt.Sprintf("matrix.identities[%d]", i), "needs user (a Matrix ID) and email"}
			}
		}
		switch c.Matrix.DMPolicy {
		case "", "identities", "anyone", "admins":
		default:
			return &Error{"matrix.dm_policy", fmt.Sprintf("must be identities, anyone or admins, not %q", c.Matrix.DMPolicy)}
		}
	case "zulip":
		if c.Zulip.Site == "" && c.Zulip.Zuliprc == "" {
			return &Error{"zulip.site", "required when platform is zulip (or give zulip.zuliprc)"}
		}
		if c.Zulip.Site != "" {
			if err := httpURL(c.Zulip.Site); err != nil {
				return &Error{"zulip.site", err.Error()}
			}
		}
		if c.Zulip.Zuliprc == "" && (c.Zulip.Email == "" || c.Zulip.APIKey == "") {
			return &Error{"zulip.api_key", "set zulip.email and zulip.api_key, or zulip.zuliprc"}
		}
	}
	seen := map[string]bool{}
	for i, r := range c.Rooms {
		key := fmt.Sprintf("rooms[%d]", i)
		if strings.TrimSpace(r.Room) == "" {
			return &Error{key + ".room", "required"}
		}
		if seen[r.Room] {
			return &Error{key + ".room", fmt.Sprintf("%q is listed twice", r.Room)}
		}
		seen[r.Room] = true
		if len(r.Groups) == 0 && !r.Coordination {
			return &Error{key, "give groups, or coordination: true"}
		}
		for _, g := range r.Groups {
			if !validAcronym(g) {
				return &Error{key + ".groups", fmt.Sprintf("%q is not a group acronym", g)}
			}
		}
	}
	if err := httpURL(c.Datatracker.URL); err != nil {
		return &Error{"datatracker.url", err.Error()}
	}
	if c.Datatracker.PollInterval < 10*time.Second {
		return &Error{"datatracker.poll_interval", "must be at least 10s"}
	}
	if c.Datatracker.Timeout <= 0 {
		return &Error{"datatracker.timeout", "must be positive"}
	}
	if _, err := cron.ParseStandard(c.Reminders.Schedule); err != nil {
		return &Error{"reminders.schedule", fmt.Sprintf("%q is not a cron schedule (5 fields, e.g. \"0 8 * * *\"): %s", c.Reminders.Schedule, oneLine(err.Error()))}
	}
	if _, err := time.LoadLocation(c.Reminders.Timezone); err != nil {
		return &Error{"reminders.timezone", fmt.Sprintf("%q is not a time zone (e.g. UTC, Europe/Paris)", c.Reminders.Timezone)}
	}
	if _, err := time.LoadLocation(c.Reminders.DeadlineTimezone); err != nil {
		return &Error{"reminders.deadline_timezone", fmt.Sprintf("%q is not a time zone (e.g. America/Los_Angeles)", c.Reminders.DeadlineTimezone)}
	}
	// The ladder syntax lives in internal/rules; parse it here so a bad
	// ladder stops check-config and the start, not the reminder worker.
	if _, err := rules.ParseLadder(c.Reminders.Ladder); err != nil {
		return &Error{"reminders.ladder", oneLine(err.Error())}
	}
	if c.Approvals.PendingRemindEvery < 0 {
		return &Error{"approvals.pending_remind_every", fmt.Sprintf("%s is negative (e.g. 24h)", c.Approvals.PendingRemindEvery)}
	}
	if c.Approvals.PendingMaxReminders < 0 {
		return &Error{"approvals.pending_max_reminders", fmt.Sprintf("%d is negative (0 means the default, 5)", c.Approvals.PendingMaxReminders)}
	}
	for g := range c.Approvals.Overrides {
		if !validAcronym(g) {
			return &Error{"approvals.overrides", fmt.Sprintf("%q is not a group acronym", g)}
		}
	}
	for i, e := range c.Approvals.Coordinators {
		if !validEmail(e) {
			return &Error{fmt.Sprintf("approvals.coordinators[%d]", i), fmt.Sprintf("%q is not an e-mail address (a Datatracker e-mail, e.g. coord@example.org)", e)}
		}
	}
	if c.LLM.BaseURL != "" {
		if err := httpURL(c.LLM.BaseURL); err != nil {
			return &Error{"llm.base_url", err.Error()}
		}
		if c.LLM.Model == "" {
			return &Error{"llm.model", "required when llm.base_url is set"}
		}
	}
	if c.Chat.InboxWorkers < 1 || c.Chat.InboxWorkers > 64 {
		return &Error{"chat.inbox_workers", "must be between 1 and 64"}
	}
	if c.Chat.OutboxWorkers < 1 || c.Chat.OutboxWorkers > 64 {
		return &Error{"chat.outbox_workers", "must be between 1 and 64"}
	}
	// Each worker holds a pooled connection while it works (an outbox
	// worker for the whole send); the leader's mirror and reminder tasks
	// need theirs too, so a pool smaller than that makes workers queue.
	if need := c.Chat.InboxWorkers + c.Chat.OutboxWorkers + 2; c.Database.MaxConns > 0 && int(c.Database.MaxConns) < need {
		return &Error{"database.max_conns", fmt.Sprintf("must be at least chat.inbox_workers + chat.outbox_workers + 2 (%d)", need)}
	}
	switch c.Logging.Format {
	case "pretty", "json":
	default:
		return &Error{"logging.format", fmt.Sprintf("must be pretty or json, not %q", c.Logging.Format)}
	}
	// zerolog's level names (https://pkg.go.dev/github.com/rs/zerolog#ParseLevel).
	switch strings.ToLower(c.Logging.Level) {
	case "", "trace", "debug", "info", "warn", "error", "fatal", "panic", "disabled":
	default:
		return &Error{"logging.level", fmt.Sprintf("must be trace, debug, info, warn, error or disabled, not %q", c.Logging.Level)}
	}
	if c.HTTP.Listen != "" {
		if err := hostPort(c.HTTP.Listen); err != nil {
			return &Error{"http.listen", err.Error()}
		}
	}
	return nil
}

// hostPort checks a listen address: host:port with a numeric port (the
// host may be empty: all interfaces).
func hostPort(s string) error {
	bad := fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:8080 or :8080; empty disables the listener)", s)
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return bad
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return bad
	}
	return nil
}

// Secrets returns the secret values of the config, for log scrubbing.
func (c *Config) Secrets() []string {
	var out []string
	for _, s := range []string{c.Matrix.AccessToken, c.Matrix.Password, c.Matrix.PickleKey, c.Zulip.APIKey, c.LLM.APIKey, passwordOf(c.Database.URL)} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Redacted returns a summary of the config safe to print: no secrets.
func (c *Config) Redacted() string {
	var b strings.Builder
	fmt.Fprintf(&b, "platform: %s\n", c.Platform)
	fmt.Fprintf(&b, "database.url: %s\n", RedactURL(c.Database.URL))
	switch c.Platform {
	case "matrix":
		fmt.Fprintf(&b, "matrix.homeserver: %s\nmatrix.user_id: %s\nmatrix.access_token: %s\nmatrix.password: %s\n",
			c.Matrix.Homeserver, c.Matrix.UserID, mask(c.Matrix.AccessToken), mask(c.Matrix.Password))
	case "zulip":
		fmt.Fprintf(&b, "zulip.site: %s\nzulip.email: %s\nzulip.api_key: %s\n", c.Zulip.Site, c.Zulip.Email, mask(c.Zulip.APIKey))
	}
	groups := map[string]bool{}
	for _, r := range c.Rooms {
		for _, g := range r.Groups {
			groups[g] = true
		}
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	fmt.Fprintf(&b, "rooms: %d (groups: %s)\n", len(c.Rooms), strings.Join(names, ", "))
	fmt.Fprintf(&b, "datatracker.url: %s (every %s)\n", c.Datatracker.URL, c.Datatracker.PollInterval)
	fmt.Fprintf(&b, "reminders.schedule: %q in %s\n", c.Reminders.Schedule, c.Reminders.Timezone)
	if c.LLM.BaseURL != "" {
		fmt.Fprintf(&b, "llm: %s model %s, api_key %s\n", c.LLM.BaseURL, c.LLM.Model, mask(c.LLM.APIKey))
	} else {
		b.WriteString("llm: off\n")
	}
	return b.String()
}

// RedactURL hides the password of a URL.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func passwordOf(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

func mask(s string) string {
	if s == "" {
		return "(not set)"
	}
	return "(set)"
}

func httpURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an http(s) URL")
	}
	return nil
}

// validEmail accepts a bare address as the Datatracker keeps role
// e-mails: local@domain, no spaces or display name.
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(strings.TrimSpace(s), "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(local+domain, " \t<>@,;\"")
}

func validAcronym(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// keyOf pulls the offending key out of a mapstructure error message.
func keyOf(msg string) string {
	if i := strings.Index(msg, "'"); i >= 0 {
		if j := strings.Index(msg[i+1:], "'"); j >= 0 {
			if k := msg[i+1 : i+1+j]; k != "" {
				return k
			}
		}
	}
	if i := strings.Index(msg, "invalid keys: "); i >= 0 {
		return strings.TrimSpace(msg[i+len("invalid keys: "):])
	}
	return "file"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
