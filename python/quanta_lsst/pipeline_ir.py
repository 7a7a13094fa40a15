"""pipe_base's view of pipeline files, as JSON, for quanta's differential pipeline tests.

    python -m quanta_lsst.pipeline_ir 'DRP.yaml#singleFrame' other.yaml ...

prints one JSON document: ``{"results": [{"spec": ..., "ok": true, "view": {...}}, ...]}``, or for
a file pipe_base refuses ``{"spec": ..., "ok": false, "error": {"type": ..., "message": ...}}``.
The file is read with ``lsst.pipe.base.Pipeline.from_uri`` (imports, ``$VAR`` locations, the
``#label,subset`` selection), which never imports a task class. The view holds labels with their
class names and config blocks (with ``parameters.x`` filled in, as pipe_base applies them),
subsets (labels sorted: pipe_base keeps sets), steps, contracts (sorted), instrument, parameters.
Environment variables and the current directory are the caller's: pipe_base resolves relative
import locations from the current directory.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Sequence
from typing import IO, Any

from lsst.pipe.base import Pipeline
from lsst.pipe.base.pipelineIR import ConfigIR, PipelineIR

Json = Any  # a JSON value


def config_view(config: ConfigIR) -> dict[str, Json]:
    """One config block: python code, override files, dataId and the plain key/value overrides."""
    return {"python": config.python, "file": list(config.file), "dataId": config.dataId, "rest": config.rest}


def ir_view(ir: PipelineIR) -> dict[str, Json]:
    """The parts of a PipelineIR that quanta reads too."""
    with warnings.catch_warnings():
        # an undefined ``parameters.x`` is only a warning in pipe_base; the value stays as written
        warnings.simplefilter("ignore")
        tasks = [
            {
                "label": label,
                "class": task.klass,
                "configs": [config_view(c.formatted(ir.parameters)) for c in task.config or []],
            }
            for label, task in ir.tasks.items()
        ]
    return {
        "description": ir.description,
        "instrument": ir.instrument,
        "parameters": dict(ir.parameters.mapping),
        "tasks": tasks,
        "subsets": {
            name: {"labels": sorted(s.subset), "description": s.description}
            for name, s in sorted(ir.labeled_subsets.items())
        },
        "steps": [{"label": s.label, "dimensions": list(s.dimensions)} for s in ir.steps],
        "contracts": sorted(
            ({"contract": c.contract, "msg": c.msg} for c in ir.contracts), key=lambda c: str(c["contract"])
        ),
    }


def read(spec: str) -> dict[str, Json]:
    """pipe_base's view of ``spec`` (a file, optionally ``#label,subset``), or the error it raised."""
    try:
        # Pipeline keeps its PipelineIR private; reading it is how this view avoids to_graph(),
        # which would import the task classes.
        ir: PipelineIR = Pipeline.from_uri(spec)._pipelineIR
        return {"spec": spec, "ok": True, "view": ir_view(ir)}
    except Exception as e:  # noqa: BLE001 - every refusal is an answer here
        return {"spec": spec, "ok": False, "error": {"type": type(e).__name__, "message": str(e)}}


def main(argv: Sequence[str] | None = None, stdout: IO[str] = sys.stdout) -> None:
    """Print the views of every spec in ``argv`` as one JSON document."""
    specs = list(sys.argv[1:] if argv is None else argv)
    json.dump({"results": [read(s) for s in specs]}, stdout, default=str)
    stdout.write("\n")
    stdout.flush()


if __name__ == "__main__":
    main()
