/**
 * checkExpression: semantic checks of a parsed expression against the dimension universe and the
 * bind values: every name resolves, every operator gets operands of the types it needs (no string
 * compared with a number, no time with a non-time field, ranges only for integers), the whole is a
 * condition. The analysis (types and resolved names per node) is reused by the SQL compiler.
 */
import type { DimensionUniverse, FieldType } from '../universe.js';
import type { Expr, Ident, InExpr, InItem } from './ast.js';
import { printExpression } from './ast.js';
import { queryErrorAt } from './errors.js';
import { sourceOf } from './parser.js';
import { type ColumnRef, ResolveFailure, resolveIdent } from './resolve.js';

export type ValueType = Exclude<FieldType, 'bool'> | 'bool';
export type BindValue = string | number | bigint | boolean | Date;
export type Bind = Record<string, BindValue | readonly BindValue[]>;

export interface Analysis {
  /** elements whose tables the query must join */
  dimensions: Set<string>;
  types: Map<Expr | InItem, ValueType>;
  /** identifiers that name columns */
  columns: Map<Ident, ColumnRef>;
  /** identifiers and `:name` references that name bind values */
  binds: Map<Expr | InItem, BindValue | readonly BindValue[]>;
}

const TYPE_NAMES: Record<ValueType, string> = {
  int: 'an integer',
  float: 'a number',
  string: 'a string',
  datetime: 'a time',
  region: 'a region',
  bool: 'a condition',
};

/** The query type of a bind value (undefined: not usable). */
export function bindType(v: unknown): ValueType | undefined {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : Number.isFinite(v) ? 'float' : undefined;
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof Date && !Number.isNaN(v.getTime())) return 'datetime';
  return undefined;
}

const numeric = (t: ValueType): boolean => t === 'int' || t === 'float';

/** Can values of types a and b be compared with each other? */
function comparable(a: ValueType, b: ValueType): boolean {
  if (a === 'region' || b === 'region') return false;
  return a === b || (numeric(a) && numeric(b));
}

class Checker {
  readonly analysis: Analysis = {
    dimensions: new Set(),
    types: new Map(),
    columns: new Map(),
    binds: new Map(),
  };
  private readonly bindNames: string[];

  constructor(
    private readonly universe: DimensionUniverse,
    private readonly bind: Bind,
    private readonly source: string | undefined,
  ) {
    this.bindNames = Object.keys(bind);
  }

  fail(code: string, message: string, at: { pos: number }): never {
    throw queryErrorAt(code, message, this.source, at.pos);
  }

  private describe(e: Expr | InItem, t: ValueType): string {
    const text = e.kind === 'range' ? `${e.start}..${e.stop}` : printExpression(e);
    return `${text} (${TYPE_NAMES[t]})`;
  }

  /** The type of a bind value used where a scalar is needed. */
  private bindValue(e: Expr | InItem, name: string, allowList: boolean): ValueType[] {
    const value = this.bind[name];
    this.analysis.binds.set(e, value);
    const values: readonly unknown[] = Array.isArray(value) ? value : [value];
    if (Array.isArray(value) && !allowList) {
      this.fail(
        'QUERY_BIND',
        `Bind parameter '${name}' is a list; a list is only allowed as an item of IN (...)`,
        e,
      );
    }
    if (values.length === 0) this.fail('QUERY_BIND', `Bind parameter '${name}' is an empty list`, e);
    return values.map((v) => {
      const t = bindType(v);
      if (t === undefined) {
        this.fail(
          'QUERY_BIND',
          `Bind parameter '${name}' has a value of unsupported type (${String(v)}); use a string, number, boolean or Date`,
          e,
        );
      }
      return t;
    });
  }

  private name(e: Ident | { kind: 'bind'; name: string; pos: number }, allowList: boolean): ValueType[] {
    if (e.kind === 'bind') {
      if (!Object.hasOwn(this.bind, e.name)) {
        const known = this.bindNames.length ? this.bindNames.join(', ') : 'none were given';
        this.fail('QUERY_BIND', `Unknown bind parameter ':${e.name}' (bind parameters: ${known})`, e);
      }
      return this.bindValue(e, e.name, allowList);
    }
    // a bare name found in bind is a bind parameter, as in the Butler
    if (e.parts.length === 1 && Object.hasOwn(this.bind, e.parts[0]))
      return this.bindValue(e, e.parts[0], allowList);
    try {
      const ref = resolveIdent(this.universe, e, this.bindNames);
      this.analysis.columns.set(e, ref);
      this.analysis.dimensions.add(ref.element);
      return [ref.type];
    } catch (err) {
      if (err instanceof ResolveFailure) this.fail('QUERY_NAME', err.message, e);
      throw err;
    }
  }

  typeOf(e: Expr): ValueType {
    const t = this.compute(e);
    this.analysis.types.set(e, t);
    return t;
  }

  condition(e: Expr, context: string): void {
    const t = this.typeOf(e);
    if (t !== 'bool') {
      this.fail(
        'QUERY_TYPE',
        `${context} must be a condition (such as visit = 12), but ${this.describe(e, t)} is not`,
        e,
      );
    }
  }

  private compute(e: Expr): ValueType {
    switch (e.kind) {
      case 'empty':
        return 'bool';
      case 'logical':
        for (const operand of e.operands) this.condition(operand, `Each side of ${e.op.toUpperCase()}`);
        return 'bool';
      case 'not':
        this.condition(e.operand, 'The operand of NOT');
        return 'bool';
      case 'compare': {
        const l = this.typeOf(e.left);
        const r = this.typeOf(e.right);
        if (!comparable(l, r)) {
          this.fail(
            'QUERY_TYPE',
            `Type mismatch: ${this.describe(e.left, l)} cannot be compared with ${this.describe(e.right, r)}`,
            e.right,
          );
        }
        if (l === 'bool' && e.op !== '=' && e.op !== '!=') {
          this.fail('QUERY_TYPE', `Conditions can only be compared with = or !=, not ${e.op}`, e);
        }
        return 'bool';
      }
      case 'in':
        this.checkIn(e);
        return 'bool';
      case 'arith': {
        const l = this.typeOf(e.left);
        const r = this.typeOf(e.right);
        for (const [side, t] of [
          [e.left, l],
          [e.right, r],
        ] as const) {
          if (!numeric(t))
            this.fail(
              'QUERY_TYPE',
              `Arithmetic '${e.op}' needs numbers, but ${this.describe(side, t)} is not one`,
              side,
            );
        }
        return l === 'int' && r === 'int' ? 'int' : 'float';
      }
      case 'unary': {
        const t = this.typeOf(e.operand);
        if (!numeric(t))
          this.fail(
            'QUERY_TYPE',
            `Unary '${e.op}' needs a number, but ${this.describe(e.operand, t)} is not one`,
            e.operand,
          );
        return t;
      }
      case 'number':
        return e.isInt ? 'int' : 'float';
      case 'string':
        return 'string';
      case 'time':
        return 'datetime';
      case 'ident':
      case 'bind':
        return this.name(e, false)[0];
    }
  }

  private checkIn(e: InExpr): void {
    const t = this.typeOf(e.operand);
    if (t === 'bool' || t === 'region') {
      this.fail(
        'QUERY_TYPE',
        `IN needs a value on its left, but ${this.describe(e.operand, t)} is not one`,
        e.operand,
      );
    }
    if (t === 'datetime' && (e.items.length !== 2 || e.items.some((i) => i.kind === 'range'))) {
      // the Butler reads `time IN (begin, end)` as "within the time range", so exactly two items
      this.fail(
        'QUERY_TYPE',
        `A time IN (...) needs exactly two times, the begin and end of a range: t IN (T'begin', T'end')`,
        e,
      );
    }
    for (const item of e.items) {
      if (item.kind === 'range') {
        if (t !== 'int')
          this.fail(
            'QUERY_TYPE',
            `A range ${item.start}..${item.stop} needs an integer on the left of IN, but ${this.describe(e.operand, t)} is not one`,
            item,
          );
        this.analysis.types.set(item, 'int');
        continue;
      }
      const types =
        item.kind === 'ident' || item.kind === 'bind'
          ? this.name(item, t !== 'datetime')
          : [this.typeOf(item)];
      this.analysis.types.set(item, types[0]);
      for (const it of types) {
        if (!comparable(t, it))
          this.fail(
            'QUERY_TYPE',
            `Type mismatch in IN: ${this.describe(e.operand, t)} cannot be compared with ${this.describe(item, it)}`,
            item,
          );
      }
    }
  }
}

export interface CheckOptions {
  bind?: Bind;
}

/** Full analysis (for the compiler); see checkExpression. */
export function analyseExpression(
  expr: Expr,
  universe: DimensionUniverse,
  opts: CheckOptions = {},
): Analysis {
  const checker = new Checker(universe, opts.bind ?? {}, sourceOf(expr));
  checker.condition(expr, 'The expression');
  return checker.analysis;
}

/**
 * Check an expression against the universe and the bind values. Returns the elements it
 * references (the tables the registry must join). Throws QueryError with the column, the valid
 * names and a "did you mean" on unknown names, type mismatches and unknown bind parameters.
 */
export function checkExpression(
  expr: Expr,
  universe: DimensionUniverse,
  opts: CheckOptions = {},
): { dimensions: Set<string> } {
  return { dimensions: analyseExpression(expr, universe, opts).dimensions };
}
