#!/usr/bin/env bash
# Stop the PostgreSQL server started by start-postgres.sh (the one whose PID file is in
# $QUANTA_PG_DIR/data) and remove .services/postgres.env. The data directory is kept.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
D="${QUANTA_PG_DIR:-/tmp/quanta-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"

rm -f "$repo/.services/postgres.env"
pidfile="$D/data/postmaster.pid"
if ! [ -f "$pidfile" ]; then
  printf 'stop-postgres: not running (no %s)\n' "$pidfile" >&2
  exit 0
fi
pid="$(head -n 1 "$pidfile")"
if [ -n "$BIN" ] && [ -x "$BIN/pg_ctl" ]; then
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$BIN/pg_ctl" -D "$D/data" -m fast -w stop >/dev/null || kill -INT "$pid" || true
  else
    "$BIN/pg_ctl" -D "$D/data" -m fast -w stop >/dev/null || kill -INT "$pid" || true
  fi
else
  kill -INT "$pid" || true
fi
printf 'stop-postgres: stopped (pid %s)\n' "$pid" >&2
