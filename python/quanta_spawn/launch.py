"""Starting one job with os.posix_spawn (glibc: clone(CLONE_VFORK), so no page-table copy), as
Node.js's spawn(..., {detached: true, stdio: ['ignore', log, log]}) would: a session and process
group of its own, stdin /dev/null, stdout+stderr appended to its log (created 0600), the signal
dispositions and mask a fresh process has.
"""

from __future__ import annotations

import errno
import os
import signal

LOG_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC

# Python ignores SIGPIPE and SIGXFSZ for itself; ignored dispositions survive exec: reset them
_RESET = tuple(
    s
    for s in signal.valid_signals()
    if s not in (signal.SIGKILL, signal.SIGSTOP) and signal.getsignal(s) == signal.SIG_IGN
)


class LogError(Exception):
    """The log file cannot be opened (the message says why)."""


def err_code(e: OSError) -> str:
    """ENOENT for errno 2: the code Node.js's messages use."""
    return errno.errorcode.get(e.errno or 0, str(e))


def open_log(path: str) -> int:
    """Open the log for appending; if its directory was removed under us, make it again."""
    try:
        return os.open(path, LOG_FLAGS, 0o600)
    except OSError:
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            return os.open(path, LOG_FLAGS, 0o600)
        except OSError as e:
            raise LogError(f"cannot open log {path}: {err_code(e)}") from e


def resolve(name: str, path_var: str | None) -> str:
    """argv[0] as execvp would find it, but on the job's PATH (as Node.js does), not ours."""
    if "/" in name:
        return name
    for d in (path_var if path_var is not None else os.defpath).split(os.pathsep):
        p = os.path.join(d or ".", name)
        if os.access(p, os.X_OK) and not os.path.isdir(p):
            return p
    raise FileNotFoundError(errno.ENOENT, "not found", name)


def _spawn(argv: list[str], env: dict[str, str], log: str) -> int:
    return os.posix_spawn(
        resolve(argv[0], env.get("PATH")),
        argv,
        env,
        file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, log, LOG_FLAGS & ~os.O_CLOEXEC, 0o600),
            (os.POSIX_SPAWN_DUP2, 1, 2),
        ],
        setsid=True,
        setsigdef=_RESET,
        setsigmask=(),
    )


def spawn_job(argv: list[str], env: dict[str, str], cwd: str | None, log: str) -> int:
    """Start the job; its pid. LogError when the log cannot be opened, OSError when the job
    cannot start (ENOENT, EACCES, a bad cwd)."""
    # posix_spawn has no chdir (before 3.13): this process is single-threaded, so it moves there
    # for the spawn and comes back
    home = os.open(".", os.O_RDONLY | os.O_CLOEXEC) if cwd else -1
    try:
        if cwd:
            os.chdir(cwd)
        try:
            return _spawn(argv, env, log)
        except OSError:
            # the log's directory may have vanished: open_log makes it, or says why it cannot
            os.close(open_log(log))
        return _spawn(argv, env, log)
    finally:
        if home >= 0:
            os.fchdir(home)
            os.close(home)
