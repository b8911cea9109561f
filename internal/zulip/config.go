package zulip

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Config configures the transport.
type Config struct {
	// Site is the server's base URL, e.g. https://zulip.ietf.org.
	Site string
	// Email and APIKey are the bot's credentials (HTTP basic auth).
	Email  string
	APIKey string
	// Zuliprc is the path of a zuliprc file ([api] email=, key=, site=);
	// values given above take precedence over the file's.
	Zuliprc string
	// BotName is the bot's full name as users mention it
	// (@**liaisonbot**); the name from /users/me is accepted as well.
	BotName string
	// Streams are the channels the bot subscribes to at start (the
	// configured rooms; "dm:…" rooms are skipped).
	Streams []string
	// DefaultTopic is the topic of a channel message sent without Thread
	// or NewThread (Zulip needs one); "liaisonbot" if empty.
	DefaultTopic string
	Log          zerolog.Logger

	// HTTPClient, if set, is used for every request (tests).
	HTTPClient *http.Client
	// PollTimeout bounds one long poll (the server sends a heartbeat at
	// least every ~45 s); 90 s if zero, as the Python client uses.
	PollTimeout time.Duration
	// RequestTimeout bounds other requests; 60 s if zero.
	RequestTimeout time.Duration
	// Retries is how often a request is retried after 429, 5xx or a
	// network error (default 5; negative: none).
	Retries int
	// Backoff is the first wait before retrying a 5xx or network error
	// (default 1 s, doubling up to MaxBackoff).
	Backoff time.Duration
	// MaxBackoff caps waits between retries and event-loop restarts
	// (default 1 min); a longer Retry-After from the server is honoured
	// up to MaxRetryAfter.
	MaxBackoff time.Duration
	// MaxRetryAfter caps the wait a 429 asks for (default 5 min).
	MaxRetryAfter time.Duration
	// CatchUpLimit caps how many messages are fetched after an event
	// queue was lost (default 1000, in pages of 100).
	CatchUpLimit int
}

// ReadZuliprc reads a zuliprc file: an INI file whose [api] section holds
// email, key and site (other sections and keys are ignored).
func ReadZuliprc(path string) (email, key, site string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	section := ""
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.ToLower(strings.TrimSpace(line[1 : len(line)-1]))
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			k, v, ok = strings.Cut(line, ":")
		}
		if !ok {
			return "", "", "", fmt.Errorf("%s:%d: not a key=value line", path, n)
		}
		if section != "api" {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "email":
			email = v
		case "key":
			key = v
		case "site":
			site = v
		}
	}
	return email, key, site, sc.Err()
}

// resolve fills credentials from the zuliprc file and checks them.
func (c *Config) resolve() error {
	if c.Zuliprc != "" {
		email, key, site, err := ReadZuliprc(c.Zuliprc)
		if err != nil {
			return fmt.Errorf("zulip: zuliprc: %w", err)
		}
		if c.Email == "" {
			c.Email = email
		}
		if c.APIKey == "" {
			c.APIKey = key
		}
		if c.Site == "" {
			c.Site = site
		}
	}
	c.Site = strings.TrimRight(strings.TrimSpace(c.Site), "/")
	if c.Site != "" && !strings.Contains(c.Site, "://") {
		c.Site = "https://" + c.Site // zuliprc files often hold a bare host
	}
	c.Site = strings.TrimSuffix(c.Site, "/api/v1")
	if c.Site == "" {
		return errors.New("zulip: the site is required")
	}
	if u, err := url.Parse(c.Site); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("zulip: site %q is not an http(s) URL", c.Site)
	}
	if c.Email == "" || c.APIKey == "" {
		return errors.New("zulip: the bot e-mail and API key are required (config or zuliprc)")
	}
	if c.DefaultTopic == "" {
		c.DefaultTopic = "liaisonbot"
	}
	if c.PollTimeout <= 0 {
		c.PollTimeout = 90 * time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 60 * time.Second
	}
	if c.Retries == 0 {
		c.Retries = 5
	}
	if c.Backoff <= 0 {
		c.Backoff = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Minute
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = 5 * time.Minute
	}
	if c.CatchUpLimit <= 0 {
		c.CatchUpLimit = 1000
	}
	return nil
}
