//go:build tools

// Package tools pins the Dendrite homeserver used by the integration tests
// (internal/testenv). It is a module of its own so that Dendrite's large
// dependency graph never enters the bot's go.mod. Build the binaries with
// scripts/build-dendrite.sh.
package tools

import (
	_ "github.com/element-hq/dendrite/cmd/create-account"
	_ "github.com/element-hq/dendrite/cmd/dendrite"
	_ "github.com/element-hq/dendrite/cmd/generate-config"
	_ "github.com/element-hq/dendrite/cmd/generate-keys"
)
