"""bps's GenericWorkflow as a quanta workflow.json (the workflow class)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from lsst.ctrl.bps import BaseWmsWorkflow, BpsConfig, GenericWorkflow, GenericWorkflowJob

from .job import job_to_quanta

WORKFLOW_FILE = "quanta-workflow.json"  # quanta copies it to workflow.json when the run starts


def _files(gw: GenericWorkflow, name: str) -> dict[str, str]:
    return {f.name: f.src_uri for f in gw.get_job_inputs(name, data=True, transfer_only=False)}


def workflow_to_quanta(gw: GenericWorkflow, base_env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every job of ``gw`` (the init job among them) with its parents as ``needs``, and the
    final job after all of them.

    ctrl_bps adds a ``finalJob.whenRun: ALWAYS`` final job with ``add_final`` (``get_final``
    returns it): it becomes a ``runWhen: "always"`` job, which quanta runs once every other job
    ended, failed ones included. A ``SUCCESS`` final job is an ordinary sink of the graph and is
    converted like any other job.
    """
    jobs: list[dict[str, Any]] = []
    for name in gw:
        job = gw.get_job(name)
        if not isinstance(job, GenericWorkflowJob):
            raise TypeError(f"job {name}: {type(job).__name__} nodes (job groups) are not supported")
        jobs.append(job_to_quanta(job, _files(gw, name), list(gw.predecessors(name)), base_env))
    final = gw.get_final()
    if isinstance(final, GenericWorkflowJob):
        fjob = job_to_quanta(final, _files(gw, final.name), [j["id"] for j in jobs], base_env)
        fjob["runWhen"] = "always"
        jobs.append(fjob)
    elif final is not None:
        raise TypeError("a final GenericWorkflow (not a single job) is not supported")
    cwd = os.getcwd()  # bps's relative paths (butlerConfig: repo) are relative to where bps ran
    for j in jobs:
        j["cwd"] = cwd
    return {"name": gw.name, "enforceMemory": True, "jobs": jobs}


class QuantaWorkflow(BaseWmsWorkflow):  # type: ignore[misc]  # ctrl_bps ships no type hints
    """A prepared run: the quanta workflow and the submit dir it runs in."""

    def __init__(self, name: str, config: BpsConfig, quanta: dict[str, Any]) -> None:
        super().__init__(name, config)
        self.quanta = quanta

    @classmethod
    def from_generic_workflow(
        cls, config: BpsConfig, generic_workflow: GenericWorkflow, out_prefix: str, service_class: str
    ) -> QuantaWorkflow:
        wf = cls(generic_workflow.name, config, workflow_to_quanta(generic_workflow))
        wf.service_class = service_class
        wf.submit_path = out_prefix
        wf.run_id = os.path.abspath(out_prefix)
        return wf

    def write(self, out_prefix: str) -> None:
        os.makedirs(out_prefix, exist_ok=True)
        with open(os.path.join(out_prefix, WORKFLOW_FILE), "w") as f:
            json.dump(self.quanta, f, indent=1)
