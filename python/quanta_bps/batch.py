"""From a login node: the run as a Slurm batch job that quanta writes and submits (`quanta sbatch`).

`quanta sbatch SUBMIT_DIR` takes a prepared run: ``workflow.json`` and the submit config
``config.yaml``, whose ``parsl_config`` gives the allocation (nodes_per_block, worker_options
``--memory``, walltime, account, qos, constraint, ...; docs/slurm.md). The script it writes runs
``quanta restore SUBMIT_DIR --executor pilot`` inside the allocation.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import yaml
from lsst.ctrl.bps import BpsConfig

from .workflow import WORKFLOW_FILE


def _plain(value: Any) -> Any:
    to_dict = getattr(value, "toDict", None)
    return to_dict() if callable(to_dict) else value


def parsl_config(config: BpsConfig) -> dict[str, Any]:
    found, value = config.search("parsl_config", opt={"default": None})
    return dict(_plain(value)) if found and value else {}


def wants_batch_job(config: BpsConfig, env: dict[str, str] | None = None) -> bool:
    """``provider: Slurm`` in ``parsl_config`` and no Slurm job around us: a login node."""
    env = dict(os.environ) if env is None else env
    provider = str(parsl_config(config).get("provider", "")).lower()
    return provider == "slurm" and not env.get("SLURM_JOB_ID")


def write_prepared_run(config: BpsConfig, submit_dir: str) -> None:
    """``workflow.json`` and ``config.yaml`` as `quanta sbatch SUBMIT_DIR` reads them."""
    shutil.copyfile(os.path.join(submit_dir, WORKFLOW_FILE), os.path.join(submit_dir, "workflow.json"))
    payload: dict[str, Any] = {}
    for key in ("payloadName", "butlerConfig", "inCollection", "dataQuery"):
        found, value = config.search(key, opt={"default": None})
        if found and value is not None:
            payload[key] = str(value)
    out = {
        "pipelineYaml": str(config["pipelineYaml"]),
        "payload": payload,
        "parsl_config": parsl_config(config),
    }
    with open(os.path.join(submit_dir, "config.yaml"), "w") as f:
        yaml.safe_dump(out, f, sort_keys=False)
