"""The oracle's protocol and canonical forms, against a real (SQLite) Butler in a temporary folder."""

from __future__ import annotations

import io
import json
from pathlib import Path

from lsst.daf.butler import Timespan
from lsst.sphgeom import ConvexPolygon, UnitVector3d

from quanta_lsst.oracle import Oracle, canonical, serve


def run(requests: list[dict[str, object]]) -> list[dict[str, object]]:
    out = io.StringIO()
    serve(io.StringIO("\n".join(json.dumps(r) for r in requests) + "\n"), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_canonical_times_are_tai_nanoseconds() -> None:
    import astropy.time

    begin = astropy.time.Time("2021-09-09T03:00:00", scale="tai")
    end = astropy.time.Time("2021-09-09T03:01:00", scale="tai")
    assert canonical(Timespan(begin, end)) == {
        "begin": "1631156400000000000",
        "end": "1631156460000000000",
        "utc": ["2021-09-09T02:59:23.000", "2021-09-09T03:00:23.000"],
    }
    assert canonical(Timespan(begin, None)) == {
        "begin": "1631156400000000000",
        "end": None,
        "utc": ["2021-09-09T02:59:23.000", None],
    }
    # A UTC time is 37 s behind TAI in 2021.
    utc = astropy.time.Time("2021-09-09T03:00:00", scale="utc")
    assert canonical(utc) == {"tai_ns": str(1631156400000000000 + 37_000_000_000)}


def test_canonical_regions_and_bytes() -> None:
    poly = ConvexPolygon([UnitVector3d(1, 0, 0), UnitVector3d(0, 1, 0), UnitVector3d(0, 0, 1)])
    assert canonical(poly) == {"region": poly.encode().hex()}
    assert canonical(b"\x01\xff") == {"hex": "01ff"}
    assert canonical({"a": [1, (2, None)]}) == {"a": [1, [2, None]]}


def test_queries_through_the_protocol(tmp_path: Path) -> None:
    root = str(tmp_path / "repo")
    answers = run(
        [
            {"id": 1, "op": "create", "root": root},
            {
                "id": 2,
                "op": "insert_dimension_data",
                "root": root,
                "element": "instrument",
                "records": [{"name": "Cam", "visit_max": 10, "exposure_max": 10, "detector_max": 4}],
            },
            {
                "id": 3,
                "op": "insert_dimension_data",
                "root": root,
                "element": "detector",
                "records": [{"instrument": "Cam", "id": i, "full_name": f"d{i}", "purpose": p} for i, p in
                            [(1, "SCIENCE"), (2, "SCIENCE"), (3, "WAVEFRONT")]],
            },
            {"id": 4, "op": "query_data_ids", "root": root, "dimensions": ["detector"], "where": "purpose = 'SCIENCE'"},
            {"id": 5, "op": "query_dimension_records", "root": root, "element": "detector", "where": "instrument = 'Cam' AND detector > :d",
             "bind": {"d": 2}},
            {"id": 6, "op": "query_data_ids", "root": root, "dimensions": ["detector"], "where": "detector = = 1"},
            {"id": 7, "op": "no_such_op"},
        ]
    )
    assert [a["id"] for a in answers] == [1, 2, 3, 4, 5, 6, 7]
    assert answers[0]["result"] == {"version": answers[0]["result"]["version"], "namespace": "daf_butler"}  # type: ignore[index]
    assert answers[3]["result"] == [{"instrument": "Cam", "detector": 1}, {"instrument": "Cam", "detector": 2}]
    records = answers[4]["result"]
    assert isinstance(records, list) and len(records) == 1
    assert records[0]["full_name"] == "d3" and records[0]["purpose"] == "WAVEFRONT"
    assert answers[5]["ok"] is False and answers[5]["error"]["type"] == "InvalidQueryError"  # type: ignore[index]
    assert answers[6]["ok"] is False and "unknown op" in answers[6]["error"]["message"]  # type: ignore[index]


def test_export_round_trip(tmp_path: Path) -> None:
    oracle = Oracle()
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    oracle.create({"root": a})
    oracle.insert_dimension_data({"root": a, "element": "instrument", "records": [{"name": "Cam"}]})
    oracle.insert_dimension_data(
        {"root": a, "element": "detector", "records": [{"instrument": "Cam", "id": 7, "full_name": "x"}]}
    )
    file = str(tmp_path / "export.yaml")
    oracle.export({"root": a, "file": file})
    oracle.create({"root": b})
    oracle.import_({"root": b, "file": file})
    q = {"element": "detector"}
    assert oracle.query_dimension_records({**q, "root": b}) == oracle.query_dimension_records({**q, "root": a})


def test_element_counts(tmp_path: Path) -> None:
    oracle = Oracle()
    root = str(tmp_path / "repo")
    oracle.create({"root": root})
    assert oracle.element_counts({"root": root}) == {}
    oracle.insert_dimension_data({"root": root, "element": "instrument", "records": [{"name": "A"}, {"name": "B"}]})
    assert oracle.element_counts({"root": root}) == {"instrument": 2}


def test_regions_datasets_and_types(tmp_path: Path) -> None:
    oracle = Oracle()
    root = str(tmp_path / "repo")
    oracle.create({"root": root})
    oracle.insert_dimension_data({"root": root, "element": "instrument", "records": [{"name": "Cam"}]})
    oracle.insert_dimension_data({"root": root, "element": "detector", "records": [{"instrument": "Cam", "id": 1}]})
    oracle.insert_dimension_data({"root": root, "element": "skymap", "records": [{"name": "m", "hash": b"h"}]})
    square = {"vertices": [[10, -1], [11, -1], [11, 0], [10, 0]]}
    oracle.insert_dimension_data(
        {"root": root, "element": "tract", "records": [{"skymap": "m", "id": 0, "region": square}]}
    )
    (tract,) = oracle.query_dimension_records({"root": root, "element": "tract"})
    assert set(tract["region"]) == {"region"} and tract["region"]["region"].startswith("70")
    assert oracle.register_dataset_type({"root": root, "name": "bias", "dimensions": ["instrument", "detector"]})
    ids = oracle.insert_datasets(
        {"root": root, "dataset_type": "bias", "run": "r", "data_ids": [{"instrument": "Cam", "detector": 1}]}
    )
    found = oracle.query_datasets({"root": root, "dataset_type": "bias", "collections": ["r"]})
    assert found == [{"dataset_type": "bias", "run": "r", "id": ids[0], "data_id": {"instrument": "Cam", "detector": 1}}]


def test_hex_values_order_by_and_limit(tmp_path: Path) -> None:
    oracle = Oracle()
    root = str(tmp_path / "repo")
    oracle.create({"root": root})
    oracle.insert_dimension_data({"root": root, "element": "instrument", "records": [{"name": "Cam"}]})
    oracle.insert_dimension_data(
        {
            "root": root,
            "element": "detector",
            "records": [{"instrument": "Cam", "id": i, "full_name": f"d{5 - i}"} for i in (1, 2, 3, 4)],
        }
    )
    oracle.insert_dimension_data({"root": root, "element": "skymap", "records": [{"name": "m", "hash": {"hex": "00ff"}}]})
    (skymap,) = oracle.query_dimension_records({"root": root, "element": "skymap"})
    assert skymap["hash"] == {"hex": "00ff"}
    q = {"root": root, "dimensions": ["detector"]}
    assert [d["detector"] for d in oracle.query_data_ids({**q, "order_by": ["-detector"]})] == [4, 3, 2, 1]
    assert [d["detector"] for d in oracle.query_data_ids({**q, "order_by": ["detector"], "limit": 2})] == [1, 2]
    recs = oracle.query_dimension_records({"root": root, "element": "detector", "order_by": ["full_name"], "limit": 3})
    assert [r["id"] for r in recs] == [4, 3, 2]
    # without an order the rows are sorted, whatever daf_butler's order
    assert [d["detector"] for d in oracle.query_data_ids(q)] == [1, 2, 3, 4]


def test_dump_and_export_without_files(tmp_path: Path) -> None:
    oracle = Oracle()
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    oracle.create({"root": a})
    oracle.insert_dimension_data({"root": a, "element": "instrument", "records": [{"name": "Cam"}]})
    oracle.insert_dimension_data({"root": a, "element": "detector", "records": [{"instrument": "Cam", "id": 1}]})
    oracle.register_dataset_type({"root": a, "name": "bias", "dimensions": ["instrument", "detector"]})
    oracle.insert_datasets({"root": a, "dataset_type": "bias", "run": "r", "data_ids": [{"instrument": "Cam", "detector": 1}]})
    file = str(tmp_path / "export.yaml")
    oracle.export({"root": a, "file": file})  # the datasets have no files: made-up paths
    oracle.create({"root": b})
    assert oracle.import_({"root": b, "file": file}) == {"warnings": []}
    da, db = oracle.dump({"root": a}), oracle.dump({"root": b})
    assert da == db
    assert [d["dataset_type"] for d in da["datasets"]] == ["bias"]
    assert da["collections"] == [{"name": "r", "type": "RUN"}]
