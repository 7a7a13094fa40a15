"""Node.js's IPC channel seen from a non-Node child: the socket whose fd is in NODE_CHANNEL_FD,
carrying one JSON document per line (the parent forks with `serialization: 'json'`).
Writes never block: a parent that is frozen (SIGSTOP) must not freeze the spawner, which has to
fence its jobs meanwhile; what does not fit in the socket waits here for the event loop.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

# set by Node.js for its child; a job must not inherit them (it is not on the channel)
CHANNEL_VARS = ("NODE_CHANNEL_FD", "NODE_CHANNEL_SERIALIZATION_MODE")


class Channel:
    def __init__(self, fd: int) -> None:
        # jobs must not inherit the channel: libuv left it inheritable for us
        os.set_inheritable(fd, False)
        self.sock = socket.socket(fileno=fd)
        self.sock.setblocking(False)
        self.inbuf = b""
        self.out = bytearray()
        self.closed = False

    @classmethod
    def from_env(cls) -> Channel:
        fd = os.environ.get("NODE_CHANNEL_FD")
        if fd is None:
            raise SystemExit("quanta_spawn: no NODE_CHANNEL_FD (start it from SpawnerPool)")
        for v in CHANNEL_VARS:
            os.environ.pop(v, None)
        return cls(int(fd))

    def fileno(self) -> int:
        return self.sock.fileno()

    def receive(self) -> list[dict[str, Any]] | None:
        """The messages that arrived (maybe none); None once the parent closed the channel."""
        try:
            data = self.sock.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            return []
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return None
        lines = (self.inbuf + data).split(b"\n")
        self.inbuf = lines.pop()
        out: list[dict[str, Any]] = []
        for line in lines:
            if not line:
                continue
            m = json.loads(line)
            # Node.js's own messages ({cmd: 'NODE_...'}: handles, cluster) are not ours
            if isinstance(m, dict) and not str(m.get("cmd", "")).startswith("NODE_"):
                out.append(m)
        return out

    def send(self, m: dict[str, Any]) -> None:
        """Queue one message and write what the socket takes now."""
        if self.closed:
            return  # nobody is left to tell: the disconnect kills the jobs
        self.out += json.dumps(m, separators=(",", ":")).encode() + b"\n"
        self.flush()

    def flush(self) -> None:
        while self.out and not self.closed:
            try:
                n = self.sock.send(self.out)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.closed = True  # the parent went away: the read side sees EOF next
                self.out.clear()
                return
            del self.out[:n]

    @property
    def pending(self) -> bool:
        """Whether output waits for the socket to drain."""
        return bool(self.out)
