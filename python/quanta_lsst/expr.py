"""daf_butler's expression parser as an oracle for quanta's (test/butler/expr-oracle.test.ts).

Reads JSON lines on stdin, each an expression string, and prints one JSON line per expression:
``{"tree": <tree>}`` with daf_butler's parse tree in the normal form below, or
``{"error": "<exception class>", "message": "..."}`` when its parser rejects the text.

The normal form, which quanta's side produces from its own AST (parentheses dropped, AND/OR
chains flattened, a sign applied to a number literal folded into it):

    null                                    blank input
    {"op": "AND"|"OR", "args": [...]}       two or more operands
    {"op": "NOT"|"-"|"+", "args": [x]}      unary
    {"op": "="|"!="|"<"|...|"OVERLAPS"|"%", "args": [a, b]}
    {"in": x, "not": bool, "values": [...]}
    {"num": "12"}  {"str": "a"}  {"time": unix_ms}  {"id": "visit.id"}  {"bind": "name"}
    {"range": [start, stop, stride]}  {"uuid": "..."}  {"tuple": [a, b]}
    {"fn": "POINT", "args": [...]}          (POLYGON's vertices flattened; others by name)
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterable, Iterator
from typing import IO, Any

from lsst.daf.butler.queries.expressions.parser import ParserYacc, exprTree

Json = Any  # a JSON value

_parser = ParserYacc()


def _strip(node: exprTree.Node) -> exprTree.Node:
    while isinstance(node, exprTree.Parens):
        node = node.expr
    return node


def _chain(node: exprTree.Node, op: str) -> Iterator[exprTree.Node]:
    node = _strip(node)
    if isinstance(node, exprTree.BinaryOp) and node.op == op:
        yield from _chain(node.lhs, op)
        yield from _chain(node.rhs, op)
    else:
        yield node


def _time(value: Any) -> Json:
    try:
        return float(value.utc.unix) * 1000.0
    except Exception:  # astropy cannot convert some scales (local) to UTC
        return f"unconvertible {value.scale}"


def normal(node: exprTree.Node | None) -> Json:
    """The normal form of a daf_butler parse tree (see the module doc)."""
    if node is None:
        return None
    node = _strip(node)
    match node:
        case exprTree.BinaryOp(op="AND" | "OR"):
            return {"op": node.op, "args": [normal(n) for n in _chain(node, node.op)]}
        case exprTree.BinaryOp():
            return {"op": node.op, "args": [normal(node.lhs), normal(node.rhs)]}
        case exprTree.UnaryOp():
            operand = normal(node.operand)
            if node.op in ("-", "+") and isinstance(operand, dict) and set(operand) == {"num"}:
                return {"num": node.op + operand["num"]}
            return {"op": node.op, "args": [operand]}
        case exprTree.IsIn():
            return {"in": normal(node.lhs), "not": node.not_in, "values": [normal(v) for v in node.values]}
        case exprTree.NumericLiteral():
            return {"num": node.value}
        case exprTree.StringLiteral():
            return {"str": node.value}
        case exprTree.TimeLiteral():
            return {"time": _time(node.value)}
        case exprTree.RangeLiteral():
            return {"range": [node.start, node.stop, node.stride or 1]}
        case exprTree.UuidLiteral():
            return {"uuid": str(node.value)}
        case exprTree.Identifier():
            return {"id": node.name}
        case exprTree.BindName():
            return {"bind": node.name}
        case exprTree.TupleNode():
            return {"tuple": [normal(n) for n in node.items]}
        case exprTree.PointNode():
            return _fn("POINT", [node.ra, node.dec])
        case exprTree.CircleNode():
            return _fn("CIRCLE", [node.ra, node.dec, node.radius])
        case exprTree.BoxNode():
            return _fn("BOX", [node.ra, node.dec, node.width, node.height])
        case exprTree.PolygonNode():
            return _fn("POLYGON", [c for vertex in node.vertices for c in vertex])
        case exprTree.RegionNode():
            return _fn("REGION", [node.pos])
        case exprTree.GlobNode():
            return _fn("GLOB", [node.expression, node.pattern])
        case exprTree.FunctionCall():
            return _fn(node.name, node.args)
    raise TypeError(f"unknown node {type(node).__name__}")


def _fn(name: str, args: Iterable[exprTree.Node]) -> Json:
    return {"fn": name, "args": [normal(a) for a in args]}


def parse(text: str) -> Json:
    """daf_butler's answer for one expression, as printed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = _parser.parse(text)
    except Exception as exc:  # the parser raises several unrelated classes (ValueError too)
        return {"error": type(exc).__name__, "message": str(exc)}
    return {"tree": normal(tree)}


def main(stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout) -> None:
    """Answer every JSON-lines expression of ``stdin`` on ``stdout``."""
    for line in stdin:
        if line.strip():
            stdout.write(json.dumps(parse(json.loads(line))) + "\n")
    stdout.flush()


if __name__ == "__main__":
    main()
