#!/usr/bin/env bash
# Install the real LSST middleware (daf_butler, sphgeom, pipe_base, ctrl_mpexec, ctrl_bps,
# ctrl_bps_parsl, parsl) into a git-ignored venv of the checkout, for the oracle tests.
#
# The venv is $QUANTA_LSST_VENV (default <repo>/.venv-lsst), made with python3.11 (or $QUANTA_PYTHON);
# the versions are those of python/constraints.txt exactly, and our own helper package
# (python/quanta_lsst, and quanta_bps, the bps plugin) is installed into it in editable mode. Writes .services/lsst.env with
# QUANTA_LSST_VENV=<venv>; its bin/ has python, butler, pipetask and bps.
#
# Idempotent: a stamp in the venv records the hash of the requirement and constraint files; when
# it matches and the middleware imports, nothing is installed again.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
VENV="${QUANTA_LSST_VENV:-$repo/.venv-lsst}"
PY="${QUANTA_PYTHON:-$(command -v python3.11 || command -v python3)}"
ENV_FILE="$repo/.services/lsst.env"
REQ="$repo/python/requirements-lsst.txt"
CON="$repo/python/constraints.txt"

log() { printf 'start-lsst: %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

[ -n "$PY" ] || die "no python3.11 or python3 on PATH"
"$PY" -c 'import sys; assert sys.version_info[:2] >= (3, 11), sys.version' 2>/dev/null ||
  die "$PY is older than Python 3.11"

stamp="$(cat "$REQ" "$CON" "$repo/python/pyproject.toml" | sha256sum | cut -c1-16)"
imports_ok() {
  "$VENV/bin/python" -c 'import lsst.daf.butler, lsst.sphgeom, lsst.pipe.base, lsst.ctrl.mpexec, lsst.ctrl.bps, lsst.ctrl.bps.parsl, parsl, quanta_lsst, quanta_bps' 2>/dev/null
}

# pip's output less its notes about absent local index folders.
pipq() {
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$@" 2>&1 | grep -v '^WARNING: Location' >&2
  return "${PIPESTATUS[0]}"
}

if [ -f "$VENV/.quanta-stamp" ] && [ "$(cat "$VENV/.quanta-stamp")" = "$stamp" ] && imports_ok; then
  log "venv $VENV is up to date"
else
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating venv $VENV with $("$PY" --version 2>&1)"
    "$PY" -m venv "$VENV" || die "python -m venv $VENV"
  fi
  log "installing the pinned LSST middleware (python/constraints.txt)"
  for attempt in 1 2 3; do
    if pipq -r "$REQ" -c "$CON" &&
      pipq --no-deps -e "$repo/python"; then
      break
    fi
    [ "$attempt" = 3 ] && die "pip install (see the messages above)"
    log "pip failed (attempt $attempt); retrying in 10 s"
    sleep 10
  done
  imports_ok || die "the middleware was installed but does not import; run $VENV/bin/python -c 'import lsst.daf.butler'"
  printf '%s\n' "$stamp" >"$VENV/.quanta-stamp"
fi

mkdir -p "$(dirname "$ENV_FILE")"
printf 'QUANTA_LSST_VENV=%s\n' "$VENV" >"$ENV_FILE"
log "ready: $("$VENV/bin/python" -c 'from importlib.metadata import version as v; print("daf_butler", v("lsst-daf-butler"), "pipe_base", v("lsst-pipe-base"), "ctrl_bps", v("lsst-ctrl-bps"))') (env in $ENV_FILE)"
