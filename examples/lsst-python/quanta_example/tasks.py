"""Two PipelineTasks written against pipe_base's API.

``ScaleTask`` reads one ``example_raw`` array per detector and writes ``example_scaled``
(the array times ``factor``); ``SumTask`` gathers every detector's ``example_scaled`` of an
instrument and writes ``example_sum``, a dict with the total and the detectors it saw.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lsst.pex.config import Field
from lsst.pipe.base import PipelineTask, PipelineTaskConfig, PipelineTaskConnections, Struct
from lsst.pipe.base import connectionTypes as cT


class ScaleConnections(PipelineTaskConnections, dimensions=("instrument", "detector")):
    raw = cT.Input(
        name="example_raw",
        storageClass="NumpyArray",
        dimensions=("instrument", "detector"),
        doc="The input array of one detector.",
    )
    scaled = cT.Output(
        name="example_scaled",
        storageClass="NumpyArray",
        dimensions=("instrument", "detector"),
        doc="The input array times the factor.",
    )


class ScaleConfig(PipelineTaskConfig, pipelineConnections=ScaleConnections):
    factor = Field[float](doc="what every value is multiplied by", default=2.0)  # type: ignore[no-untyped-call]


class ScaleTask(PipelineTask):
    """Multiply one detector's array by ``config.factor``."""

    ConfigClass = ScaleConfig
    _DefaultName = "scale"

    def run(self, raw: np.ndarray) -> Struct:
        factor = float(self.config.factor)  # type: ignore[attr-defined]
        self.log.info("scaling %d values by %s", raw.size, factor)
        return Struct(scaled=raw * factor)


class SumConnections(PipelineTaskConnections, dimensions=("instrument",)):
    scaled = cT.Input(
        name="example_scaled",
        storageClass="NumpyArray",
        dimensions=("instrument", "detector"),
        multiple=True,
        doc="Every detector's scaled array.",
    )
    total = cT.Output(
        name="example_sum",
        storageClass="StructuredDataDict",
        dimensions=("instrument",),
        doc="The sum over all detectors.",
    )


class SumConfig(PipelineTaskConfig, pipelineConnections=SumConnections):
    pass


class SumTask(PipelineTask):
    """Add up the scaled arrays of all detectors of an instrument."""

    ConfigClass = SumConfig
    _DefaultName = "sum"

    def runQuantum(self, butlerQC: Any, inputRefs: Any, outputRefs: Any) -> None:
        detectors = sorted(int(ref.dataId["detector"]) for ref in inputRefs.scaled)
        arrays = butlerQC.get(inputRefs.scaled)
        total = float(sum(float(np.sum(a)) for a in arrays))
        self.log.info("sum over %d detectors: %s", len(detectors), total)
        butlerQC.put(Struct(total={"total": total, "detectors": detectors}), outputRefs)
