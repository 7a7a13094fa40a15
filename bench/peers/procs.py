"""Process helpers of the peers bench: run a driver and get its peak RSS, kill a driver's session,
cancel the allocation's leftover job steps."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass
class Finished:
    status: int
    wall_s: float
    start: float  # epoch s, just before the spawn
    maxrss_mb: float  # largest resident set of the driver or any process it waited for


def spawn(argv: Sequence[str], cwd: str, env: Mapping[str, str], log: str) -> subprocess.Popen[bytes]:
    """Start a driver in its own session (so that its local helpers can be killed with it)."""
    out = open(log, "ab")
    try:
        return subprocess.Popen(
            list(argv), cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        out.close()


def wait(proc: subprocess.Popen[bytes], start: float) -> Finished:
    """Reap the driver with wait4: exit status, wall time and peak RSS (ru_maxrss, KiB on Linux)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Finished(proc.returncode, time.time() - start, start, usage.ru_maxrss / 1024)


def run(argv: Sequence[str], cwd: str, env: Mapping[str, str], log: str) -> Finished:
    start = time.time()
    return wait(spawn(argv, cwd, env, log), start)


def session_pids(sid: int) -> list[int]:
    pids: list[int] = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="utf8") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the command: state ppid pgrp session ...
        if int(fields[3]) == sid:
            pids.append(int(name))
    return pids


def kill_session(proc: subprocess.Popen[bytes]) -> None:
    """kill -9 of the driver and of every process of its session (Parsl's interchange, srun clients)."""
    for pid in [proc.pid, *session_pids(proc.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def cancel_steps(env: Mapping[str, str], timeout_s: float = 60) -> None:
    """scancel every step of this allocation but the batch/extern ones; wait until they are gone."""
    job = env.get("SLURM_JOB_ID", "")
    if not job:
        return
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        out = subprocess.run(
            ["squeue", "-h", "-s", "-j", job, "-o", "%i"], env=dict(env), capture_output=True, text=True
        ).stdout.split()
        steps = [s for s in out if not s.endswith((".batch", ".extern"))]
        if not steps:
            return
        subprocess.run(["scancel", "--quiet", *steps], env=dict(env), check=False)
        time.sleep(0.5)
