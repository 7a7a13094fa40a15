"""The spawner's event loop: messages from the parent, jobs' exits (pidfds), the lease.
Protocol: src/executors/spawn-protocol.ts; behaviour: src/executors/spawner-process.ts.
"""

from __future__ import annotations

import os
import secrets
import selectors
import signal
import sys
from dataclasses import dataclass
from typing import Any

from quanta_spawn.channel import Channel
from quanta_spawn.launch import LogError, err_code, spawn_job
from quanta_spawn.lease import Lease, fenced_message
from quanta_spawn.tree_kill import JOB_TAG_VAR, kill_job_tree


@dataclass
class Job:
    key: int
    pid: int
    tag: str
    pidfd: int
    fenced: str | None = None


class Spawner:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.base_env: dict[str, str] = dict(os.environ)
        self.live: dict[int, Job] = {}
        self.tag_base = f"{os.getpid()}.{secrets.token_hex(6)}"
        self.tags = 0
        self.lease = Lease()
        self.sel = selectors.DefaultSelector()
        self.sel.register(channel.fileno(), selectors.EVENT_READ, None)
        self.writing = False

    def on_message(self, m: dict[str, Any]) -> None:
        kind = m.get("type")
        if kind == "lease":
            self.lease.set(float(m["ms"]))
            return
        self.lease.renew()
        if kind == "init":
            self.base_env = {**os.environ, **m["env"]}
        elif kind == "spawn":
            self.start(m)

    def start(self, r: dict[str, Any]) -> None:
        key: int = r["key"]
        argv: list[str] = r["argv"]
        self.tags += 1
        tag = f"{self.tag_base}.{self.tags}"
        env = {**self.base_env, **r["env"], JOB_TAG_VAR: tag}
        try:
            pid = spawn_job(argv, env, r.get("cwd"), r["logPath"])
        except LogError as e:
            self.exit_msg(key, None, None, str(e))
            return
        except OSError as e:
            self.fail_start(r, f"cannot start {argv[0]}: {err_code(e)}")
            return
        # a pidfd of a process that already exited still works: it is our unreaped zombie
        pidfd = os.pidfd_open(pid)
        job = Job(key, pid, tag, pidfd)
        self.live[pid] = job
        self.sel.register(pidfd, selectors.EVENT_READ, job)
        self.channel.send({"type": "started", "key": key, "pid": pid})

    def fail_start(self, r: dict[str, Any], message: str) -> None:
        try:
            fd = os.open(r["logPath"], os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, f"quanta: {message}\n".encode())
            finally:
                os.close(fd)
        except OSError:
            pass  # no log file: the message still reaches the journal
        self.exit_msg(r["key"], None, None, message)

    def exit_msg(
        self, key: int, code: int | None, sig: str | None, message: str | None, fenced: bool = False
    ) -> None:
        m: dict[str, Any] = {"type": "exit", "key": key, "exitCode": code, "signal": sig}
        if message:
            m["message"] = message
        if fenced:
            m["fenced"] = True
        self.channel.send(m)

    def reap(self, job: Job) -> None:
        # kill what the job left behind while its zombie still holds the pid (= the group id)
        kill_job_tree(job.pid, job.tag)
        _, status = os.waitpid(job.pid, 0)
        self.sel.unregister(job.pidfd)
        os.close(job.pidfd)
        del self.live[job.pid]
        if os.WIFSIGNALED(status):
            n = os.WTERMSIG(status)
            code, sig = None, signal.Signals(n).name if n in signal.valid_signals() else str(n)
        else:
            code, sig = os.waitstatus_to_exitcode(status), None
        self.exit_msg(job.key, code, sig, job.fenced, job.fenced is not None)

    def fence(self, silent_ms: float) -> None:
        message = fenced_message(silent_ms)
        for job in self.live.values():
            job.fenced = message
            kill_job_tree(job.pid, job.tag)

    def kill_all(self) -> None:
        for job in self.live.values():
            kill_job_tree(job.pid, job.tag)

    def watch_writes(self) -> None:
        """Wait for the socket to drain only while output is pending."""
        want = self.channel.pending
        if want != self.writing:
            ev = selectors.EVENT_READ | (selectors.EVENT_WRITE if want else 0)
            self.sel.modify(self.channel.fileno(), ev, None)
            self.writing = want

    def run(self) -> int:
        while True:
            for k, ev in self.sel.select(self.lease.timeout()):
                if k.data is not None:
                    self.reap(k.data)
                    continue
                if ev & selectors.EVENT_WRITE:
                    self.channel.flush()
                if ev & selectors.EVENT_READ:
                    msgs = self.channel.receive()
                    if msgs is None:
                        # the manager went away: nobody is left to account for its jobs
                        self.kill_all()
                        return 0
                    for m in msgs:
                        self.on_message(m)
            silent = self.lease.check()
            if silent is not None:
                self.fence(silent)
            self.watch_writes()


def main() -> int:
    channel = Channel.from_env()
    return Spawner(channel).run()


if __name__ == "__main__":
    sys.exit(main())
