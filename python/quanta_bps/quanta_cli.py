"""Finding and running the ``quanta`` command line (argv lists, no shell), and the runs it knows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

QUANTA_ENV = "QUANTA_BPS_QUANTA"  # path of `quanta` or of quanta's bin/quanta.js
RUNS_ENV = "QUANTA_BPS_RUNS"  # file listing the submit dirs bps submitted through quanta
COMMAND_FILE = "quanta_bps.json"  # in the submit dir: the quanta command the run was started with


def quanta_command(configured: str | None = None) -> list[str]:
    """``quantaCommand`` from the bps YAML, else ``$QUANTA_BPS_QUANTA``, else ``quanta`` on PATH.

    A ``.js`` path is run with ``node`` (``$QUANTA_BPS_NODE``, else ``node`` on PATH).
    """
    target = configured or os.environ.get(QUANTA_ENV) or shutil.which("quanta")
    if not target:
        raise RuntimeError(
            f"quanta not found: put `quanta` on PATH, set ${QUANTA_ENV} to it (or to bin/quanta.js), "
            "or set quantaCommand in the bps YAML"
        )
    if target.endswith(".js"):
        node = os.environ.get("QUANTA_BPS_NODE") or shutil.which("node") or "node"
        return [node, os.path.abspath(target)]
    return [os.path.abspath(target) if os.sep in target else target]


def save_command(submit_dir: str, command: list[str]) -> None:
    with open(os.path.join(submit_dir, COMMAND_FILE), "w") as f:
        json.dump({"quanta": command}, f)


def command_of(submit_dir: str) -> list[str]:
    """The quanta command a run was submitted with (``bps restart/report/cancel`` get no config)."""
    try:
        with open(os.path.join(submit_dir, COMMAND_FILE)) as f:
            saved = json.load(f)["quanta"]
            return [str(a) for a in saved]
    except (OSError, KeyError, ValueError):
        return quanta_command()


def run(submit_dir: str, args: list[str], capture: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command_of(submit_dir), *args], text=True, capture_output=capture, check=False
    )


def json_of(submit_dir: str, args: list[str]) -> Any:
    r = run(submit_dir, [*args, "--json"], capture=True)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"quanta {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout)


def runs_file() -> str:
    state = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return os.environ.get(RUNS_ENV) or os.path.join(state, "quanta", "bps-runs.txt")


def remember(submit_dir: str) -> None:
    path = runs_file()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if submit_dir not in known_runs():
        with open(path, "a") as f:
            f.write(submit_dir + "\n")


def known_runs() -> list[str]:
    try:
        with open(runs_file()) as f:
            lines = [ln.strip() for ln in f]
    except OSError:
        return []
    return [d for d in dict.fromkeys(lines) if d and os.path.isdir(d)]
