#!/usr/bin/env bash
# Stop the private Slurm cluster started by start-slurm.sh: cancel its jobs, stop the daemons by
# their PID files (never pkill: other clusters may run on this machine), remove the network
# namespaces and the bridge, delete $QUANTA_SLURM_DIR and .services/slurm.env.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
B="${QUANTA_SLURM_DIR:-/tmp/quanta-slurm}"
BR="${QUANTA_SLURM_BRIDGE:-qsl-br0}"
NS_PREFIX="${QUANTA_SLURM_NS_PREFIX:-qsl-n}"
CONF="$B/etc/slurm.conf"

live() { # PID -> true when it exists and is not a zombie (PID 1 may not reap)
  local st
  st="$(ps -o stat= -p "$1" 2>/dev/null || true)"
  [ -n "$st" ] && [[ "$st" != Z* ]]
}

stop_pidfile() {
  local f="$1" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f" 2>/dev/null)"
  [ -n "$pid" ] || return 0
  live "$pid" || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    live "$pid" || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

if [ -f "$CONF" ] && command -v scancel >/dev/null; then
  SLURM_CONF="$CONF" timeout 10 scancel --user=root >/dev/null 2>&1 || true
fi
for f in "$B"/run/slurmd-*.pid; do [ -e "$f" ] && stop_pidfile "$f"; done
stop_pidfile "$B/run/slurmctld.pid"
stop_pidfile "$B/munge/munged.pid"

for i in 1 2 3; do
  ip netns del "$NS_PREFIX$i" 2>/dev/null || true # also removes the veth pair
done
ip link del "$BR" 2>/dev/null || true

rm -rf "$B"
rm -f "$repo/.services/slurm.env"
echo "stop-slurm: stopped" >&2
