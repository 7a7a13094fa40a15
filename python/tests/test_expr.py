"""Tests of quanta_lsst.expr, daf_butler's parser as an oracle, against the real parser."""

from __future__ import annotations

import io
import json

from quanta_lsst.expr import main, parse


def test_flattens_and_chains_and_drops_parentheses() -> None:
    tree = parse("a = 1 AND (b = 2 AND c = 3)")["tree"]
    assert tree["op"] == "AND"
    assert [arg["args"][0] for arg in tree["args"]] == [{"id": "a"}, {"id": "b"}, {"id": "c"}]


def test_folds_a_sign_into_a_number() -> None:
    assert parse("-5")["tree"] == {"num": "-5"}
    assert parse("x IN (-5, +4)")["tree"]["values"] == [{"num": "-5"}, {"num": "+4"}]
    assert parse("-a")["tree"] == {"op": "-", "args": [{"id": "a"}]}


def test_gives_ranges_with_stride_one_by_default() -> None:
    assert parse("visit IN (1..5)")["tree"]["values"] == [{"range": [1, 5, 1]}]


def test_gives_times_as_unix_milliseconds() -> None:
    assert parse("T'2020-01-01'")["tree"] == {"time": 1577836800000.0}
    assert abs(parse("T'mjd/58849.0/tai'")["tree"]["time"] - (1577836800000.0 - 37000.0)) < 1e-3


def test_names_functions_and_flattens_polygon_vertices() -> None:
    tree = parse("POLYGON(1, 2, 3, 4, 5, 6)")["tree"]
    assert tree == {"fn": "POLYGON", "args": [{"num": str(i)} for i in range(1, 7)]}
    assert parse("UUID('00000000-0000-0000-0000-00000000000A')")["tree"] == {
        "uuid": "00000000-0000-0000-0000-00000000000a"
    }


def test_reports_the_exception_class_of_a_rejection() -> None:
    assert parse("visit = = 1")["error"] == "ParseError"
    assert parse("POINT(1)")["error"] == "ValueError"
    assert parse("a $ b")["error"] == "ParserYaccError"


def test_answers_one_json_line_per_input_line() -> None:
    out = io.StringIO()
    main(io.StringIO(json.dumps("") + "\n" + json.dumps("a = 1") + "\n"), out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0] == {"tree": None}
    assert lines[1]["tree"]["op"] == "="
