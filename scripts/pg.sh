#!/usr/bin/env bash
# A local PostgreSQL for `make run` and `make test`.
#
#   scripts/pg.sh start|stop|status|dsn [--name NAME] [--port PORT]
#
# Data lives in ${LIAISONBOT_CACHE:-<repo>/.cache}/pg-NAME (owned by the
# postgres user when run as root), the server listens on 127.0.0.1:PORT only,
# its unix socket sits in the same folder, local connections are trusted and a
# database "liaisonbot" is created. Defaults: --name run --port 55432 (the
# tests use --name test --port 55433).
#
#   start   start the server (idempotent: already running is fine)
#   stop    stop it (not running is fine)
#   status  print whether it runs; exit 0 if it does, 3 if not
#   dsn     print postgres://postgres@127.0.0.1:PORT/liaisonbot?sslmode=disable
set -euo pipefail

usage() {
	echo "usage: $0 start|stop|status|dsn [--name NAME] [--port PORT]" >&2
	exit 2
}

[[ $# -ge 1 ]] || usage
cmd="$1"
shift
name=run
port=
while [[ $# -gt 0 ]]; do
	case "$1" in
	--name) [[ $# -ge 2 ]] || usage; name="$2"; shift 2 ;;
	--name=*) name="${1#--name=}"; shift ;;
	--port) [[ $# -ge 2 ]] || usage; port="$2"; shift 2 ;;
	--port=*) port="${1#--port=}"; shift ;;
	*) usage ;;
	esac
done
[[ "$name" =~ ^[A-Za-z0-9_-]+$ ]] || { echo "pg.sh: bad --name '$name'" >&2; exit 2; }
port_given=1
if [[ -z "$port" ]]; then
	port_given=0
	if [[ "$name" == test ]]; then port=55433; else port=55432; fi
fi
[[ "$port" =~ ^[0-9]+$ ]] || { echo "pg.sh: bad --port '$port'" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${LIAISONBOT_CACHE:-$root/.cache}"
dir="$cache/pg-$name"
data="$dir/data"
sock="$dir/run"
logfile="$dir/postgresql.log"
db=liaisonbot

dsn_for() { echo "postgres://postgres@127.0.0.1:$1/$db?sslmode=disable"; }

# The port of the running server, from its postmaster.pid (4th line).
running_port() {
	[[ -r "$data/postmaster.pid" ]] && sed -n 4p "$data/postmaster.pid"
}

if [[ "$cmd" == dsn ]]; then
	# A running server knows its port better than our default does.
	if [[ $port_given == 0 ]]; then
		p="$(running_port 2>/dev/null || true)"
		[[ -n "$p" ]] && port="$p"
	fi
	dsn_for "$port"
	exit 0
fi

# Locate the server binaries: PATH first, then Debian's versioned folders.
bindir=
if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
	bindir="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
else
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
		if [[ -x "$d/pg_ctl" && -x "$d/initdb" ]]; then
			bindir="$d"
			break
		fi
	done
fi
if [[ -z "$bindir" ]]; then
	echo "pg.sh: PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin); install it with: apt-get install postgresql" >&2
	exit 1
fi

# PostgreSQL refuses to run as root: run its programs as postgres then.
as_pg=()
if [[ "$(id -u)" == 0 ]]; then
	if ! id postgres >/dev/null 2>&1; then
		echo "pg.sh: creating system user postgres" >&2
		useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
	fi
	as_pg=(runuser -u postgres --)
fi
pg() { (cd "$dir" && "${as_pg[@]}" "$@"); }

is_running() {
	[[ -f "$data/PG_VERSION" ]] && pg "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1
}

case "$cmd" in
status)
	if is_running; then
		echo "pg.sh: $name running on 127.0.0.1:$(running_port) (data $data)"
		exit 0
	fi
	echo "pg.sh: $name not running"
	exit 3
	;;
stop)
	if is_running; then
		pg "$bindir/pg_ctl" stop -D "$data" -m fast -w -t 60 >/dev/null
		echo "pg.sh: $name stopped"
	else
		echo "pg.sh: $name not running"
	fi
	exit 0
	;;
start) ;;
*) usage ;;
esac

mkdir -p "$dir"
if [[ ${#as_pg[@]} -gt 0 ]]; then
	chown postgres: "$dir"
	if ! runuser -u postgres -- test -w "$dir"; then
		echo "pg.sh: user postgres cannot write $dir (a parent folder is closed to it); set LIAISONBOT_CACHE to a folder it can reach" >&2
		exit 1
	fi
fi

if is_running; then
	echo "pg.sh: $name already running on 127.0.0.1:$(running_port)"
else
	if [[ ! -f "$data/PG_VERSION" ]]; then
		pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
			pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 || {
			echo "pg.sh: initdb failed, see $dir/initdb.log" >&2
			exit 1
		}
	fi
	pg mkdir -p "$sock"
	# A unix socket path is limited to about 107 bytes; TCP is what we use anyway.
	sockdirs="$sock"
	if [[ $((${#sock} + 20)) -gt 107 ]]; then
		sockdirs=""
	fi
	opts="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$sockdirs' -c max_connections=200"
	if [[ "$name" != run ]]; then
		# Throwaway data (tests): trade crash safety for speed.
		opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	fi
	if ! pg "$bindir/pg_ctl" start -D "$data" -l "$logfile" -w -t 60 -o "$opts" >/dev/null; then
		echo "pg.sh: PostgreSQL did not start; last lines of $logfile:" >&2
		tail -n 20 "$logfile" >&2 || true
		exit 1
	fi
	echo "pg.sh: $name started on 127.0.0.1:$port (data $data)"
fi

port="$(running_port)"
psql=("$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres)
if [[ "$(pg "${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]]; then
	pg "${psql[@]}" -d postgres -c "CREATE DATABASE $db" >/dev/null
fi
