"""One bps GenericWorkflowJob as one quanta command job (the job adapter)."""

from __future__ import annotations

import math
import os
import re
import shlex
from collections.abc import Mapping
from typing import Any

from lsst.ctrl.bps import GenericWorkflowJob

_ENV = re.compile(r"<ENV:([^>\s]+)>")
_FILE = re.compile(r"<FILE:([^>\s]+)>")


class PlaceholderError(ValueError):
    """A command line names a file or environment variable that has no value."""


def _substitute(text: str, files: Mapping[str, str], env: Mapping[str, str], job: str) -> str:
    """Replace ``<ENV:X>`` and ``<FILE:X>`` until none is left (a value may hold another)."""

    def env_value(m: re.Match[str]) -> str:
        if m.group(1) not in env:
            raise PlaceholderError(f"job {job}: environment variable {m.group(1)} is not set")
        return env[m.group(1)]

    def file_value(m: re.Match[str]) -> str:
        if m.group(1) not in files:
            raise PlaceholderError(f"job {job}: no input file named {m.group(1)}")
        return files[m.group(1)]

    for _ in range(20):
        new = _FILE.sub(file_value, _ENV.sub(env_value, text))
        if new == text:
            return new
        text = new
    raise PlaceholderError(f"job {job}: placeholders in {text!r} do not resolve")


def job_env(job: GenericWorkflowJob, base: Mapping[str, str]) -> dict[str, str]:
    """The job's own environment, its values' placeholders resolved against ``base``."""
    return {
        k: _substitute(str(v), {}, {**base}, job.name) for k, v in (job.environment or {}).items()
    }


def job_argv(
    job: GenericWorkflowJob, files: Mapping[str, str], base_env: Mapping[str, str] | None = None
) -> list[str]:
    """The job's command as an argv list, as ctrl_bps_parsl evaluates it.

    ``{key}`` from the job's cmdvals, then ``<ENV:X>`` (the job's environment, else the
    environment of ``bps submit``: there is no shell to expand it later) and ``<FILE:X>``
    (the file's path: a shared filesystem, like ctrl_bps_parsl) are substituted; the result is
    split as a shell would split it, without a shell.
    """
    base = dict(os.environ if base_env is None else base_env)
    env = {**base, **job_env(job, base)}
    assert job.executable is not None, f"job {job.name} has no executable"
    command = f"{job.executable.src_uri} {job.arguments or ''}"
    command = command.format(**(job.cmdvals or {}))
    return shlex.split(_substitute(command, files, env, job.name))


def _walltime_sec(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(math.ceil(float(value) * 60))  # bps's requestWalltime is in minutes


def retry_unless_exit(value: int | list[int] | None) -> list[int] | None:
    """bps's ``retry_unless_exit`` (one exit code or a list; None: retry every failure) as a list."""
    if value is None:
        return None
    return [int(value)] if isinstance(value, int) else [int(v) for v in value]


def job_to_quanta(
    job: GenericWorkflowJob,
    files: Mapping[str, str],
    needs: list[str],
    base_env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The quanta workflow job (docs/engine.md "The workflow file") for a bps job."""
    base = dict(os.environ if base_env is None else base_env)
    out: dict[str, Any] = {
        "id": job.name,
        "label": job.label or job.name,
        "argv": job_argv(job, files, base),
        "needs": sorted(needs),
        "requestMemory": int(job.request_memory or 2048),
        "requestCpus": int(job.request_cpus or 1),
        "numberOfRetries": int(job.number_of_retries or 0),
        "memoryMultiplier": float(job.memory_multiplier or 1),
    }
    env = job_env(job, base)
    if env:
        out["env"] = env
    timeout = _walltime_sec(job.request_walltime)
    if timeout:
        out["timeoutSec"] = timeout
    unless = retry_unless_exit(job.retry_unless_exit)
    if unless is not None:
        out["retryUnlessExit"] = unless  # a failure exiting so is not retried
    return out
