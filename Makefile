# liaisonbot developer tasks. See README.md and DEVELOPERS.md.

GO ?= go
# Matrix end-to-end encryption in pure Go: mautrix's crypto uses goolm with
# this tag and libolm (cgo) without it, so every go command here needs it
# (exported, so scripts and tests that build the binary get it too).
export GOFLAGS := -tags=goolm $(GOFLAGS)
# make test PKG=./internal/store/... TESTFLAGS='-run TestX -v'
PKG ?= ./...
TESTFLAGS ?=
# The test PostgreSQL (scripts/pg.sh --name test).
TEST_PG_PORT ?= 55433

.PHONY: all build run test lint bench stop dendrite

all: build

build:
	$(GO) build -o bin/liaisonbot ./cmd/liaisonbot

# The console transport against a local PostgreSQL (.cache/pg-run, port 55432):
# by default an offline demo (a demo Datatracker served in-process, a fresh
# liaisonbot_demo database each run); make run DATATRACKER=https://datatracker.ietf.org
# uses that Datatracker and the liaisonbot database instead.
DATATRACKER ?=
run:
	scripts/pg.sh start
	LIAISONBOT_DATABASE_URL=$$(scripts/pg.sh dsn) \
	$(if $(DATATRACKER),LIAISONBOT_DATATRACKER_URL=$(DATATRACKER) $(GO) run ./cmd/liaisonbot console,$(GO) run ./cmd/liaisonbot console -demo)

# Dendrite binaries for the integration tests (.cache/bin; minutes the first time).
dendrite:
	scripts/build-dendrite.sh

# All tests against a real PostgreSQL (.cache/pg-test, port 55433) and real Dendrites.
test: dendrite
	scripts/pg.sh start --name test --port $(TEST_PG_PORT)
	LIAISONBOT_TEST_DATABASE_URL=$$(scripts/pg.sh dsn --name test --port $(TEST_PG_PORT)) \
		$(GO) test -count=1 -p 2 -timeout 40m $(TESTFLAGS) $(PKG)

# gofmt, go vet, and go.mod/go.sum as `go mod tidy` would leave them
# (direct dependencies listed as direct).
lint:
	@files=$$(find . -path ./.cache -prune -o -name '*.go' -exec gofmt -l {} +); \
	if [ -n "$$files" ]; then echo "gofmt needed:"; echo "$$files"; exit 1; fi
	$(GO) vet ./...
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }

# The Go benchmarks and the load harness on a real Dendrite and PostgreSQL
# (scripts/bench.sh; sizes by environment); rewrites the figures section of
# docs/performance.md. A few minutes.
bench: dendrite
	TEST_PG_PORT=$(TEST_PG_PORT) GO=$(GO) scripts/bench.sh

# Each fuzz target of FUZZPKGS for FUZZTIME (make fuzz FUZZTIME=500000x or
# FUZZTIME=5m). New failing inputs land in the package's testdata/fuzz/<FuzzName>/.
# The default is a count, not a duration: before Go 1.27 a duration budget can
# fail a target with a bare "context deadline exceeded" and no crasher when a
# loaded machine starves the workers at the deadline (https://go.dev/issue/75804).
FUZZTIME ?= 30000x
FUZZPKGS ?= ./commands/ ./internal/datatracker/ ./internal/render/
.PHONY: fuzz
fuzz:
	@set -e; for pkg in $(FUZZPKGS); do \
		list=$$($(GO) test -list '^Fuzz' $$pkg); \
		for target in $$(echo "$$list" | grep '^Fuzz'); do \
			echo "fuzz: $$pkg $$target for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# Stop both local databases.
stop:
	scripts/pg.sh stop
	scripts/pg.sh stop --name test
