package config

import (
	"slices"
	"strings"
	"testing"
)

// The encryption and DM keys: the pickle key comes from the environment
// and is a secret; a misspelt dm_policy is named.
func TestMatrixPickleKeyAndDMPolicy(t *testing.T) {
	const base = dbLine + "platform: matrix\nmatrix:\n  homeserver: https://m.example.org\n  user_id: '@bot:example.org'\n  access_token: t\n"
	t.Setenv("LIAISONBOT_MATRIX_PICKLE_KEY", "pickle-secret")
	c, err := Load(write(t, base))
	if err != nil {
		t.Fatal(err)
	}
	if c.Matrix.PickleKey != "pickle-secret" || c.Matrix.DMPolicy != "identities" {
		t.Fatalf("pickle key %q, dm_policy %q", c.Matrix.PickleKey, c.Matrix.DMPolicy)
	}
	if !slices.Contains(c.Secrets(), "pickle-secret") || strings.Contains(c.Redacted(), "pickle-secret") {
		t.Fatalf("the pickle key is not treated as a secret")
	}
	_, err = Load(write(t, base+"  dm_policy: everyone\n"))
	if err == nil || !strings.Contains(err.Error(), "matrix.dm_policy") {
		t.Fatalf("bad dm_policy: %v", err)
	}
}
