"""The quanta of a saved LSST quantum graph, as JSON, for quanta's workflow (docs/lsst.md).

    python -m quanta_lsst.qgraph_nodes GRAPH.qg

prints one JSON document::

    {"outputRun": "u/me/run", "output": "u/me", "inputs": ["ExampleCam/raw"],
     "nodes": [{"id": "<uuid>", "label": "scale", "dataId": {"instrument": "ExampleCam", "detector": 0},
                "needs": ["<uuid>", ...]}, ...]}

``id`` is the quantum's UUID, what ``pipetask run-qbb --qgraph-node-id`` takes; ``dataId`` holds
the required dimension values of the quantum; ``needs`` the quanta whose outputs it reads. Only
the graph's thin part is read and no task class is imported, so this is fast on large graphs.
Nodes come in the graph's topological order.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Sequence
from typing import IO, Any

import networkx

from lsst.pipe.base.pipeline_graph import TaskImportMode
from lsst.pipe.base.quantum_graph import PredictedQuantumGraph

Json = Any  # a JSON value


def graph_nodes(path: str) -> dict[str, Json]:
    """Read the thin graph of ``path`` and describe its quanta."""
    with PredictedQuantumGraph.open(path, import_mode=TaskImportMode.DO_NOT_IMPORT) as reader:
        reader.read_thin_graph()
        graph = reader.finish()
    xgraph = graph.quantum_only_xgraph
    nodes: list[dict[str, Json]] = []
    for qid in networkx.lexicographical_topological_sort(xgraph, key=str):
        info = xgraph.nodes[qid]
        data_id = info["data_id"]
        nodes.append(
            {
                "id": str(qid),
                "label": info["task_label"],
                "dataId": {k: data_id[k] for k in data_id.required},
                "needs": sorted(str(p) for p in xgraph.predecessors(qid)),
            }
        )
    header = graph.header
    return {
        "outputRun": header.output_run,
        "output": header.output,
        "inputs": list(header.inputs),
        "nodes": nodes,
    }


def main(argv: Sequence[str] | None = None, out: IO[str] = sys.stdout) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m quanta_lsst.qgraph_nodes GRAPH.qg", file=sys.stderr)
        return 2
    json.dump(graph_nodes(args[0]), out, default=_json_default)
    out.write("\n")
    return 0


def _json_default(value: object) -> Json:
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {value!r}")


if __name__ == "__main__":
    sys.exit(main())
