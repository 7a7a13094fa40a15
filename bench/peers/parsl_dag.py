"""Plain Parsl peer of ``quanta run-workflow --executor pilot``, inside one Slurm allocation.

    python parsl_dag.py WORKFLOW_JSON RUN_DIR [--restart] [--done-log FILE] [--result FILE]

Runs the jobs of a quanta workflow JSON (``{"jobs": [{"id", "argv", "needs"}]}``) as Parsl
``bash_app``s whose ``inputs`` are the futures of their ``needs``. Parsl is set up the way
ctrl_bps_parsl's site configs and gen3_workflow build it for a batch allocation: one
HighThroughputExecutor, LocalProvider with ``nodes_per_block`` = the allocation's nodes and an
SrunLauncher (one worker pool per node, ``max_workers_per_node`` = the node's cores), app caching
on and ``checkpoint_mode='task_exit'``. With ``--restart`` the checkpoints of the earlier run in
RUN_DIR are loaded (Parsl 2026: through ``BasicMemoizer``; ``get_all_checkpoints`` is what
``checkpoint_files=None`` loads), so memoized tasks do not run again.

``--done-log`` appends the id of every task the DataFlowKernel saw finish (what it knew to be
done when it was killed). ``--result`` writes ``{"first_done": epoch_s, "end": epoch_s,
"tasks": n, "failed": n, "from_cache": n}``; ``from_cache`` counts the tasks Parsl's app cache
answered without running them (after ``--restart``, the checkpointed ones; in a fresh run, any
whose command line and inputs repeat an earlier task's).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import IO, TypedDict

import parsl
from parsl.addresses import address_by_hostname, address_by_route, get_all_addresses
from parsl.app.app import bash_app
from parsl.config import Config
from parsl.dataflow.futures import AppFuture
from parsl.dataflow.memoization import BasicMemoizer
from parsl.executors import HighThroughputExecutor
from parsl.launchers import SrunLauncher
from parsl.providers import LocalProvider


class Job(TypedDict):
    id: str
    argv: list[str]
    needs: list[str]


def allocation_nodes() -> int:
    """Nodes of the surrounding Slurm allocation."""
    return int(os.environ.get("SLURM_JOB_NUM_NODES", "1"))


def node_cores() -> int:
    """Cores per node (the first figure of SLURM_JOB_CPUS_PER_NODE, e.g. ``2(x3)``)."""
    raw = os.environ.get("SLURM_JOB_CPUS_PER_NODE", "")
    head = raw.split("(")[0].split(",")[0]
    return int(head) if head.isdigit() else (os.cpu_count() or 1)


def interchange_address() -> str:
    """An address of this node the other nodes reach.

    ctrl_bps_parsl's default, ``address_by_hostname``, does not resolve on the test cluster's nodes,
    and ``address_by_route`` needs a default route; fall back to the first non-loopback address.
    """
    for how in (address_by_hostname, address_by_route):
        try:
            return how()
        except OSError:
            pass
    for addr in sorted(get_all_addresses()):
        if not addr.startswith("127.") and ":" not in addr:
            return addr
    return "127.0.0.1"


def make_config(run_dir: str, nodes: int, cores: int, step_mem_mb: int) -> Config:
    """HTEX over the allocation's nodes, as ctrl_bps_parsl/gen3_workflow set it up."""
    # every step names its memory and CPUs: without them a step waits for what the batch step holds
    overrides = f"--nodes={nodes} --ntasks-per-node=1 --exact -c {cores} --mem={step_mem_mb}M"
    executor = HighThroughputExecutor(
        label="allocation",
        address=interchange_address(),
        max_workers_per_node=cores,
        provider=LocalProvider(  # type: ignore[no-untyped-call]  # Parsl leaves __init__ untyped
            nodes_per_block=nodes,
            init_blocks=1,
            min_blocks=1,
            max_blocks=1,
            launcher=SrunLauncher(overrides=overrides),
        ),
    )
    return Config(
        executors=[executor],
        run_dir=run_dir,
        retries=1,  # ctrl_bps_parsl's default site.retries
        memoizer=BasicMemoizer(checkpoint_mode="task_exit"),
        strategy="none",
    )


def run_command(command_line: str, inputs: Sequence[object] = ()) -> str:
    """What the bash_app runs (ctrl_bps_parsl's ``run_command``: the command line itself)."""
    return command_line


def read_jobs(path: str) -> list[Job]:
    with open(path, encoding="utf8") as f:
        data = json.load(f)
    return [Job(id=j["id"], argv=j["argv"], needs=j.get("needs", [])) for j in data["jobs"]]


class Outcome(TypedDict):
    first_done: float
    failed: int
    from_cache: int


def run(jobs: list[Job], config: Config, done_log: IO[str] | None) -> Outcome:
    """Submit every job, wait for all: the first finished task's epoch, failures, cache hits."""
    parsl.load(config)
    app = bash_app(run_command, executors=["allocation"], cache=True)
    first: list[float] = []
    futures: dict[str, AppFuture] = {}

    def on_done(job_id: str) -> Callable[[Future[object]], None]:
        def cb(fut: Future[object]) -> None:
            if not first:
                first.append(time.time())
            if done_log is not None and fut.exception() is None:
                done_log.write(f"{job_id}\n")
                done_log.flush()

        return cb

    for job in jobs:  # the workflow lists a job after its needs
        fut = app(shlex.join(job["argv"]), inputs=[futures[n] for n in job["needs"]])
        fut.add_done_callback(on_done(job["id"]))
        futures[job["id"]] = fut
    failed = sum(1 for f in futures.values() if f.exception() is not None)
    cached = sum(1 for f in futures.values() if f.task_status() == "memo_done")
    parsl.dfk().cleanup()
    return {"first_done": first[0] if first else time.time(), "failed": failed, "from_cache": cached}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="run a quanta workflow JSON with plain Parsl HTEX")
    p.add_argument("workflow")
    p.add_argument("run_dir")
    p.add_argument("--restart", action="store_true", help="load the checkpoints in RUN_DIR")
    p.add_argument("--done-log")
    p.add_argument("--result")
    p.add_argument("--step-mem", type=int, default=2000, help="MB per worker step")
    args = p.parse_args(argv)
    run_dir = os.path.join(args.run_dir, "runinfo")
    if not args.restart and os.path.isdir(run_dir) and os.listdir(run_dir):
        p.error(f"{run_dir} already holds a run; use --restart")
    config = make_config(run_dir, allocation_nodes(), node_cores(), args.step_mem)
    jobs = read_jobs(args.workflow)
    done_log = open(args.done_log, "a", encoding="utf8") if args.done_log else None
    try:
        out = run(jobs, config, done_log)
    finally:
        if done_log is not None:
            done_log.close()
    if args.result:
        with open(args.result, "w", encoding="utf8") as f:
            json.dump({**out, "end": time.time(), "tasks": len(jobs)}, f)
    return 1 if out["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
