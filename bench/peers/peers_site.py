"""A ctrl_bps_parsl site config for the allocation the peers bench runs in.

bps YAML: ``computeSite: allocation`` and ``site: {allocation: {class: peers_site.AllocationSite}}``
(bench/peers on PYTHONPATH). It builds the same Parsl set-up as parsl_dag.py: HTEX over the
allocation's nodes with LocalProvider, ``nodes_per_block`` and an SrunLauncher.

``get_parsl_config`` is overridden because the pinned ctrl_bps_parsl (30.2026.300) passes
``checkpoint_mode='task_exit'`` to ``parsl.config.Config``, which the pinned Parsl (2026.10.26)
no longer takes (it moved to ``BasicMemoizer``): the stock method raises TypeError.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import parsl.config
from lsst.ctrl.bps.parsl.configuration import get_bps_config_value
from lsst.ctrl.bps.parsl.site import SiteConfig
from parsl.executors.base import ParslExecutor

from parsl_dag import allocation_nodes, interchange_address, make_config, node_cores

if TYPE_CHECKING:
    from lsst.ctrl.bps.parsl.job import ParslJob


class AllocationSite(SiteConfig):  # type: ignore[misc]  # ctrl_bps_parsl ships no type hints
    def _config(self) -> parsl.config.Config:
        run_dir = get_bps_config_value(self.site, "run_dir", str, "runinfo")
        return make_config(run_dir, allocation_nodes(), node_cores(), 2000)

    def get_executors(self) -> list[ParslExecutor]:
        return list(self._config().executors)

    def select_executor(self, job: ParslJob) -> str:
        return "allocation"

    def get_address(self) -> str:
        return interchange_address()

    def get_parsl_config(self) -> parsl.config.Config:
        return self._config()
