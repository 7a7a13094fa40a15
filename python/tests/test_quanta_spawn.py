"""Tests of quanta_spawn, the Python spawner, driven as SpawnerPool drives it: a socket pair whose
child end is NODE_CHANNEL_FD, one JSON message a line. Real processes, found by their pids."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

MAIN = Path(__file__).resolve().parent.parent / "quanta_spawn" / "__main__.py"


class Peer:
    """The parent's side of the channel."""

    def __init__(self) -> None:
        mine, theirs = socket.socketpair()
        self.sock = mine
        env = {**os.environ, "NODE_CHANNEL_FD": str(theirs.fileno())}
        env["NODE_CHANNEL_SERIALIZATION_MODE"] = "json"
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(MAIN)], env=env, pass_fds=[theirs.fileno()]
        )
        theirs.close()
        self.buf = b""
        self.sock.settimeout(15)

    def send(self, m: dict[str, Any]) -> None:
        self.sock.sendall(json.dumps(m).encode() + b"\n")

    def recv(self) -> dict[str, Any]:
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            assert data, "spawner closed the channel"
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        m: dict[str, Any] = json.loads(line)
        return m

    def run(self, key: int, argv: list[str], log: Path, **extra: Any) -> dict[str, Any]:
        """Spawn and wait for the exit (a 'started' first unless it could not start)."""
        self.send({"type": "spawn", "key": key, "argv": argv, "env": {}, "logPath": str(log), **extra})
        m = self.recv()
        if m["type"] == "started":
            assert m["key"] == key and m["pid"] > 0
            m = self.recv()
        assert m["type"] == "exit" and m["key"] == key
        return m


@pytest.fixture
def peer() -> Iterator[Peer]:
    p = Peer()
    p.send({"type": "init", "env": {"QUANTA_RUN_ID": "run-17"}})
    yield p
    p.sock.close()
    p.proc.wait(10)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pid: int, seconds: float = 5) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.02)
    return False


def pid_file(path: Path, seconds: float = 10) -> int:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.02)
    raise AssertionError(f"no {path}")


def test_runs_a_job_with_its_environment_log_and_exit_code(peer: Peer, tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    script = "import os,sys; print(os.environ['QUANTA_RUN_ID'], os.environ['JOB_VAR'], os.getcwd(), "
    script += "'NODE_CHANNEL_FD' in os.environ, os.environ['QUANTA_JOB_TAG'] != ''); "
    script += "print('to err', file=sys.stderr); sys.exit(3)"
    peer.send(
        {
            "type": "spawn",
            "key": 1,
            "argv": [sys.executable, "-c", script],
            "env": {"JOB_VAR": "v1"},
            "cwd": str(tmp_path),
            "logPath": str(log),
        }
    )
    assert peer.recv()["type"] == "started"
    assert peer.recv() == {"type": "exit", "key": 1, "exitCode": 3, "signal": None}
    assert log.read_text().split("\n")[:2] == [f"run-17 v1 {tmp_path} False True", "to err"]
    assert stat.S_IMODE(log.stat().st_mode) & 0o077 == 0


def test_finds_argv0_on_path_and_reports_a_signal(peer: Peer, tmp_path: Path) -> None:
    m = peer.run(2, ["sh", "-c", "kill -TERM $$"], tmp_path / "s.log")
    assert (m["exitCode"], m["signal"]) == (None, "SIGTERM")


def test_a_job_gets_default_signal_dispositions(peer: Peer, tmp_path: Path) -> None:
    # Python ignores SIGPIPE; a job must not inherit that (`yes | head` ends by SIGPIPE)
    m = peer.run(3, ["sh", "-c", "yes | head -1 >/dev/null; kill -0 $$"], tmp_path / "p.log")
    assert m["exitCode"] == 0
    # grep reads its own status: no ignored signal (Python's SIGPIPE, SIGXFSZ) came with it. Not
    # counted: glibc's posix_spawn leaves its internal signals 32 and 33 ignored (bits 31, 32)
    assert peer.run(4, ["grep", "SigIgn", "/proc/self/status"], tmp_path / "q.log")["exitCode"] == 0
    assert int((tmp_path / "q.log").read_text().split()[1], 16) & ~(0b11 << 31) == 0


def test_reports_a_missing_program_in_the_log_and_the_exit(peer: Peer, tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    m = peer.run(5, [str(tmp_path / "no-such-program")], log)
    assert m["exitCode"] is None and m["signal"] is None
    assert m["message"] == f"cannot start {tmp_path / 'no-such-program'}: ENOENT"
    assert log.read_text() == f"quanta: {m['message']}\n"
    m = peer.run(6, ["no-such-program-on-path"], log)
    assert m["message"] == "cannot start no-such-program-on-path: ENOENT"


def test_makes_a_vanished_log_directory_again(peer: Peer, tmp_path: Path) -> None:
    log = tmp_path / "gone" / "deeper" / "j.log"
    assert peer.run(7, ["sh", "-c", "echo hi"], log)["exitCode"] == 0
    assert log.read_text() == "hi\n"
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


def test_says_why_a_log_cannot_be_opened(peer: Peer, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    m = peer.run(8, ["true"], tmp_path / "file" / "j.log")
    # (Node.js says ENOTDIR here, Python's makedirs EEXIST: the code is the OS's, either will do)
    assert m["message"].startswith(f"cannot open log {tmp_path / 'file' / 'j.log'}: E")


def test_kills_a_setsid_child_the_job_left_behind(peer: Peer, tmp_path: Path) -> None:
    pf = tmp_path / "sleep.pid"
    assert peer.run(9, ["sh", "-c", f"setsid sleep 300 & echo $! > {pf}"], tmp_path / "t.log")["exitCode"] == 0
    assert wait_gone(pid_file(pf))


def test_looks_again_at_an_empty_environment_only_for_a_live_user_process() -> None:
    # an empty environ is what /proc shows of a process in the middle of an execve; kill_tagged
    # looks at such a process again (a setsid child caught there was left behind, 2 in 300 runs)
    from quanta_spawn.tree_kill import _mid_exec

    # a grandchild: a child of ours is taken for another job's root, never looked at again
    sh = subprocess.Popen(["sh", "-c", "env -i sleep 30 & echo $!; wait"], stdout=subprocess.PIPE)
    assert sh.stdout is not None
    pid = int(sh.stdout.readline())
    try:
        end = time.monotonic() + 5
        while Path(f"/proc/{pid}/environ").read_bytes() != b"" and time.monotonic() < end:
            time.sleep(0.01)
        assert _mid_exec(pid)  # live, a user process, no environment
        assert not _mid_exec(sh.pid)  # our child, with its environment read or not
        os.kill(pid, 9)
        sh.wait(10)  # sh reaped it
        assert not _mid_exec(pid)  # gone
    finally:
        sh.kill()
        sh.wait()


def test_ignores_node_internal_messages(peer: Peer, tmp_path: Path) -> None:
    peer.send({"cmd": "NODE_HANDLE_ACK"})
    assert peer.run(10, ["true"], tmp_path / "i.log")["exitCode"] == 0


def test_fences_its_jobs_when_the_lease_lapses(peer: Peer, tmp_path: Path) -> None:
    pf = tmp_path / "child.pid"
    peer.send({"type": "lease", "ms": 300})
    argv = ["sh", "-c", f"setsid sleep 300 & echo $! > {pf}; exec sleep 300"]
    peer.send({"type": "spawn", "key": 11, "argv": argv, "env": {}, "logPath": str(tmp_path / "f.log")})
    started = peer.recv()
    child = pid_file(pf)
    t0 = time.monotonic()
    m = peer.recv()  # nothing renews the lease
    assert time.monotonic() - t0 < 2
    assert m["key"] == 11 and m["fenced"] is True and m["signal"] == "SIGKILL"
    assert m["message"].startswith("fenced: its worker stopped renewing the lease for 0.")
    assert wait_gone(started["pid"]) and wait_gone(child)


def test_does_not_fence_while_the_parent_renews(peer: Peer, tmp_path: Path) -> None:
    peer.send({"type": "lease", "ms": 200})
    peer.send({"type": "spawn", "key": 12, "argv": ["sleep", "0.8"], "env": {}, "logPath": str(tmp_path / "r.log")})
    assert peer.recv()["type"] == "started"
    for _ in range(8):
        time.sleep(0.1)
        peer.send({"type": "lease", "ms": 200})
    assert peer.recv() == {"type": "exit", "key": 12, "exitCode": 0, "signal": None}


def test_kills_its_jobs_and_exits_when_the_parent_goes(tmp_path: Path) -> None:
    p = Peer()
    pf = tmp_path / "child.pid"
    argv = ["sh", "-c", f"setsid sleep 300 & echo $! > {pf}; exec sleep 300"]
    p.send({"type": "spawn", "key": 1, "argv": argv, "env": {}, "logPath": str(tmp_path / "d.log")})
    job = p.recv()["pid"]
    child = pid_file(pf)
    p.sock.close()
    assert p.proc.wait(10) == 0
    assert wait_gone(job) and wait_gone(child)
