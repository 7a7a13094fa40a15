"""quanta_bps, the ctrl_bps plugin: GenericWorkflow -> quanta workflow, and `bps submit`,
`bps report`, `bps restart` after a kill -9, `bps cancel` of pipe_base's AddTask pipeline on a real
repository. The end-to-end tests need node and quanta built (`npm run build`: dist/)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lsst.ctrl.bps import (
    GenericWorkflow,
    GenericWorkflowExec,
    GenericWorkflowFile,
    GenericWorkflowJob,
)

from quanta_bps import job_argv, workflow_to_quanta
from quanta_bps.job import PlaceholderError

ROOT = Path(__file__).resolve().parents[2]
QUANTA_JS = ROOT / "bin" / "quanta.js"
VENV_BIN = Path(sys.executable).parent


def _job(name: str, label: str, args: str, **kw: object) -> GenericWorkflowJob:
    job = GenericWorkflowJob(name, label=label, **kw)
    job.executable = GenericWorkflowExec("pipetask", "<ENV:STACK>/bin/pipetask", False)
    job.arguments = args
    return job


def _workflow() -> GenericWorkflow:
    gw = GenericWorkflow("run1")
    qg = GenericWorkflowFile("runQgraphFile", src_uri="/sub/dir/run 1.qg", wms_transfer=True)
    butler = GenericWorkflowFile("butlerConfig", src_uri="/repo", wms_transfer=False)
    init = _job("pipetaskInit", "pipetaskInit", "pre-exec-init-qbb <FILE:butlerConfig> <FILE:runQgraphFile>")
    init.request_memory = 1024
    gw.add_job(init)
    a = _job(
        "q1_isr",
        "isr",
        "--log-level={level} run-qbb <FILE:butlerConfig> <FILE:runQgraphFile> --qgraph-node-id {qgraphNodeId}",
        request_memory=4096,
        request_cpus=2,
        number_of_retries=3,
        memory_multiplier=1.5,
        retry_unless_exit=[1, 2],
        request_walltime="10",
        environment={"OMP_NUM_THREADS": "1", "DATA": "<ENV:STACK>/data"},
    )
    a.cmdvals = {"level": "VERBOSE", "qgraphNodeId": "uuid-1"}
    gw.add_job(a, parent_names=["pipetaskInit"])
    b = _job("q2_calib", "calibrate", "run-qbb <FILE:butlerConfig> <FILE:runQgraphFile> --qgraph-node-id x")
    gw.add_job(b, parent_names=["q1_isr"])
    for name in ("pipetaskInit", "q1_isr", "q2_calib"):
        gw.add_job_inputs(name, [qg, butler])
    final = _job("finalJob", "finalJob", "aggregate-graph <FILE:runQgraphFile> <FILE:butlerConfig>")
    final.executable = GenericWorkflowExec("butler", "/stack/bin/butler", False)
    gw.add_final(final)
    gw.add_job_inputs("finalJob", [qg, butler])
    return gw


def test_turns_jobs_placeholders_and_resources_into_quanta_jobs() -> None:
    wf = workflow_to_quanta(_workflow(), {"STACK": "/stack"})
    jobs = {j["id"]: j for j in wf["jobs"]}
    assert list(jobs) == ["pipetaskInit", "q1_isr", "q2_calib", "finalJob"]
    isr = jobs["q1_isr"]
    assert isr["argv"] == [
        "/stack/bin/pipetask",
        "--log-level=VERBOSE",
        "run-qbb",
        "/repo",
        "/sub/dir/run",  # a path with a space is split: bps's command line is a shell string
        "1.qg",
        "--qgraph-node-id",
        "uuid-1",
    ]
    assert isr["label"] == "isr" and isr["needs"] == ["pipetaskInit"]
    assert (isr["requestMemory"], isr["requestCpus"]) == (4096, 2)
    assert (isr["numberOfRetries"], isr["memoryMultiplier"]) == (3, 1.5)
    assert isr["timeoutSec"] == 600
    assert isr["env"] == {"OMP_NUM_THREADS": "1", "DATA": "/stack/data"}
    assert jobs["pipetaskInit"]["requestMemory"] == 1024 and jobs["pipetaskInit"]["needs"] == []
    assert jobs["q2_calib"]["needs"] == ["q1_isr"]
    assert isr["retryUnlessExit"] == [1, 2]
    assert "retryUnlessExit" not in jobs["q2_calib"]  # unset: every failure is retried
    assert not any(k.startswith("_") for k in wf)


def test_the_final_job_needs_every_job_and_runs_its_own_executable() -> None:
    jobs = {j["id"]: j for j in workflow_to_quanta(_workflow(), {"STACK": "/stack"})["jobs"]}
    final = jobs["finalJob"]
    assert final["needs"] == ["pipetaskInit", "q1_isr", "q2_calib"]
    assert final["argv"][:3] == ["/stack/bin/butler", "aggregate-graph", "/sub/dir/run"]


def test_retry_unless_exit_as_one_code_or_a_list() -> None:
    gw = _workflow()
    gw.get_job("q2_calib").retry_unless_exit = 2
    gw.get_job("pipetaskInit").retry_unless_exit = []
    jobs = {j["id"]: j for j in workflow_to_quanta(gw, {"STACK": "/stack"})["jobs"]}
    assert jobs["q2_calib"]["retryUnlessExit"] == [2]
    assert jobs["pipetaskInit"]["retryUnlessExit"] == []


def test_the_final_job_of_when_run_always_runs_after_failures_too() -> None:
    """ctrl_bps adds a finalJob.whenRun: ALWAYS job with add_final (what get_final returns), and a
    SUCCESS one as an ordinary sink job, which quanta runs only when its needs succeeded."""
    gw = _workflow()
    gw.get_final().retry_unless_exit = 2
    jobs = {j["id"]: j for j in workflow_to_quanta(gw, {"STACK": "/stack"})["jobs"]}
    assert jobs["finalJob"]["runWhen"] == "always"
    assert jobs["finalJob"]["retryUnlessExit"] == [2]
    assert all("runWhen" not in j for k, j in jobs.items() if k != "finalJob")

    sink = GenericWorkflow("run2")
    sink.add_job(_job("pipetaskInit", "pipetaskInit", "pre-exec-init-qbb"))
    sink.add_job(_job("finalJob", "finalJob", "aggregate-graph"), parent_names=["pipetaskInit"])
    as_sink = {j["id"]: j for j in workflow_to_quanta(sink, {"STACK": "/stack"})["jobs"]}
    assert as_sink["finalJob"]["needs"] == ["pipetaskInit"] and "runWhen" not in as_sink["finalJob"]


@pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "dist").is_dir(), reason="needs node and npm run build"
)
def test_the_workflow_file_is_one_the_engine_accepts_and_there_is_no_side_file(tmp_path: Path) -> None:
    from lsst.ctrl.bps import BpsConfig

    from quanta_bps.workflow import WORKFLOW_FILE, QuantaWorkflow

    wf = QuantaWorkflow("run1", BpsConfig({}), workflow_to_quanta(_workflow(), {"STACK": "/stack"}))
    wf.write(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [WORKFLOW_FILE]
    # the engine's own validation (strict: an unknown key is an error)
    check = (
        f"const m = await import({json.dumps(str(ROOT / 'dist' / 'engine' / 'workflow.js'))});"
        "const wf = m.loadWorkflow(process.argv[1]);"
        "const row = (j) => [j.id, j.runWhen ?? null, j.retryUnlessExit ?? null];"
        "console.log(JSON.stringify(wf.jobs.map(row)));"
    )
    r = subprocess.run(
        ["node", "--input-type=module", "-e", check, str(tmp_path / WORKFLOW_FILE)],
        text=True,
        capture_output=True,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [
        ["pipetaskInit", None, None],
        ["q1_isr", None, [1, 2]],
        ["q2_calib", None, None],
        ["finalJob", "always", None],
    ]


def test_refuses_an_unset_environment_variable_naming_the_job() -> None:
    job = _workflow().get_job("q2_calib")
    with pytest.raises(PlaceholderError, match="q2_calib: environment variable STACK is not set"):
        job_argv(job, {"butlerConfig": "/repo", "runQgraphFile": "/g.qg"}, {})


def test_refuses_an_unknown_file() -> None:
    job = _workflow().get_job("q2_calib")
    with pytest.raises(PlaceholderError, match="no input file named runQgraphFile"):
        job_argv(job, {"butlerConfig": "/repo"}, {"STACK": "/s"})


# ---- end to end: the real bps, the real Butler, quanta's CLI ----------------------------------

needs_quanta = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "dist").is_dir() or not (VENV_BIN / "bps").exists(),
    reason="needs node, quanta built (npm run build) and bps in the venv",
)

BPS_YAML = """\
wmsServiceClass: quanta_bps.QuantaService
pipelineYaml: pipeline.yaml
payload:
  payloadName: addtask
  butlerConfig: repo
  inCollection: test
  dataQuery: ""
requestMemory: 512
numberOfRetries: 1
finalJob:
  requestMemory: 1024
  requestCpus: 1
"""


@pytest.fixture
def addtask(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    from quanta_lsst.addtask_repo import make

    make(str(tmp_path), 3)
    (tmp_path / "bps.yaml").write_text(BPS_YAML)
    venv = str(VENV_BIN.parent)
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
        "CTRL_MPEXEC_DIR": venv,
        "DAF_BUTLER_DIR": venv,
        "QUANTA_BPS_QUANTA": str(QUANTA_JS),
        "QUANTA_BPS_RUNS": str(tmp_path / "runs.txt"),
        "BPS_WMS_SERVICE_CLASS": "quanta_bps.QuantaService",
        "USER": "tester",
        "PWD": str(tmp_path),  # bps's submitPath is ${PWD}/submit/...: the env var, not the cwd
    }
    return tmp_path, env


def bps(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "bps"), *args], cwd=cwd, env=env, text=True, capture_output=True, timeout=300
    )


def run_id(out: str) -> str:
    return next(ln.split(": ", 1)[1] for ln in out.splitlines() if ln.startswith("Run Id: "))


def journal_jobs(submit_dir: str) -> dict[str, tuple[str, int, int | None]]:
    db = sqlite3.connect(f"file:{submit_dir}/journal.sqlite3?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute("SELECT id, state, attempt, started_at FROM jobs").fetchall()
    finally:
        db.close()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def butler_finds(repo: Path, collection: str, dataset_type: str) -> int:
    from lsst.daf.butler import Butler

    with Butler.from_config(str(repo), collections=collection) as butler:
        return len(butler.query_datasets(dataset_type, explain=False))


@needs_quanta
def test_bps_submit_runs_the_pipeline_and_bps_report_counts_it(addtask: tuple[Path, dict[str, str]]) -> None:
    root, env = addtask
    r = bps(["submit", "bps.yaml"], root, env)
    assert r.returncode == 0, r.stderr[-3000:]
    submit_dir = run_id(r.stdout)
    assert json.loads((Path(submit_dir) / "workflow.json").read_text())["jobs"][0]["id"] == "pipetaskInit"
    assert butler_finds(root / "repo", "u/tester/addtask", "add_dataset3") == 1

    rep = bps(["report", "--id", submit_dir], root, env)
    assert rep.returncode == 0, rep.stderr[-3000:]
    assert "SUCCEEDED 100" in rep.stdout
    total = next(ln.split() for ln in rep.stdout.splitlines() if ln.startswith("TOTAL"))
    assert total[9] == "5" and total[-1] == "5"  # SUCCEEDED and EXPECTED: init, 3 quanta, final
    listed = bps(["report", "--hist", "1"], root, env)
    assert submit_dir in listed.stdout


def _wait(cond: object, timeout: float = 120) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if callable(cond) and cond():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def _manager_pid(submit_dir: str) -> int | None:
    try:
        db = sqlite3.connect(f"file:{submit_dir}/journal.sqlite3?mode=ro", uri=True, timeout=10)
        row = db.execute("SELECT pid FROM lease WHERE id = 1").fetchone()
        db.close()
        return int(row[0]) if row else None
    except sqlite3.Error:
        return None


def _submit_in_background(root: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    p = subprocess.Popen(
        [str(VENV_BIN / "bps"), "submit", "bps.yaml"],
        cwd=root,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    found: list[str] = []

    def submit_dir_with_journal() -> bool:
        runs = root / "runs.txt"
        if runs.exists() and runs.read_text().strip():
            d = runs.read_text().split()[0]
            if (Path(d) / "journal.sqlite3").exists():
                found.append(d)
                return True
        return False

    _wait(submit_dir_with_journal)
    return p, found[0]


@needs_quanta
def test_bps_restart_after_kill_9_finishes_without_rerunning_a_finished_job(
    addtask: tuple[Path, dict[str, str]],
) -> None:
    root, env = addtask
    p, submit_dir = _submit_in_background(root, env)
    _wait(lambda: journal_jobs(submit_dir).get("pipetaskInit", ("",))[0] == "succeeded")
    pid = _manager_pid(submit_dir)
    assert pid is not None
    # the machine goes down: bps submit and the quanta manager are killed at once
    os.kill(p.pid, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
    p.wait(timeout=60)
    before = {k: v for k, v in journal_jobs(submit_dir).items() if v[0] == "succeeded"}
    assert "pipetaskInit" in before and len(before) < 5

    r = bps(["restart", "--id", submit_dir], root, env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"Run Id: {submit_dir}" in r.stdout
    after = journal_jobs(submit_dir)
    assert all(v[0] == "succeeded" for v in after.values()), after
    for job, row in before.items():
        assert after[job] == row, f"{job} ran again"
    assert butler_finds(root / "repo", "u/tester/addtask", "add_dataset3") == 1


@needs_quanta
def test_a_killed_manager_is_restored_by_bps_submit_itself(addtask: tuple[Path, dict[str, str]]) -> None:
    """kill -9 of the quanta manager alone: `bps submit` restores the run and finishes it."""
    root, env = addtask
    p, submit_dir = _submit_in_background(root, env)
    _wait(lambda: journal_jobs(submit_dir).get("pipetaskInit", ("",))[0] == "succeeded")
    pid = _manager_pid(submit_dir)
    assert pid is not None
    before = {k: v for k, v in journal_jobs(submit_dir).items() if v[0] == "succeeded"}
    os.kill(pid, signal.SIGKILL)
    assert p.wait(timeout=240) == 0
    after = journal_jobs(submit_dir)
    assert all(v[0] == "succeeded" for v in after.values()), after
    for job, row in before.items():
        assert after[job] == row, f"{job} ran again"
    assert _manager_pid(submit_dir) != pid
    assert butler_finds(root / "repo", "u/tester/addtask", "add_dataset3") == 1


@needs_quanta
def test_bps_cancel_stops_the_run(addtask: tuple[Path, dict[str, str]]) -> None:
    root, env = addtask
    p, submit_dir = _submit_in_background(root, env)
    _wait(lambda: _manager_pid(submit_dir) is not None)
    r = bps(["cancel", "--id", submit_dir], root, env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"Successfully canceled job with id '{submit_dir}'" in r.stdout
    p.wait(timeout=60)
    states = {v[0] for v in journal_jobs(submit_dir).values()}
    assert "cancelled" in states and not states & {"running", "ready", "pending"}
    rep = bps(["report", "--id", submit_dir], root, env)
    assert "DELETED" in rep.stdout


@needs_quanta
def test_from_a_login_node_quanta_writes_the_batch_script_from_parsl_config(tmp_path: Path) -> None:
    from lsst.ctrl.bps import BpsConfig

    from quanta_bps import batch

    config = BpsConfig(
        {
            "pipelineYaml": str(tmp_path / "pipeline.yaml"),
            "payload": {
                "payloadName": "sfp",
                "butlerConfig": str(tmp_path / "repo"),
                "inCollection": "LSSTCam-imSim/defaults",
                "dataQuery": "",
            },
            "parsl_config": {
                "provider": "Slurm",
                "nodes_per_block": 10,
                "worker_options": "--memory=90000",
                "walltime": "15:00:00",
                "account": "m1727",
                "qos": "regular",
                "constraint": "knl",
            },
        },
        search_order=["payload"],
    )
    assert batch.wants_batch_job(config, {}) and not batch.wants_batch_job(config, {"SLURM_JOB_ID": "7"})
    wf = {"name": "sfp", "jobs": [{"id": "a", "label": "a", "argv": ["true"], "needs": []}]}
    (tmp_path / "quanta-workflow.json").write_text(json.dumps(wf))
    batch.write_prepared_run(config, str(tmp_path))
    r = subprocess.run(
        ["node", str(QUANTA_JS), "sbatch", str(tmp_path), "--json"], text=True, capture_output=True
    )
    assert r.returncode == 0, r.stderr
    script = (tmp_path / "quanta.sbatch").read_text()
    for line in ("--nodes=10", "--time=15:00:00", "--account=m1727", "--qos=regular", "--constraint=knl"):
        assert f"#SBATCH {line}" in script
    assert f"restore {tmp_path} --executor pilot" in script
