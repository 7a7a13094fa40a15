"""The real Butler as an oracle: a JSON-lines server that quanta's differential tests talk to.

One request per line on stdin, one answer per line on stdout, in order:

    {"id": 1, "op": "create", "root": "/tmp/r", "db": "postgresql://...", "namespace": "ns"}
    {"id": 1, "ok": true, "result": {...}}
    {"id": 2, "ok": false, "error": {"type": "InvalidQueryError", "message": "..."}}

Starting Python and daf_butler costs about a second, so a test keeps one server for all its
queries; Butler instances are kept per repository root. Every answer is plain JSON in a canonical
shape (see ``canonical``) that the TypeScript side produces from quanta's own answers, so the two
can be compared with a deep equality: data IDs as ``{dimension: value}``, times as TAI
nanoseconds (decimal text: JSON numbers lose nanoseconds in JavaScript), regions as the hex of
sphgeom's ``encode()``, binary values as hex. Requests may give regions as
``{"vertices": [[ra, dec], ...]}`` in degrees and binary values as ``{"hex": "..."}``. Queries
may give ``order_by`` (a list of daf_butler order-by terms) and ``limit``; an ordered answer
keeps daf_butler's row order, any other is sorted.
"""

from __future__ import annotations

import json
import sys
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any

from lsst.daf.butler import Butler, Config, DataCoordinate, DatasetRef, DatasetType, DimensionRecord, Timespan

Json = Any  # a JSON value: what json.loads returns
Request = Mapping[str, Json]


def canonical(value: object) -> Json:
    """A daf_butler value as JSON: TAI nanoseconds for times, hex for regions and bytes."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Timespan):
        return _timespan(value)
    if isinstance(value, (bytes, bytearray)):
        return {"hex": bytes(value).hex()}
    encode = getattr(value, "encode", None)
    if callable(encode) and type(value).__module__.startswith("lsst.sphgeom"):
        return {"region": bytes(encode()).hex()}
    if type(value).__name__ == "Time":  # astropy.time.Time, imported lazily by daf_butler
        return {"tai_ns": str(Timespan(value, None).nsec[0])}
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [canonical(v) for v in value]
    return str(value)


def _timespan(value: Timespan) -> Json:
    """``{begin, end}`` as TAI nanoseconds (text; null when unbounded), and ``utc``: astropy's own
    UTC of the bounds to the millisecond, so that quanta's TAI -> UTC is checked independently."""
    import astropy.time

    if value.isEmpty():
        return {"begin": "EMPTY", "end": "EMPTY", "utc": []}
    begin, end = value.nsec
    bounds: list[Any] = [value.begin, value.end]
    utc = [None if x is None else astropy.time.Time(x.utc, precision=3).isot for x in bounds]
    return {"begin": _bound(begin), "end": _bound(end), "utc": utc}


def _bound(nsec: int) -> str | None:
    """A timespan bound as decimal text (JSON numbers lose nanoseconds in JavaScript); daf_butler
    keeps an unbounded end as a sentinel number of nanoseconds, which becomes null."""
    from lsst.daf.butler.time_utils import TimeConverter

    tc = TimeConverter()
    if nsec >= tc.max_nsec or nsec <= tc.min_nsec:
        return None
    return str(nsec)


def _record_in(rec: Mapping[str, Json]) -> dict[str, Any]:
    """A record of a request: ``{"vertices": [[ra, dec], ...]}`` regions become ConvexPolygons,
    ``{"hex": "..."}`` values bytes."""
    from lsst.sphgeom import ConvexPolygon, LonLat, UnitVector3d

    out: dict[str, Any] = {}
    for k, v in rec.items():
        if isinstance(v, Mapping) and "vertices" in v:
            out[k] = ConvexPolygon([UnitVector3d(LonLat.fromDegrees(ra, dec)) for ra, dec in v["vertices"]])
        elif isinstance(v, Mapping) and "hex" in v:
            out[k] = bytes.fromhex(str(v["hex"]))
        else:
            out[k] = v
    return out


def data_id(coordinate: DataCoordinate) -> dict[str, Json]:
    """The required values of a data ID (implied ones follow from them)."""
    return {str(k): canonical(v) for k, v in coordinate.required.items()}


def record(rec: DimensionRecord) -> dict[str, Json]:
    return {str(k): canonical(v) for k, v in rec.toDict().items()}


def dataset(ref: DatasetRef) -> dict[str, Json]:
    return {
        "dataset_type": ref.datasetType.name,
        "run": ref.run,
        "id": str(ref.id),
        "data_id": data_id(ref.dataId),
    }


class Oracle:
    """Answers requests with a real Butler per repository root."""

    def __init__(self) -> None:
        self._butlers: dict[str, Butler] = {}
        self._ops: dict[str, Callable[[Request], Json]] = {
            "create": self.create,
            "import": self.import_,
            "export": self.export,
            "universe": self.universe,
            "query_data_ids": self.query_data_ids,
            "query_datasets": self.query_datasets,
            "query_dimension_records": self.query_dimension_records,
            "query_collections": self.query_collections,
            "query_dataset_types": self.query_dataset_types,
            "insert_dimension_data": self.insert_dimension_data,
            "element_counts": self.element_counts,
            "dump": self.dump,
            "register_dataset_type": self.register_dataset_type,
            "insert_datasets": self.insert_datasets,
        }

    def butler(self, root: str) -> Butler:
        if root not in self._butlers:
            self._butlers[root] = Butler.from_config(root, writeable=True)
        return self._butlers[root]

    def handle(self, req: Request) -> Json:
        op = str(req.get("op"))
        if op not in self._ops:
            raise ValueError(f"unknown op {op!r}; known: {', '.join(sorted(self._ops))}")
        return self._ops[op](req)

    def create(self, req: Request) -> Json:
        config = Config()
        if req.get("db"):
            # SQLAlchemy 2.1 takes psycopg 3 for postgresql://; the pinned driver is psycopg2
            config["registry", "db"] = str(req["db"]).replace("postgresql://", "postgresql+psycopg2://", 1)
            if req.get("namespace"):
                config["registry", "namespace"] = str(req["namespace"])
        Butler.makeRepo(str(req["root"]), config=config)
        return self.universe(req)

    def universe(self, req: Request) -> Json:
        u = self.butler(str(req["root"])).dimensions
        return {"version": u.version, "namespace": u.namespace}

    def import_(self, req: Request) -> Json:
        b = self.butler(str(req["root"]))
        skip = [str(s) for s in req.get("skip_dimensions") or []]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            b.import_(filename=str(req["file"]), without_datastore=True, skip_dimensions=set(skip) or None)
        return {"warnings": [{"message": str(w.message), "source": str(w.filename)} for w in caught]}

    def export(self, req: Request) -> Json:
        """Everything in the registry, in daf_butler's own export format. The datasets have no
        files here (imports are made without the datastore), so each gets a made-up path."""
        from lsst.daf.butler import FileDataset

        b = self.butler(str(req["root"]))
        r = b.registry

        def no_files(refs: Iterable[DatasetRef], **kwargs: Any) -> list[FileDataset]:
            # a formatter that imports: daf_butler's import reads `formatter: null` as a class name
            yaml = "lsst.daf.butler.formatters.yaml.YamlFormatter"
            return [FileDataset(path=f"{ref.run}/{ref.id}", refs=[ref], formatter=yaml) for ref in refs]

        setattr(b._datastore, "export", no_files)  # what daf_butler's datastore would write
        with b.export(filename=str(req["file"])) as ex:
            for element in b.dimensions.getStaticElements():
                if not element.has_own_table:
                    continue
                recs = list(r.queryDimensionRecords(element.name))
                if recs:
                    ex.saveDimensionData(element, recs)
            for name in r.queryCollections("*"):
                ex.saveCollection(name)
            refs = list({ref.id: ref for ref in r.queryDatasets(..., collections="*", findFirst=False)}.values())
            if refs:
                ex.saveDatasets(refs)
        return None

    def dump(self, req: Request) -> Json:
        """The whole registry in the canonical shape: records per element, collections (with
        chains), dataset types, datasets (each once) and TAGGED members."""
        b = self.butler(str(req["root"]))
        r = b.registry
        records: dict[str, list[Json]] = {}
        for element in b.dimensions.getStaticElements():
            if element.has_own_table:
                recs = [record(x) for x in r.queryDimensionRecords(element.name)]
                if recs:
                    records[element.name] = recs
        collections: list[dict[str, Json]] = []
        tagged: dict[str, list[str]] = {}
        for name in r.queryCollections("*"):
            ctype = r.getCollectionType(name)
            entry: dict[str, Json] = {"name": name, "type": ctype.name}
            if ctype.name == "CHAINED":
                entry["children"] = list(r.getCollectionChain(name))
            if ctype.name == "TAGGED":
                tagged[name] = sorted(str(ref.id) for ref in r.queryDatasets(..., collections=name))
            collections.append(entry)
        datasets = {str(ref.id): dataset(ref) for ref in r.queryDatasets(..., collections="*", findFirst=False)}
        return {
            "universe": self.universe(req),
            "records": records,
            "collections": sorted(collections, key=lambda c: str(c["name"])),
            "dataset_types": self.query_dataset_types(req),
            "datasets": sorted(datasets.values(), key=lambda d: str(d["id"])),
            "tagged": tagged,
        }

    def element_counts(self, req: Request) -> Json:
        """How many records each dimension element with a table of its own holds (zeros left out)."""
        b = self.butler(str(req["root"]))
        counts: dict[str, int] = {}
        for element in b.dimensions.getStaticElements():
            if element.has_own_table:
                n = len(list(b.registry.queryDimensionRecords(element.name)))
                if n:
                    counts[element.name] = n
        return counts

    def insert_dimension_data(self, req: Request) -> Json:
        r = self.butler(str(req["root"])).registry
        r.insertDimensionData(str(req["element"]), *[_record_in(x) for x in req["records"]])
        return None

    def register_dataset_type(self, req: Request) -> Json:
        b = self.butler(str(req["root"]))
        dt = DatasetType(
            str(req["name"]),
            list(req["dimensions"]),
            str(req.get("storage_class") or "StructuredDataDict"),
            universe=b.dimensions,
            isCalibration=bool(req.get("is_calibration")),
        )
        return bool(b.registry.registerDatasetType(dt))

    def insert_datasets(self, req: Request) -> Json:
        """Datasets of one type into a RUN (registered if new); answers their ids."""
        r = self.butler(str(req["root"])).registry
        run = str(req["run"])
        r.registerRun(run)
        refs = r.insertDatasets(str(req["dataset_type"]), [dict(d) for d in req["data_ids"]], run=run)
        return [str(ref.id) for ref in refs]

    def _query_args(self, req: Request) -> dict[str, Any]:
        args: dict[str, Any] = {"where": str(req.get("where") or "")}
        if req.get("bind"):
            args["bind"] = dict(req["bind"])
        if req.get("data_id"):
            args["dataId"] = dict(req["data_id"])
        if req.get("collections") is not None:
            args["collections"] = list(req["collections"])
        return args

    def query_data_ids(self, req: Request) -> Json:
        r = self.butler(str(req["root"])).registry
        args = self._query_args(req)
        if req.get("datasets"):
            args["datasets"] = list(req["datasets"])
        rows = _ordered(r.queryDataIds(list(req["dimensions"]), **args), req)
        return _in_order((data_id(d) for d in rows), req)

    def query_datasets(self, req: Request) -> Json:
        r = self.butler(str(req["root"])).registry
        args = self._query_args(req)
        args.setdefault("collections", "*")
        refs = r.queryDatasets(req["dataset_type"], findFirst=bool(req.get("find_first")), **args)
        return _sorted(dataset(ref) for ref in refs)

    def query_dimension_records(self, req: Request) -> Json:
        r = self.butler(str(req["root"])).registry
        rows = _ordered(r.queryDimensionRecords(str(req["element"]), **self._query_args(req)), req)
        return _in_order((record(x) for x in rows), req)

    def query_collections(self, req: Request) -> Json:
        r = self.butler(str(req["root"])).registry
        out = []
        for name in r.queryCollections(req.get("expression") or "*"):
            entry: dict[str, Json] = {"name": name, "type": r.getCollectionType(name).name}
            if entry["type"] == "CHAINED":
                entry["children"] = list(r.getCollectionChain(name))
            out.append(entry)
        return sorted(out, key=lambda e: str(e["name"]))

    def query_dataset_types(self, req: Request) -> Json:
        r = self.butler(str(req["root"])).registry
        return sorted(
            (
                {
                    "name": dt.name,
                    "dimensions": sorted(dt.dimensions.names),
                    "storage_class": dt.storageClass_name,
                    "is_calibration": dt.isCalibration(),
                }
                for dt in r.queryDatasetTypes(req.get("expression") or "*")
            ),
            key=lambda e: str(e["name"]),
        )


def _ordered(results: Any, req: Request) -> Any:
    """Query results with the request's ``order_by`` and ``limit`` applied (daf_butler's
    ``order_by(*terms)`` and ``limit(n)`` of the legacy query results)."""
    if req.get("order_by"):
        results = results.order_by(*[str(t) for t in req["order_by"]])
    if req.get("limit") is not None:
        results = results.limit(int(req["limit"]))
    return results


def _in_order(rows: Iterable[Json], req: Request) -> list[Json]:
    """The rows as daf_butler ordered them when the request asked for an order, else sorted."""
    return list(rows) if req.get("order_by") else _sorted(rows)


def _sorted(rows: Iterable[Json]) -> list[Json]:
    """Rows in a canonical order (a query's order is not part of its answer)."""
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


def serve(inp: IO[str], out: IO[str]) -> None:
    oracle = Oracle()
    for line in inp:
        if not line.strip():
            continue
        req: Request = {}
        try:
            req = json.loads(line)
            answer = {"id": req.get("id"), "ok": True, "result": oracle.handle(req)}
        except Exception as e:  # every failure is an answer: the oracle never dies on a bad request
            answer = {
                "id": req.get("id"),
                "ok": False,
                "error": {"type": type(e).__name__, "message": str(e), "trace": traceback.format_exc(limit=4)},
            }
        out.write(json.dumps(answer, default=str) + "\n")
        out.flush()


def main() -> None:
    serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
