#!/usr/bin/env bash
# Builds the Dendrite homeserver binaries used by internal/testenv:
#   dendrite, generate-keys, generate-config, create-account
# into ${LIAISONBOT_CACHE:-<repo>/.cache}/bin, from the pinned module in
# tools/dendrite (its go.sum makes the build reproducible).
#
# Idempotent: does nothing when all four binaries exist and are newer than
# tools/dendrite/go.mod. A cold build takes about 3 minutes on 2 cores
# (downloads included); afterwards the Go caches make it fast.
# Pure Go (CGO_ENABLED=0, SQLite through modernc.org/sqlite).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${LIAISONBOT_CACHE:-$root/.cache}"
bin="$cache/bin"
mod="$root/tools/dendrite"
tools=(dendrite generate-keys generate-config create-account)

up_to_date() {
	local t
	for t in "${tools[@]}"; do
		if [[ ! -x "$bin/$t" || "$bin/$t" -ot "$mod/go.mod" || "$bin/$t" -ot "$mod/go.sum" ]]; then
			return 1
		fi
	done
	return 0
}

if up_to_date; then
	exit 0
fi

mkdir -p "$bin"

# Several test processes may ask for the binaries at the same time: build once.
exec 9>"$cache/.build-dendrite.lock"
if command -v flock >/dev/null 2>&1; then
	flock 9
	if up_to_date; then
		exit 0
	fi
fi

if ! command -v go >/dev/null 2>&1; then
	echo "build-dendrite: the go command is not on PATH" >&2
	exit 1
fi

echo "build-dendrite: building Dendrite v0.15.2 into $bin (1-3 minutes with cold Go caches)" >&2
start=$SECONDS
tmp="$(mktemp -d "$cache/.dendrite-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

pkgs=()
for t in "${tools[@]}"; do
	pkgs+=("github.com/element-hq/dendrite/cmd/$t")
done

(
	cd "$mod"
	CGO_ENABLED=0 GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" \
		go build -trimpath -o "$tmp/" "${pkgs[@]}"
)

# Move each binary into place atomically so a concurrent reader never sees
# a half-written file.
for t in "${tools[@]}"; do
	touch "$tmp/$t" # newer than go.mod, whatever the build cache did
	mv -f "$tmp/$t" "$bin/$t"
done
echo "build-dendrite: done in $((SECONDS - start))s" >&2
