#!/usr/bin/env bash
# Benchmarks and the load harness (issue 3 point 11, issue 8 point 8); the
# figures land in docs/performance.md between its "figures" markers.
#
#   scripts/bench.sh                 everything, rewrite the figures section
#   scripts/bench.sh --no-write      print the figures section only
#   scripts/bench.sh --go-only       Go benchmarks only (no Dendrite harness)
#
# Sizes and knobs (environment):
#   BENCH_PKGS                         packages for go test -bench (./...)
#   BENCH_FILTER                       -bench regexp (.)
#   BENCHTIME                          -benchtime (1s)
#   LIAISONBOT_BENCH_BACKFILL          statements of BenchmarkBackfill10k (10000)
#   LIAISONBOT_BENCH_IDLE_LARGE        large history of BenchmarkIdlePoll (10000)
#   LIAISONBOT_LOADTEST_STATEMENTS     statements on record in the harness (10000)
#   LIAISONBOT_LOADTEST_ROUNDS         round trips per command (30)
#   LIAISONBOT_LOADTEST_FANOUT_ROOMS   rooms of the fan-out (500)
#   LIAISONBOT_LOADTEST_FANOUT_TURNS   counted bot turns of the fan-out, between plain ones (4)
#   LIAISONBOT_LOADTEST_CONC_USERS     users (and rooms) of the concurrency scenario (20)
#   LIAISONBOT_LOADTEST_CONC_ROUNDS    rounds of the concurrency scenario (10)
#   LIAISONBOT_LOADTEST_OUTBOX_WORKERS chat.outbox_workers of the bot (the config default)
#   LIAISONBOT_LOADTEST_INBOX_WORKERS  chat.inbox_workers of the bot (the config default)
#   LIAISONBOT_LOADTEST_RSS_ROOMS      rooms of the idle RSS run (100)
#   LIAISONBOT_LOADTEST_SETTLE         idle time before reading RSS (15s)
#   TEST_PG_PORT                       the test PostgreSQL's port (55433)
#   BENCH_OUT                          where raw outputs go (.cache/bench)
#
# Uses the test PostgreSQL (scripts/pg.sh --name test) and the Dendrite
# binaries of scripts/build-dendrite.sh, like make test. Raw outputs are
# kept in .cache/bench/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
GO="${GO:-go}"
write=1
harness=1
for a in "$@"; do
	case "$a" in
	--no-write) write=0 ;;
	--go-only) harness=0 ;;
	-h | --help)
		sed -n '2,29p' "$0"
		exit 0
		;;
	*)
		echo "bench.sh: unknown option $a" >&2
		exit 2
		;;
	esac
done

port="${TEST_PG_PORT:-55433}"
out="${BENCH_OUT:-${LIAISONBOT_CACHE:-$root/.cache}/bench}"
mkdir -p "$out"
doc="$root/docs/performance.md"

scripts/build-dendrite.sh >&2
scripts/pg.sh start --name test --port "$port" >&2
LIAISONBOT_TEST_DATABASE_URL="$(scripts/pg.sh dsn --name test --port "$port")"
export LIAISONBOT_TEST_DATABASE_URL

t0=$SECONDS
echo "==> go build -o bin/liaisonbot ./cmd/liaisonbot" >&2
"$GO" build -o bin/liaisonbot ./cmd/liaisonbot

# shellcheck disable=SC2206 # BENCH_PKGS is a list of packages
bench_cmd=("$GO" test -run '^$' -bench "${BENCH_FILTER:-.}" -benchmem -benchtime "${BENCHTIME:-1s}" -count 1 -timeout 30m ${BENCH_PKGS:-./...})
echo "==> ${bench_cmd[*]}" >&2
"${bench_cmd[@]}" 2>&1 | tee "$out/go-bench.txt" >&2 || true
go_took=$((SECONDS - t0))

results="$out/loadtest.tsv"
: >"$results"
harness_cmd=(env LIAISONBOT_LOADTEST=1 LIAISONBOT_LOADTEST_BIN="$root/bin/liaisonbot" LIAISONBOT_LOADTEST_OUT="$results"
	"$GO" test -count=1 -timeout 40m -run '^TestLoad' -v ./internal/loadtest/)
h_took=0
: >"$out/loadtest.txt"
if [[ $harness == 1 ]]; then
	t1=$SECONDS
	echo "==> ${harness_cmd[*]}" >&2
	"${harness_cmd[@]}" 2>&1 | grep -v '"level":' | tee "$out/loadtest.txt" >&2 || true
	h_took=$((SECONDS - t1))
fi

# --- the figures section ---
figures="$out/figures.md"
{
	echo "<!-- figures:begin (written by scripts/bench.sh; do not edit by hand) -->"
	echo "### Figures of $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with local changes)')"
	echo
	echo "Machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)),"
	echo "$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) memory, $("$GO" version | awk '{print $3}'),"
	echo "PostgreSQL $(psql --version 2>/dev/null | awk '{print $3}' || echo '?'), Dendrite $(awk '/element-hq\/dendrite / {print $NF; exit}' tools/dendrite/go.mod 2>/dev/null)."
	echo "Go benchmarks took ${go_took}s, the load harness ${h_took}s."
	echo
	echo "#### Go benchmarks"
	echo
	echo "Command: \`${bench_cmd[*]}\` (by \`make bench\`)."
	echo
	echo "| benchmark | runs | time/op | other metrics |"
	echo "|---|---:|---:|---|"
	awk '
	/^pkg: / { pkg = $2; sub(/.*\/liaisonbot\/liaisonbot\//, "", pkg) }
	/^Benchmark/ && / ns\/op/ {
		name = $1; sub(/-[0-9]+$/, "", name)
		t = ""; other = ""
		for (i = 3; i < NF; i += 2) {
			v = $i; u = $(i + 1)
			if (u == "ns/op") {
				if (v >= 1e9) t = sprintf("%.2f s", v / 1e9)
				else if (v >= 1e6) t = sprintf("%.1f ms", v / 1e6)
				else if (v >= 1e3) t = sprintf("%.1f µs", v / 1e3)
				else t = sprintf("%d ns", v)
			} else {
				other = other (other == "" ? "" : ", ") v " " u
			}
		}
		printf "| %s `%s` | %s | %s | %s |\n", pkg, name, $2, t, other
	}' "$out/go-bench.txt"
	if [[ $harness == 1 ]]; then
		echo
		echo "#### Load harness (real Dendrite and PostgreSQL)"
		echo
		echo "Command: \`LIAISONBOT_LOADTEST=1 LIAISONBOT_LOADTEST_BIN=bin/liaisonbot go test -count=1 -timeout 40m -run '^TestLoad' -v ./internal/loadtest/\` (by \`make bench\`)."
		echo
		echo "| figure | value | note |"
		echo "|---|---:|---|"
		awk -F '\t' '{
			if ($1 == "roundtrip_primary_command") { printf "| headline command | `%s` | %s |\n", $3, $4; next }
			printf "| %s | %s %s | %s |\n", $1, $2, $3, $4
		}' "$results"
		if grep -q -- '--- FAIL' "$out/loadtest.txt"; then
			echo
			echo "Some harness scenarios FAILED in this run; see .cache/bench/loadtest.txt."
		fi
	fi
	echo "<!-- figures:end -->"
} >"$figures"

if [[ $write == 1 && -f "$doc" ]] && grep -q '<!-- figures:begin' "$doc"; then
	awk -v f="$figures" '
	/<!-- figures:begin/ { while ((getline l < f) > 0) print l; skip = 1; next }
	/<!-- figures:end -->/ { skip = 0; next }
	!skip { print }' "$doc" >"$doc.tmp"
	mv "$doc.tmp" "$doc"
	echo "bench.sh: figures written to docs/performance.md (also $figures)" >&2
else
	cat "$figures"
fi
if grep -q -- '--- FAIL\|^FAIL' "$out/go-bench.txt" "$out/loadtest.txt" 2>/dev/null; then
	echo "bench.sh: some benchmarks or scenarios failed" >&2
	exit 1
fi
