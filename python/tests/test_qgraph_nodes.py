"""quanta_lsst.qgraph_nodes against a graph that the real pipetask builds for pipe_base's AddTask."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from quanta_lsst import addtask_repo, qgraph_nodes


def pipetask() -> str:
    here = os.path.join(os.path.dirname(sys.executable), "pipetask")
    found = here if os.path.exists(here) else shutil.which("pipetask")
    assert found, "pipetask is not installed next to this Python"
    return found


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("addtask")
    repo, pipeline = addtask_repo.make(str(root), 3)
    qg = root / "g.qg"
    subprocess.run(
        [pipetask(), "qgraph", "-b", repo, "-i", "test", "--output-run", "out/run", "-o", "out",
         "-p", pipeline, "--save-qgraph", str(qg)],
        check=True,
        capture_output=True,
    )
    return qg


def test_lists_every_quantum_with_label_data_id_and_needs(graph: Path) -> None:
    g = qgraph_nodes.graph_nodes(str(graph))
    assert g["outputRun"] == "out/run"
    assert g["output"] == "out"
    assert g["inputs"] == ["test"]
    nodes = g["nodes"]
    assert [n["label"] for n in nodes] == ["task0", "task1", "task2"]
    assert all(n["dataId"] == {"instrument": "INSTR", "detector": 0} for n in nodes)
    ids = [n["id"] for n in nodes]
    assert [n["needs"] for n in nodes] == [[], [ids[0]], [ids[1]]]


def test_lists_the_task_graph_and_implied_values(graph: Path) -> None:
    g = qgraph_nodes.graph_nodes(str(graph))
    assert g["tasks"] == [
        {"label": "task0", "parents": []},
        {"label": "task1", "parents": ["task0"]},
        {"label": "task2", "parents": ["task1"]},
    ]
    assert all(n["implied"] == {} for n in g["nodes"])
    assert all("metadata" not in n for n in g["nodes"])


def test_metadata_in_gives_where_run_qbb_writes_each_metadata(graph: Path) -> None:
    repo = graph.parent / "repo"
    g = qgraph_nodes.graph_nodes(str(graph), str(repo))
    paths = [n["metadata"] for n in g["nodes"]]
    assert all(p.startswith(str(repo) + "/out/run/") for p in paths)
    assert [os.path.basename(os.path.dirname(p)) for p in paths] == [
        "task0_metadata",
        "task1_metadata",
        "task2_metadata",
    ]
    assert not any(os.path.exists(p) for p in paths)  # nothing ran yet


def test_main_prints_one_json_document(graph: Path) -> None:
    out = io.StringIO()
    assert qgraph_nodes.main([str(graph)], out) == 0
    doc = json.loads(out.getvalue())
    assert len(doc["nodes"]) == 3


def test_main_refuses_a_wrong_argument_count() -> None:
    assert qgraph_nodes.main([], io.StringIO()) == 2
