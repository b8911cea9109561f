package matrix

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/id"
)

// Config configures the Matrix transport.
type Config struct {
	// Homeserver is the client-server API base URL, e.g. https://matrix.example.org.
	Homeserver string
	// UserID is the bot's MXID. Required with Password; with AccessToken it
	// may be empty (taken from /whoami) and is checked when set.
	UserID string
	// AccessToken logs in with an existing token (validated with /whoami).
	AccessToken string
	// Password logs in with m.login.password when AccessToken is empty. The
	// token and device ID it yields are kept in the KV so restarts re-use
	// the device.
	Password string
	// DeviceID is the device to log in as when the KV holds none yet
	// (optional).
	DeviceID string
	// DisplayName is the bot's display name: set on its profile at start
	// when it differs, and recognised as an address ("liaisonbot: help").
	DisplayName string
	// Rooms are room IDs or aliases the bot joins at start. Invites to
	// these rooms are accepted from anyone.
	Rooms []string
	// Admins are MXIDs whose invites the bot accepts to any room. Other
	// invites are rejected and logged, except direct-message invites
	// allowed by DMPolicy.
	Admins []string
	// IdentityEmails maps MXIDs to Datatracker e-mails (chat.User.Email).
	IdentityEmails map[string]string
	// PickleKey turns on end-to-end encryption: it encrypts the bot's
	// Olm/Megolm keys at rest in the crypto store (a secret, never logged).
	// Empty: encrypted rooms are not read, and the bot says so once in each.
	PickleKey string
	// CryptoDatabaseURL is the PostgreSQL URL of the crypto store (the
	// bot's own database). Required with PickleKey.
	CryptoDatabaseURL string
	// DMPolicy says whose direct-message invites the bot accepts:
	// DMIdentities (default), DMAnyone or DMAdmins.
	DMPolicy string
	// Log receives the transport's log lines (secrets are never logged).
	Log zerolog.Logger

	// HTTPRetries is how often a failed request (network error, 429, 502,
	// 503, 504) is retried; 0 means the default (4), negative means never.
	HTTPRetries int
	// HTTPBackoff is the first wait between retries when the server names
	// none (doubling each time); 0 means the default (2 s).
	HTTPBackoff time.Duration
	// TimelineLimit is the number of timeline events per room the sync
	// filter asks for; 0 means the default (100).
	TimelineLimit int
}

const (
	defaultHTTPRetries   = 4
	defaultHTTPBackoff   = 2 * time.Second
	maxHTTPBackoff       = 2 * time.Minute
	defaultTimelineLimit = 100
)

// Values of Config.DMPolicy.
const (
	DMIdentities = "identities" // people in IdentityEmails, and admins
	DMAnyone     = "anyone"     // anyone (read-only use for unmapped people)
	DMAdmins     = "admins"     // admins only
)

// Validate reports the first problem in the config.
func (c *Config) Validate() error {
	if c.Homeserver == "" {
		return errors.New("matrix: homeserver URL is required")
	}
	u, err := url.Parse(c.Homeserver)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("matrix: homeserver %q is not an http(s) URL", c.Homeserver)
	}
	if c.AccessToken == "" && c.Password == "" {
		return errors.New("matrix: an access token or a password is required")
	}
	if c.UserID != "" {
		if _, _, err := id.UserID(c.UserID).Parse(); err != nil {
			return fmt.Errorf("matrix: user ID %q: %w", c.UserID, err)
		}
	} else if c.AccessToken == "" {
		return errors.New("matrix: user ID is required for password login")
	}
	for _, r := range c.Rooms {
		if !strings.HasPrefix(r, "!") && !strings.HasPrefix(r, "#") {
			return fmt.Errorf("matrix: room %q is neither a room ID (!...) nor an alias (#...)", r)
		}
	}
	switch c.DMPolicy {
	case "", DMIdentities, DMAnyone, DMAdmins:
	default:
		return fmt.Errorf("matrix: dm_policy %q is not identities, anyone or admins", c.DMPolicy)
	}
	if c.PickleKey != "" && c.CryptoDatabaseURL == "" {
		return errors.New("matrix: encryption (a pickle key) needs the crypto database URL")
	}
	for _, a := range c.Admins {
		if _, _, err := id.UserID(a).Parse(); err != nil {
			return fmt.Errorf("matrix: admin %q: %w", a, err)
		}
	}
	return nil
}
