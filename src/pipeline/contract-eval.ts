/**
 * Evaluating a parsed contract (contract-parse.ts) over plain config objects with Python's
 * semantics where contracts rely on them: truthiness, `and`/`or` returning an operand, deep
 * `==`, `in` over lists, strings and mappings, floor division and modulo.
 */
import type { Expr } from './contract-parse.js';

export class ContractEvalError extends Error {}

export function truthy(v: unknown): boolean {
  if (Array.isArray(v) || typeof v === 'string') return v.length > 0;
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string' && typeof item === 'string') return container.includes(item);
  if (Array.isArray(container)) return container.some((x) => equal(x, item));
  if (container !== null && typeof container === 'object')
    return typeof item === 'string' && item in container;
  throw new ContractEvalError(`"in" needs a list, string or mapping, not ${show(container)}`);
}

function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case 'in':
      return contains(b, a);
    case 'not in':
      return !contains(b, a);
    case 'is':
      return a === b;
    case 'is not':
      return a !== b;
  }
  const ok =
    (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!ok) throw new ContractEvalError(`cannot compare ${show(a)} ${op} ${show(b)}`);
  const [x, y] = [a as number, b as number];
  return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
}

function num(v: unknown, op: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new ContractEvalError(`"${op}" needs numbers, not ${show(v)}`);
}

function binary(op: string, a: unknown, b: unknown): unknown {
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  const [x, y] = [num(a, op), num(b, op)];
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return x / y;
    case '//':
      return Math.floor(x / y);
    case '%':
      return ((x % y) + y) % y;
    default:
      return x ** y;
  }
}

const BUILTINS: Record<string, (...a: unknown[]) => unknown> = {
  len: (x) => (Array.isArray(x) || typeof x === 'string' ? x.length : Object.keys(x as object).length),
  abs: (x) => Math.abs(num(x, 'abs')),
  min: (...xs) =>
    Math.min(...(xs.length === 1 && Array.isArray(xs[0]) ? xs[0] : xs).map((x) => num(x, 'min'))),
  max: (...xs) =>
    Math.max(...(xs.length === 1 && Array.isArray(xs[0]) ? xs[0] : xs).map((x) => num(x, 'max'))),
  bool: (x) => truthy(x),
  int: (x) => Math.trunc(Number(x)),
  float: (x) => Number(x),
  str: (x) =>
    typeof x === 'string'
      ? x
      : x === null
        ? 'None'
        : typeof x === 'boolean'
          ? x
            ? 'True'
            : 'False'
          : String(x),
  all: (xs) => (xs as unknown[]).every(truthy),
  any: (xs) => (xs as unknown[]).some(truthy),
};

export function evaluate(e: Expr, scope: Record<string, unknown>): unknown {
  const ev = (x: Expr): unknown => evaluate(x, scope);
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'name':
      if (!(e.n in scope)) throw new ContractEvalError(`name "${e.n}" is not a task label of the pipeline`);
      return scope[e.n];
    case 'attr': {
      const o = ev(e.o);
      if (o === null || typeof o !== 'object' || Array.isArray(o) || !(e.n in o))
        throw new ContractEvalError(`no config field "${e.n}" in ${show(o).slice(0, 80)}`);
      return (o as Record<string, unknown>)[e.n];
    }
    case 'index': {
      const o = ev(e.o);
      const i = ev(e.i);
      const v =
        Array.isArray(o) && typeof i === 'number'
          ? o.at(i)
          : (o as Record<string, unknown> | null)?.[String(i)];
      if (v === undefined) throw new ContractEvalError(`no item ${show(i)} in ${show(o).slice(0, 80)}`);
      return v;
    }
    case 'call': {
      const f = e.f.k === 'name' ? BUILTINS[e.f.n] : undefined;
      if (!f)
        throw new ContractEvalError(`only the builtins ${Object.keys(BUILTINS).join(', ')} can be called`);
      return f(...e.args.map(ev));
    }
    case 'list':
      return e.items.map(ev);
    case 'unary': {
      const a = ev(e.a);
      return e.op === 'not' ? !truthy(a) : e.op === '-' ? -num(a, '-') : num(a, '+');
    }
    case 'bin':
      return binary(e.op, ev(e.a), ev(e.b));
    case 'bool': {
      const a = ev(e.a);
      return (e.op === 'and') !== truthy(a) ? a : ev(e.b);
    }
    case 'cmp': {
      let left = ev(e.first);
      for (const [op, x] of e.rest) {
        const right = ev(x);
        if (!compare(op, left, right)) return false;
        left = right;
      }
      return true;
    }
    case 'if':
      return truthy(ev(e.c)) ? ev(e.a) : ev(e.b);
  }
}
