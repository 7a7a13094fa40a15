/**
 * quanta's parse tree in the normal form of python/quanta_lsst/expr.py (daf_butler's side of the
 * expression oracle), and the comparison of two normal forms (times within 1 ms).
 */
import type { Expr } from '../../src/butler/query/index.js';

export type Normal = null | { [key: string]: unknown };

function flatten(e: Expr, op: 'and' | 'or'): Expr[] {
  return e.kind === 'logical' && e.op === op ? e.operands.flatMap((o) => flatten(o, op)) : [e];
}

const OPS: Record<string, string> = { overlaps: 'OVERLAPS' };

export function normal(e: Expr): Normal {
  switch (e.kind) {
    case 'empty':
      return null;
    case 'logical':
      return { op: e.op.toUpperCase(), args: flatten(e, e.op).map(normal) };
    case 'not':
      return { op: 'NOT', args: [normal(e.operand)] };
    case 'compare':
    case 'arith':
      return { op: OPS[e.op] ?? e.op, args: [normal(e.left), normal(e.right)] };
    case 'unary': {
      const operand = normal(e.operand);
      if (operand && Object.keys(operand).length === 1 && typeof operand.num === 'string')
        return { num: e.op + operand.num };
      return { op: e.op, args: [operand] };
    }
    case 'in':
      return { in: normal(e.operand), not: e.negated, values: e.items.map(normal) };
    case 'number':
      return { num: e.text };
    case 'string':
      return { str: e.value };
    case 'time':
      return { time: e.ms };
    case 'range':
      return { range: [e.start, e.stop, e.stride] };
    case 'uuid':
      return { uuid: e.value };
    case 'ident':
      return { id: e.parts.join('.') };
    case 'bind':
      return { bind: e.name };
    case 'tuple':
      return { tuple: e.items.map(normal) };
    case 'call':
      return { fn: e.name, args: e.args.map(normal) };
  }
}

/** Deep equality of normal forms, with `time` values equal within 1 ms. */
export function sameNormal(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameNormal(x, b[i]))
    );
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return false;
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    if (ka.length === 1 && ka[0] === 'time' && typeof ra.time === 'number' && typeof rb.time === 'number')
      return Math.abs(ra.time - rb.time) <= 1;
    return ka.every((k) => sameNormal(ra[k], rb[k]));
  }
  return a === b;
}
