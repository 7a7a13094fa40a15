"""The quanta of a saved LSST quantum graph, as JSON, for quanta's workflow (docs/lsst.md).

    python -m quanta_lsst.qgraph_nodes GRAPH.qg [--metadata-in BUTLER_CONFIG]

prints one JSON document::

    {"outputRun": "u/me/run", "output": "u/me", "inputs": ["ExampleCam/raw"],
     "tasks": [{"label": "scale", "parents": []}, {"label": "sum", "parents": ["scale"]}],
     "nodes": [{"id": "<uuid>", "label": "scale", "dataId": {"instrument": "ExampleCam", "detector": 0},
                "implied": {}, "needs": ["<uuid>", ...]}, ...]}

``id`` is the quantum's UUID, what ``pipetask run-qbb --qgraph-node-id`` takes; ``dataId`` holds
the required dimension values of the quantum, ``implied`` the implied ones (bps's clustering
looks at both); ``needs`` the quanta whose outputs it reads. ``tasks`` is the pipeline's task
graph (every task, in dependency order, with the tasks it reads from), which bps's clustering
checks. Only the graph's thin part is read and no task class is imported, so this is fast on
large graphs. Nodes come in the graph's topological order.

With ``--metadata-in BUTLER_CONFIG`` each node also gets ``metadata``: the local path where
``run-qbb`` writes the quantum's ``<label>_metadata`` dataset in that repository's datastore
(``null`` when the datastore is not local files). That dataset is written last, when the quantum
succeeded, and it is what ``run-qbb`` itself checks to skip a quantum that ran before; quanta
read it for the status of the quanta of a cluster job. This reads the whole graph.
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


def graph_nodes(path: str, metadata_in: str | None = None) -> dict[str, Json]:
    """Read the thin graph of ``path`` and describe its quanta (and where their metadata goes)."""
    with PredictedQuantumGraph.open(path, import_mode=TaskImportMode.DO_NOT_IMPORT) as reader:
        reader.read_thin_graph()
        graph = reader.finish()
    xgraph = graph.quantum_only_xgraph
    metadata = metadata_paths(path, metadata_in) if metadata_in is not None else None
    nodes: list[dict[str, Json]] = []
    for qid in networkx.lexicographical_topological_sort(xgraph, key=str):
        info = xgraph.nodes[qid]
        data_id = info["data_id"]
        node: dict[str, Json] = {
            "id": str(qid),
            "label": info["task_label"],
            "dataId": {k: data_id[k] for k in data_id.required},
            "implied": (
                {k: data_id[k] for k in data_id.dimensions.implied} if data_id.hasFull() else {}
            ),
            "needs": sorted(str(p) for p in xgraph.predecessors(qid)),
        }
        if metadata is not None:
            node["metadata"] = metadata.get(qid)
        nodes.append(node)
    task_xgraph = graph.pipeline_graph.make_task_xgraph()
    tasks = [
        {"label": key.name, "parents": sorted(p.name for p in task_xgraph.predecessors(key))}
        for key in networkx.lexicographical_topological_sort(task_xgraph, key=lambda k: k.name)
    ]
    header = graph.header
    return {
        "outputRun": header.output_run,
        "output": header.output,
        "inputs": list(header.inputs),
        "tasks": tasks,
        "nodes": nodes,
    }


def metadata_paths(path: str, butler_config: str) -> dict[uuid.UUID, str | None]:
    """Where each quantum's ``<label>_metadata`` lands in the datastore of ``butler_config``."""
    from lsst.daf.butler import QuantumBackedButler

    qg = PredictedQuantumGraph.read_execution_quanta(path)
    pipeline_graph = qg.pipeline_graph
    refs = {}
    for qid, quantum in qg.build_execution_quanta().items():
        task_node = pipeline_graph.tasks[_label_of(qg, qid)]
        [refs[qid]] = quantum.outputs[task_node.metadata_output.dataset_type_name]
    qbb = QuantumBackedButler.from_predicted(
        config=butler_config,
        predicted_inputs=[],
        predicted_outputs=[r.id for r in refs.values()],
        dimensions=pipeline_graph.universe,
        datastore_records={},
        dataset_types={d.name: d.dataset_type for d in pipeline_graph.dataset_types.values()},
    )
    out: dict[uuid.UUID, str | None] = {}
    for qid, ref in refs.items():
        uri = qbb.getURI(ref, predict=True)
        out[qid] = uri.ospath if uri.scheme in ("file", "") else None
    return out


def _label_of(qg: PredictedQuantumGraph, qid: uuid.UUID) -> str:
    return str(qg.quantum_only_xgraph.nodes[qid]["task_label"])


def main(argv: Sequence[str] | None = None, out: IO[str] = sys.stdout) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    metadata_in = None
    if len(args) == 3 and args[1] == "--metadata-in":
        metadata_in = args[2]
        args = args[:1]
    if len(args) != 1:
        print("usage: python -m quanta_lsst.qgraph_nodes GRAPH.qg [--metadata-in BUTLER_CONFIG]", file=sys.stderr)
        return 2
    json.dump(graph_nodes(args[0], metadata_in), out, default=_json_default)
    out.write("\n")
    return 0


def _json_default(value: object) -> Json:
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {value!r}")


if __name__ == "__main__":
    sys.exit(main())
