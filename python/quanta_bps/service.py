"""QuantaService: ctrl_bps's workflow-system interface, on top of the quanta command line."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from lsst.ctrl.bps import BaseWmsService, BaseWmsWorkflow, BpsConfig, GenericWorkflow, WmsRunReport

from . import batch, quanta_cli
from .report import manager_alive, run_report
from .workflow import WORKFLOW_FILE, QuantaWorkflow

__all__ = ("QuantaService",)

_LOG = logging.getLogger(__name__)


def _config_value(config: BpsConfig, key: str) -> str | None:
    found, value = config.search(key, opt={"default": None})
    return str(value) if found and value not in (None, "") else None


class QuantaService(BaseWmsService):  # type: ignore[misc]  # ctrl_bps ships no type hints
    """quanta as the workflow system of ``bps submit`` (``wmsServiceClass: quanta_bps.QuantaService``)."""

    def prepare(
        self, config: BpsConfig, generic_workflow: GenericWorkflow, out_prefix: str | None = None
    ) -> BaseWmsWorkflow:
        """Write ``quanta-workflow.json`` (and the quanta command to use) into the submit dir."""
        if out_prefix is None:
            out_prefix = str(config["submitPath"])
        service_class = f"{self.__class__.__module__}.{self.__class__.__name__}"
        workflow = QuantaWorkflow.from_generic_workflow(config, generic_workflow, out_prefix, service_class)
        workflow.write(out_prefix)
        quanta_cli.save_command(out_prefix, quanta_cli.quanta_command(_config_value(config, "quantaCommand")))
        return workflow

    def submit(self, workflow: BaseWmsWorkflow, **kwargs: Any) -> BaseWmsWorkflow:
        """Run the workflow with ``quanta run-workflow`` and wait for it (as ctrl_bps_parsl does).

        Inside a Slurm allocation (``SLURM_JOB_ID`` set) the run uses quanta's pilot, one worker
        per node of the allocation; elsewhere the local executor.
        """
        submit_dir = os.path.abspath(str(workflow.submit_path))
        workflow.run_id = submit_dir
        quanta_cli.remember(submit_dir)
        if batch.wants_batch_job(workflow.config):
            self._submit_batch_job(workflow.config, submit_dir)
            return workflow
        if os.environ.get("SLURM_JOB_ID"):
            # a prepared run (config.yaml), so that the pilot reads parsl_config's worker_options
            batch.write_prepared_run(workflow.config, submit_dir)
            args = ["restore", submit_dir, "--executor", "pilot"]
        else:
            args = ["run-workflow", os.path.join(submit_dir, WORKFLOW_FILE), "--submit-dir", submit_dir]
        r = quanta_cli.run(submit_dir, args)
        # a manager killed by a signal (kill -9, the OOM killer) is restored here, a few times
        restarts, most = 0, int(os.environ.get("QUANTA_MANAGER_RESTARTS", "3"))
        while r.returncode < 0 and restarts < most:
            restarts += 1
            _LOG.warning(
                "the quanta manager died (signal %d); restoring the run (%d of %d)", -r.returncode, restarts, most
            )
            time.sleep(2)
            again = args if args[0] == "restore" else ["restore", submit_dir]
            r = quanta_cli.run(submit_dir, again)
        self._explain(submit_dir, r.returncode)
        return workflow

    @staticmethod
    def _submit_batch_job(config: BpsConfig, submit_dir: str) -> None:
        """From a login node with ``provider: Slurm``: `quanta sbatch SUBMIT_DIR --submit`, which
        writes ``quanta.sbatch`` (``quanta restore SUBMIT_DIR --executor pilot``) and submits it."""
        batch.write_prepared_run(config, submit_dir)
        r = quanta_cli.run(submit_dir, ["sbatch", submit_dir, "--submit", "--json"], capture=True)
        if r.returncode != 0:
            raise RuntimeError(f"quanta sbatch {submit_dir} failed ({r.returncode}): {r.stderr.strip()}")
        _LOG.info("quanta sbatch: %s", r.stdout.strip())

    @staticmethod
    def _explain(submit_dir: str, code: int) -> None:
        if code == 0:
            return
        if code not in (1, 3):
            raise RuntimeError(f"quanta failed on {submit_dir} (exit {code}): see the message above")
        _LOG.warning(
            "quanta exited with %d: some jobs did not succeed; `bps report --id %s` shows which, "
            "`bps restart --id %s` continues the run",
            code,
            submit_dir,
            submit_dir,
        )

    def restart(self, wms_workflow_id: str) -> tuple[str | None, str | None, str]:
        """``quanta restore SUBMIT_DIR``: jobs that succeeded never run again."""
        submit_dir = os.path.abspath(wms_workflow_id)
        if not os.path.exists(os.path.join(submit_dir, "workflow.json")):
            return None, None, f"{submit_dir} is not a quanta run (no workflow.json)"
        args = ["restore", submit_dir]
        if os.environ.get("SLURM_JOB_ID"):
            args += ["--executor", "pilot"]
        r = quanta_cli.run(submit_dir, args)
        if r.returncode in (2, 4, 5):  # usage, conflict (e.g. its batch job still queued), environment
            return None, None, f"quanta restore {submit_dir} refused (exit {r.returncode}): see the message above"
        self._explain(submit_dir, r.returncode)
        return submit_dir, self._run_name(submit_dir), ""

    @staticmethod
    def _run_name(submit_dir: str) -> str:
        """bps's run name: the prefix of its ``<name>_config.yaml`` in the submit dir."""
        for f in sorted(os.listdir(submit_dir)):
            if f.endswith("_config.yaml"):
                return f[: -len("_config.yaml")]
        return os.path.basename(submit_dir)

    def list_submitted_jobs(
        self,
        wms_id: str | None = None,
        user: str | None = None,
        require_bps: bool = True,
        pass_thru: str | None = None,
        is_global: bool = False,
    ) -> list[str]:
        """The submit dirs of runs whose manager is alive (or ``wms_id``'s, if it is one)."""
        if wms_id is not None:
            d = os.path.abspath(wms_id)
            return [d] if os.path.exists(os.path.join(d, WORKFLOW_FILE)) else []
        return [d for d in quanta_cli.known_runs() if manager_alive(d)]

    def report(
        self,
        wms_workflow_id: str | None = None,
        user: str | None = None,
        hist: float = 0,
        pass_thru: str | None = None,
        is_global: bool = False,
        return_exit_codes: bool = False,
    ) -> tuple[list[WmsRunReport], str]:
        """One detailed report for ``--id SUBMIT_DIR``; otherwise the known runs that are running
        or whose journal changed within ``hist`` days."""
        if wms_workflow_id:
            d = os.path.abspath(wms_workflow_id)
            if not os.path.exists(os.path.join(d, "journal.sqlite3")):
                return [], f"{d} is not a quanta run (no journal.sqlite3)"
            return [run_report(d, detailed=True, exit_codes=return_exit_codes)], ""
        since = time.time() - (hist or 0) * 86400
        reports = []
        for d in quanta_cli.known_runs():
            journal = os.path.join(d, "journal.sqlite3")
            if not os.path.exists(journal):
                continue
            if manager_alive(d) or os.path.getmtime(journal) >= since:
                reports.append(run_report(d, detailed=False, exit_codes=return_exit_codes))
        return reports, ""

    def cancel(self, wms_id: str, pass_thru: str | None = None) -> tuple[bool, str]:
        """``quanta cancel SUBMIT_DIR``: stops the manager, marks waiting jobs cancelled."""
        r = quanta_cli.run(os.path.abspath(wms_id), ["cancel", os.path.abspath(wms_id)], capture=True)
        return r.returncode == 0, (r.stderr.strip() or r.stdout.strip())

    def ping(self, pass_thru: str | None = None) -> tuple[int, str]:
        r = quanta_cli.run(os.getcwd(), ["--version"], capture=True)
        return r.returncode, r.stderr.strip()

    def run_submission_checks(self) -> None:
        quanta_cli.quanta_command(_config_value(self.config, "quantaCommand") if self.config else None)
