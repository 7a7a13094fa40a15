"""The real Butler's answers to spatial queries, for test/butler/spatial-oracle.test.ts.

Reads one JSON request on stdin and prints one JSON answer:

    {"db": null | "postgresql://...", "namespace": "ns",
     "records": {element: [record, ...]} | null,   # null: daf_butler's base.yaml + spatial.yaml
     "queries": [{"kind": "dataIds", "dims": [...], "where": "...", "datasets": [...]},
                 {"kind": "records", "element": "patch", "where": "..."},
                 {"kind": "datasets", "type": "pvi", "where": "..."}],
     "datasets": [{"type": "pvi", "dims": ["visit", "detector"], "dataIds": [...]}]}

    {"records": {element: [...]}, "results": [[data ID, ...] | {"error": "..."}, ...]}

Regions go both ways as {"vertices": [[ra, dec], ...]} in degrees; data IDs are their required
values only.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Any

from lsst.daf.butler import Butler, Config, DatasetType
from lsst.sphgeom import ConvexPolygon, LonLat, UnitVector3d

ELEMENTS = [
    "instrument",
    "physical_filter",
    "detector",
    "day_obs",
    "visit",
    "visit_detector_region",
    "skymap",
    "tract",
    "patch",
]


def to_polygon(region: dict[str, Any]) -> ConvexPolygon:
    return ConvexPolygon([UnitVector3d(LonLat.fromDegrees(ra, dec)) for ra, dec in region["vertices"]])


def from_region(region: Any) -> dict[str, Any]:
    vs = [LonLat(v) for v in region.getVertices()]
    return {"vertices": [[v.getLon().asDegrees(), v.getLat().asDegrees()] for v in vs]}


def plain(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if hasattr(value, "getVertices"):
        return from_region(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def make_butler(req: dict[str, Any]) -> Butler:
    root = tempfile.mkdtemp(prefix="spatial-oracle-")
    config = None
    if req.get("db"):
        # the pinned driver is psycopg2 (SQLAlchemy 2.1 would pick psycopg 3 for postgresql://)
        url = req["db"].replace("postgresql://", "postgresql+psycopg2://", 1)
        # daf_butler needs btree_gist (a contrib extension of the server; the test role may add it)
        import psycopg2

        with psycopg2.connect(req["db"]) as conn, conn.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        config = Config({"registry": {"db": url, "namespace": req["namespace"]}})
    Butler.makeRepo(root, config=config)
    return Butler.from_config(root, writeable=True)


def load(butler: Butler, records: dict[str, list[dict[str, Any]]] | None) -> None:
    if records is None:
        data = os.path.join(os.path.dirname(__import__("lsst.daf.butler.tests", fromlist=["x"]).__file__), "registry_data")
        butler.import_(filename=os.path.join(data, "base.yaml"))
        butler.import_(filename=os.path.join(data, "spatial.yaml"))
        return
    for element in ELEMENTS:
        rows = []
        for rec in records.get(element, []):
            rec = dict(rec)
            if "region" in rec:
                rec["region"] = to_polygon(rec["region"])
            if element == "skymap":
                rec["hash"] = bytes.fromhex(rec["hash"])
            rows.append(rec)
        if rows:
            butler.registry.insertDimensionData(element, *rows)


def dump(butler: Butler) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for element in ELEMENTS:
        out[element] = [
            {k: plain(v) for k, v in rec.toDict().items()}
            for rec in butler.registry.queryDimensionRecords(element)
        ]
    return out


def run(butler: Butler, q: dict[str, Any]) -> Any:
    r = butler.registry
    try:
        if q["kind"] == "dataIds":
            kw: dict[str, Any] = {}
            if q.get("datasets"):
                kw = {"datasets": q["datasets"], "collections": ["run"]}
            rows = r.queryDataIds(q["dims"], where=q.get("where", ""), **kw)
            return sorted({json.dumps({k: plain(v) for k, v in d.required.items()}, sort_keys=True, separators=(",", ":")) for d in rows})
        if q["kind"] == "records":
            recs = r.queryDimensionRecords(q["element"], where=q.get("where", ""))
            return sorted({json.dumps({k: plain(v) for k, v in d.dataId.required.items()}, sort_keys=True, separators=(",", ":")) for d in recs})
        if q["kind"] == "datasets":
            refs = r.queryDatasets(q["type"], collections=["run"], where=q.get("where", ""))
            return sorted({json.dumps({k: plain(v) for k, v in d.dataId.required.items()}, sort_keys=True, separators=(",", ":")) for d in refs})
    except Exception as e:  # the test compares errors by kind
        return {"error": type(e).__name__, "message": str(e)}
    raise ValueError(f"unknown query kind {q['kind']}")


def main() -> None:
    req = json.load(sys.stdin)
    butler = make_butler(req)
    load(butler, req.get("records"))
    butler.registry.registerRun("run")
    for ds in req.get("datasets", []):
        t = DatasetType(ds["type"], ds["dims"], "StructuredDataDict", universe=butler.dimensions)
        butler.registry.registerDatasetType(t)
        butler.registry.insertDatasets(t, ds["dataIds"], run="run")
    results = [run(butler, q) for q in req["queries"]]
    json.dump({"records": dump(butler), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
