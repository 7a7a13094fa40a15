"""The part of the peers bench that runs inside one ``sbatch --nodes=3`` allocation.

    python inner.py WORKLOAD --work DIR --root QUANTA_ROOT --out FILE [--reps N] [--workflow F]
                    [--systems quanta,parsl,bps] [--pipeline-tasks N]

WORKLOAD is ``dag`` (a workflow JSON of no-op commands), ``recovery`` (the same with marker
commands; kill -9 of the manager at 50%, then ``quanta restore`` / Parsl ``--restart``) or
``pipeline`` (pipe_base's AddTask pipeline: ``quanta submit`` / ``bps submit`` with
ctrl_bps_parsl). Every system runs once per rep, in turn, on the same allocation; each run's
figures go to FILE as JSON (a list of rows), which bench/peers/peers.bench.ts turns into the table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import procs

HERE = os.path.dirname(os.path.abspath(__file__))
Row = dict[str, Any]


class Ctx:
    def __init__(self, root: str, work: str) -> None:
        self.root = root
        self.work = work
        venv = os.environ.get("QUANTA_LSST_VENV", os.path.join(root, ".venv-lsst"))
        self.python = os.path.join(venv, "bin", "python")
        self.env = dict(os.environ)
        # Parsl finds interchange.py and process_worker_pool.py on PATH; pipetask, bps too
        self.env["PATH"] = f"{venv}/bin:{os.environ.get('PATH', '')}"
        self.env["PYTHONPATH"] = os.pathsep.join([HERE, os.path.join(root, "python")])
        # bps's default commands name ${CTRL_MPEXEC_DIR}/bin/pipetask and ${DAF_BUTLER_DIR}/bin/butler
        self.env.setdefault("CTRL_MPEXEC_DIR", venv)
        self.env.setdefault("DAF_BUTLER_DIR", venv)
        self.quanta = [shutil.which("node") or "node", os.path.join(root, "bin", "quanta.js")]

    def fresh(self, name: str) -> str:
        d = os.path.join(self.work, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d


NOT_QUANTA = ("pipetaskInit", "finalJob")  # bps's jobs around the quanta


def journal_first_end(submit_dir: str) -> float | None:
    """Epoch s of the first job (not pipetaskInit or finalJob) the journal saw end."""
    db = sqlite3.connect(f"file:{os.path.join(submit_dir, 'journal.sqlite3')}?mode=ro", uri=True)
    try:
        (v,) = db.execute(
            "SELECT MIN(ended_at) FROM jobs WHERE state = 'succeeded' AND label NOT IN (?, ?)",
            NOT_QUANTA,
        ).fetchone()
    finally:
        db.close()
    return None if v is None else v / 1000


def journal_succeeded(submit_dir: str) -> set[str]:
    db = sqlite3.connect(f"file:{os.path.join(submit_dir, 'journal.sqlite3')}?mode=ro", uri=True)
    try:
        return {r[0] for r in db.execute("SELECT id FROM jobs WHERE state = 'succeeded'")}
    finally:
        db.close()


def bps_first_end(submit: str) -> float | None:
    """Epoch s of the first quantum bps ran to end: without Parsl's monitoring database no job
    has a timestamp, but a job's log (``<submit>/.../logs/<label>/*.stderr``) is last written as it
    ends. pipetaskInit and finalJob (run by ctrl_bps_parsl outside Parsl) do not count."""
    ends = [
        os.path.getmtime(os.path.join(r, f))
        for r, _, fs in os.walk(submit)
        if os.path.basename(os.path.dirname(r)) == "logs" and os.path.basename(r) not in NOT_QUANTA
        for f in fs
        if f.endswith((".stdout", ".stderr"))
    ]
    return min(ends) if ends else None


def count_jobs(workflow: str) -> int:
    with open(workflow, encoding="utf8") as f:
        return len(json.load(f)["jobs"])


def parsl_argv(ctx: Ctx, workflow: str, d: str, *extra: str) -> list[str]:
    return [ctx.python, os.path.join(HERE, "parsl_dag.py"), workflow, d, *extra]


def row(system: str, rep: int, fin: procs.Finished, tasks: int, first: float | None, **more: Any) -> Row:
    return {
        "system": system,
        "rep": rep,
        "status": fin.status,
        "wall_s": fin.wall_s,
        "first_task_s": None if first is None else first - fin.start,
        "tasks": tasks,
        "manager_peak_rss_mb": fin.maxrss_mb,
        **more,
    }


def dag(ctx: Ctx, system: str, rep: int, workflow: str) -> Row:
    n = count_jobs(workflow)
    d = ctx.fresh(f"dag-{system}-{rep}")
    log = os.path.join(d, "driver.log")
    cached = 0
    if system == "quanta":
        sub = os.path.join(d, "submit")
        argv = [*ctx.quanta, "run-workflow", workflow, "--executor", "pilot", "--submit-dir", sub]
        fin = procs.run(argv, d, ctx.env, log)
        first = journal_first_end(sub) if fin.status == 0 else None
    else:
        res = os.path.join(d, "result.json")
        fin = procs.run(parsl_argv(ctx, workflow, d, "--result", res), d, ctx.env, log)
        out = json.load(open(res, encoding="utf8")) if fin.status == 0 else {}
        first = out.get("first_done")
        cached = int(out.get("from_cache", 0))
    procs.cancel_steps(ctx.env)
    r = row(system, rep, fin, n, first, log=log)
    if cached:
        # a task answered by Parsl's app cache did not run: the rates would not compare
        print(f"peers: Parsl ran only {n - cached} of {n} tasks (the rest from its app cache)", file=sys.stderr)
        r.update(status=1, from_cache=cached)
    return r


def markers(d: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in os.scandir(d):
        with open(e.path, encoding="utf8") as f:
            out[e.name] = sum(1 for _ in f)
    return out


def recovery(ctx: Ctx, system: str, rep: int, template: str) -> Row:
    """kill -9 of the manager at 50% (by markers), then the restart as a user runs it."""
    d = ctx.fresh(f"recovery-{system}-{rep}")
    mark = os.path.join(d, "markers")
    os.makedirs(mark)
    workflow = os.path.join(d, "workflow.json")
    with open(template, encoding="utf8") as f:
        text = f.read()
    with open(workflow, "w", encoding="utf8") as f:
        f.write(text.replace("@MARKERS@", mark))
    n = count_jobs(workflow)
    log = os.path.join(d, "driver.log")
    sub = os.path.join(d, "submit")
    done_log = os.path.join(d, "parsl-done.txt")
    if system == "quanta":
        first_argv = [*ctx.quanta, "run-workflow", workflow, "--executor", "pilot", "--submit-dir", sub]
        again = [*ctx.quanta, "restore", sub, "--executor", "pilot"]
    else:
        first_argv = parsl_argv(ctx, workflow, d, "--done-log", done_log)
        again = parsl_argv(ctx, workflow, d, "--restart", "--done-log", done_log)
    start = time.time()
    proc = procs.spawn(first_argv, d, ctx.env, log)
    while len(os.listdir(mark)) < n // 2 and proc.poll() is None:
        time.sleep(0.05)
    procs.kill_session(proc)
    killed_at = time.time() - start
    procs.wait(proc, start)
    procs.cancel_steps(ctx.env)
    at_kill = markers(mark)
    if system == "quanta":
        recorded = journal_succeeded(sub)
    else:
        with open(done_log, encoding="utf8") as f:
            recorded = {line.strip() for line in f if line.strip()}
    fin = procs.run(again, d, ctx.env, log)
    procs.cancel_steps(ctx.env)
    after = markers(mark)
    rerun = [k for k, c in after.items() if c > at_kill.get(k, 0) and k in at_kill]
    ids = {k.rsplit(".", 1)[-1] for k in recorded}  # marker files are named by the job's number
    # no time to first task here: Parsl's first "done" after a restart is a memo hit, not a run
    return row(
        system,
        rep,
        fin,
        n,
        None,
        killed_at_s=killed_at,
        finished_at_kill=len(at_kill),
        recorded_at_kill=len(recorded),
        missing_after=n - len(after),
        rerun_finished=len(rerun),
        rerun_recorded=len([k for k in rerun if k in ids]),
        log=log,
    )


def pipeline(ctx: Ctx, system: str, rep: int, tasks: int) -> Row:
    d = ctx.fresh(f"pipeline-{system}-{rep}")
    subprocess.run(
        [ctx.python, "-m", "quanta_lsst.addtask_repo", d, "--tasks", str(tasks)],
        cwd=d,
        env=ctx.env,
        check=True,
        capture_output=True,
    )
    common = [
        "pipelineYaml: pipeline.yaml",
        "payload:",
        "  payloadName: addtask",
        "  butlerConfig: repo",
        "  inCollection: test",
        "  output: out/addtask",
        "requestMemory: 1024",
        # bps's default final job asks for more than a test node has
        "finalJob:",
        "  requestMemory: 1024",
        "  requestCpus: 1",
    ]
    # bps's submitPath is ${PWD}/submit/...: the variable, not the cwd
    env = {**ctx.env, "PWD": d}
    log = os.path.join(d, "driver.log")
    if system == "quanta":
        with open(os.path.join(d, "bps.yaml"), "w", encoding="utf8") as f:
            f.write("\n".join(common) + "\n")
        fin = procs.run([*ctx.quanta, "submit", "bps.yaml", "--executor", "pilot"], d, env, log)
        subs = [r for r, _, fs in os.walk(os.path.join(d, "submit")) if "journal.sqlite3" in fs]
        first = journal_first_end(subs[0]) if subs and fin.status == 0 else None
        jobs = tasks + 2  # pipetaskInit, the quanta, finalJob
    else:
        site = [
            "wmsServiceClass: lsst.ctrl.bps.parsl.ParslService",
            "computeSite: allocation",
            "site:",
            "  allocation:",
            "    class: peers_site.AllocationSite",
        ]
        with open(os.path.join(d, "bps.yaml"), "w", encoding="utf8") as f:
            f.write("\n".join(common + site) + "\n")
        fin = procs.run(["bps", "submit", "bps.yaml"], d, env, log)
        first = bps_first_end(os.path.join(d, "submit")) if fin.status == 0 else None
        jobs = tasks + 2
    procs.cancel_steps(ctx.env)
    return row(system, rep, fin, jobs, first, log=log)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("workload", choices=["dag", "recovery", "pipeline"])
    p.add_argument("--work", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--workflow")
    p.add_argument("--systems", default="quanta,parsl")
    p.add_argument("--pipeline-tasks", type=int, default=5)
    args = p.parse_args(argv)
    ctx = Ctx(args.root, args.work)
    rows: list[Row] = []
    for rep in range(1, args.reps + 1):
        for system in args.systems.split(","):
            if args.workload == "dag":
                r = dag(ctx, system, rep, args.workflow)
            elif args.workload == "recovery":
                r = recovery(ctx, system, rep, args.workflow)
            else:
                r = pipeline(ctx, system, rep, args.pipeline_tasks)
            rows.append(r)
            print(json.dumps(r), file=sys.stderr, flush=True)
            with open(args.out, "w", encoding="utf8") as f:
                json.dump(rows, f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
