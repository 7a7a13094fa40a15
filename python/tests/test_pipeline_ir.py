"""Tests of quanta_lsst.pipeline_ir: pipe_base's view of pipeline files, without task classes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from quanta_lsst.pipeline_ir import main, read

BASE = """\
description: base
instrument: lsst.obs.subaru.HyperSuprimeCam
parameters:
  n: 3
tasks:
  a:
    class: lsst.ip.isr.IsrTask
    config:
      - doDark: parameters.n
      - python: config.doBias = False
  b: lsst.pipe.tasks.calibrate.CalibrateTask
subsets:
  sfp:
    subset: [b, a]
    description: single frame
steps:
  - label: sfp
    dimensions: [instrument, visit, detector]
contracts:
  - contract: a.doDark > 0
    msg: dark
"""


def test_reads_labels_configs_subsets_steps_and_contracts(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(BASE)
    answer = read(str(tmp_path / "p.yaml"))
    assert answer["ok"], answer
    view = answer["view"]
    assert [(t["label"], t["class"]) for t in view["tasks"]] == [
        ("a", "lsst.ip.isr.IsrTask"),
        ("b", "lsst.pipe.tasks.calibrate.CalibrateTask"),
    ]
    assert view["tasks"][0]["configs"] == [
        {"python": None, "file": [], "dataId": None, "rest": {"doDark": 3}},
        {"python": "config.doBias = False", "file": [], "dataId": None, "rest": {}},
    ]
    assert view["subsets"] == {"sfp": {"labels": ["a", "b"], "description": "single frame"}}
    assert view["steps"] == [{"label": "sfp", "dimensions": ["instrument", "visit", "detector"]}]
    assert view["contracts"] == [{"contract": "a.doDark > 0", "msg": "dark"}]
    assert view["instrument"] == "lsst.obs.subaru.HyperSuprimeCam"


def test_expands_env_vars_in_imports_and_applies_the_selection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "top.yaml").write_text(
        "description: top\nimports:\n  - location: $PIPES/base.yaml\n    exclude: [b]\n"
        "    labeledSubsetModifyMode: EDIT\n"
    )
    monkeypatch.setenv("PIPES", str(tmp_path))
    view = read(str(tmp_path / "top.yaml"))["view"]
    assert [t["label"] for t in view["tasks"]] == ["a"]
    assert view["subsets"]["sfp"]["labels"] == ["a"]
    selected = read(str(tmp_path / "base.yaml") + "#b")["view"]
    assert [t["label"] for t in selected["tasks"]] == ["b"]
    assert selected["subsets"] == {} and selected["steps"] == [] and selected["contracts"] == []


def test_answers_a_refused_file_with_the_exception(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("description: x\ntasks:\n  a: m.A\nsubsets:\n  s: [a, nope]\n")
    answer = read(str(tmp_path / "bad.yaml"))
    assert not answer["ok"] and answer["error"]["type"] == "ValueError"


def test_main_prints_one_json_document(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(BASE)
    out = io.StringIO()
    main([str(tmp_path / "p.yaml"), str(tmp_path / "missing.yaml")], stdout=out)
    results = json.loads(out.getvalue())["results"]
    assert [r["ok"] for r in results] == [True, False]
