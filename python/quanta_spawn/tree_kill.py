"""Killing everything a job started (the port of src/executors/tree-kill.ts, which says why):
its process group, its descendants by parent links, and every process started after it whose
environment carries the job's tag (a setsid child, a double-forked daemon).
"""

from __future__ import annotations

import os
import signal
import time

JOB_TAG_VAR = "QUANTA_JOB_TAG"
"""The environment variable that marks every process of one command job (tree-kill.ts)."""

RANGE_SCAN_MAX = 2048
"""Pids above the root's scanned one by one before listing all of /proc is cheaper."""


def read_file(path: str) -> bytes | None:
    """The whole file, or None when it cannot be read (gone, not ours). os.read: no file object."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        chunks: list[bytes] = []
        while True:
            b = os.read(fd, 65536)
            if not b:
                return b"".join(chunks)
            chunks.append(b)
    except OSError:
        return None
    finally:
        os.close(fd)


def send(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass  # gone already


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(pid, sig)
    except OSError:
        pass  # the group is gone already (the common case once a job exited)


def _children(pid: int) -> list[int]:
    """Children by the kernel's children files (CONFIG_PROC_CHILDREN), one per thread."""
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        text = read_file(f"/proc/{pid}/task/{tid}/children")
        if text:
            out.extend(int(k) for k in text.split())
    return out


def descendants_of(root: int) -> list[int]:
    """The root's descendants now by parent links (walked from the root), the root not included."""
    out: list[int] = []
    todo = [(root, 0)]
    while todo:
        pid, depth = todo.pop()
        if depth > 0:
            out.append(pid)
        if depth <= 32:
            todo.extend((k, depth + 1) for k in _children(pid))
    return out


def signal_tree(root: int, sig: int) -> None:
    """Send `sig` to the process group of `root` and to its descendants now."""
    now = descendants_of(root)
    kill_group(root, sig)
    for pid in now:
        send(pid, sig)


def _candidates_after(root: int) -> range | list[int]:
    """Pids that may have started after `root` (tree-kill.ts candidatesAfter)."""
    text = read_file("/proc/sys/kernel/ns_last_pid")
    last = int(text) if text and text.strip().isdigit() else None
    if last is not None and root <= last <= root + RANGE_SCAN_MAX:
        return range(root + 1, last + 1)
    try:
        return [int(n) for n in os.listdir("/proc") if n.isdigit()]
    except OSError:
        return []


PF_KTHREAD = 0x00200000
"""The kernel's flag (field 9 of /proc/<pid>/stat) on its own threads, which have no environment."""


def _mid_exec(pid: int) -> bool:
    """A live user process with an empty environment is most likely in the middle of an execve
    (the new image's environment is not set up yet). Zombies and kernel threads have none, and a
    child of this process is another job's root (posix_spawn returns before its exec is done)."""
    text = read_file(f"/proc/{pid}/stat")
    if not text:
        return False
    rest = text[text.rfind(b")") + 2 :].split()
    return (
        rest[0] not in (b"Z", b"X")
        and int(rest[6]) & PF_KTHREAD == 0
        and int(rest[1]) != os.getpid()
    )


def kill_tagged(root: int, tag: str) -> int:
    """SIGKILL every process started after `root` carrying the tag, in rounds (at most 10) until
    a round finds no new one (one may fork while we look) and none caught in an execve (a round
    that only found those waits a millisecond first). Returns how many were killed."""
    needle = f"\0{JOB_TAG_VAR}={tag}\0".encode()
    me = os.getpid()
    killed: set[int] = set()
    for _ in range(10):
        fresh = 0
        unsure = 0
        for pid in _candidates_after(root):
            if pid == me or pid in killed:
                continue
            env = read_file(f"/proc/{pid}/environ")
            if env == b"":
                unsure += _mid_exec(pid)
                continue
            # the block starts with a variable and ends with a NUL: frame it to match whole
            if not env or not (env.startswith(needle[1:]) or needle in env):
                continue
            send(pid, signal.SIGKILL)
            killed.add(pid)
            fresh += 1
        if fresh == 0 and unsure == 0:
            break
        if fresh == 0:
            time.sleep(0.001)
    return len(killed)


def kill_job_tree(root: int, tag: str | None = None) -> None:
    """The job is over: kill its group, its tree and whatever carries its tag."""
    signal_tree(root, signal.SIGKILL)
    if tag:
        kill_tagged(root, tag)
