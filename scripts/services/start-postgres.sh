#!/usr/bin/env bash
# Start a private PostgreSQL server for the registry tests and the bench.
#
# Uses the Debian package's binaries (installs `postgresql` with apt when missing), runs initdb +
# pg_ctl into $QUANTA_PG_DIR (default /tmp/quanta-pg) on port $QUANTA_PG_PORT (default 55432),
# with no systemd involved. Creates user/database `quanta` (password `quanta`) and writes
# .services/postgres.env with QUANTA_PG_URL=postgresql://quanta:quanta@127.0.0.1:PORT/quanta.
#
# Idempotent: when the server is already running (PID file alive, accepting connections) it only
# rewrites the env file. Stop it with scripts/services/stop-postgres.sh.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
D="${QUANTA_PG_DIR:-/tmp/quanta-pg}"
PORT="${QUANTA_PG_PORT:-55432}"
ENV_FILE="$repo/.services/postgres.env"
URL="postgresql://quanta:quanta@127.0.0.1:$PORT/quanta"

log() { printf 'start-postgres: %s\n' "$*" >&2; }
die() {
  log "FAILED: $*"
  [ -f "$D/server.log" ] && { printf -- '--- last lines of %s ---\n' "$D/server.log" >&2; tail -n 25 "$D/server.log" >&2; }
  exit 1
}

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

BIN="$(bindir || true)"
if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ]; then
  [ "$(id -u)" = 0 ] || die "postgresql is not installed and installing it needs root: apt-get install -y postgresql"
  log "installing postgresql (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >/dev/null || die "apt-get install postgresql"
  BIN="$(bindir)"
fi

# The server refuses to run as root: run it as the `postgres` user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() { [ -f "$D/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$D/data" status >/dev/null 2>&1; }

mkdir -p "$D"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$D"

if ! [ -f "$D/data/PG_VERSION" ]; then
  log "initdb into $D/data"
  as_pg "$BIN/initdb" -D "$D/data" -U postgres -A trust -E UTF8 >"$D/initdb.log" 2>&1 || die "initdb (see $D/initdb.log)"
fi

if ! running; then
  log "starting on 127.0.0.1:$PORT"
  as_pg "$BIN/pg_ctl" -D "$D/data" -l "$D/server.log" -w -t 60 \
    -o "-p $PORT -k $D -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null ||
    die "pg_ctl start"
fi

psql_pg() { as_pg "$BIN/psql" -h "$D" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql_pg -d postgres -c "select 1 from pg_roles where rolname='quanta'")" != 1 ]; then
  psql_pg -d postgres -c "create role quanta login password 'quanta' createdb" || die "create role"
fi
if [ "$(psql_pg -d postgres -c "select 1 from pg_database where datname='quanta'")" != 1 ]; then
  psql_pg -d postgres -c "create database quanta owner quanta" || die "create database"
fi

# daf_butler's registry (the oracle of the differential tests) needs btree_gist for its
# timespan exclusion constraints; only a superuser may create the extension.
psql_pg -d quanta -c "create extension if not exists btree_gist" || die "create extension btree_gist"

mkdir -p "$(dirname "$ENV_FILE")"
printf 'QUANTA_PG_URL=%s\nQUANTA_PG_DIR=%s\n' "$URL" "$D" >"$ENV_FILE"
log "ready: $URL (env in $ENV_FILE)"
