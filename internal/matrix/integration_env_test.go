package matrix_test

import (
	"testing"

	"maunium.net/go/mautrix"

	"github.com/liaisonbot/liaisonbot/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// newEnv starts a fresh Dendrite for one test (internal/testenv). With
// rateLimited, Dendrite limits the bot's requests; the test's own users
// (alice, boss) are exempt so only the bot has to cope with 429s.
func newEnv(t *testing.T, rateLimited bool) *env {
	t.Helper()
	var opts []testenv.DendriteOption
	if rateLimited {
		opts = append(opts, testenv.WithRateLimiting(), testenv.WithRateLimitExempt("alice", "boss"))
	}
	hs := testenv.Dendrite(t, opts...)
	return &env{
		url: hs.URL(),
		register: func(t *testing.T, localpart string) hsUser {
			u := hs.RegisterUser(t, localpart)
			return hsUser{ID: u.ID, Password: u.Password, AccessToken: u.AccessToken}
		},
		client: func(t *testing.T, u hsUser) *mautrix.Client {
			return hs.Client(t, testenv.User{ID: u.ID, AccessToken: u.AccessToken})
		},
		stop: hs.Stop,
		start: func() {
			if err := hs.Start(); err != nil {
				t.Fatalf("restart homeserver: %v", err)
			}
		},
	}
}
