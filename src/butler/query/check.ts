/**
 * checkExpression: semantic checks of a parsed expression against the dimension universe, the
 * query's dimensions and the bind values, with daf_butler's rules (its _expression_strings.py and
 * the Predicate validators): every name resolves, every operator gets operands of the types it
 * takes, ranges only in IN lists of integers, spatial constraints only where they can be applied
 * after the SQL (ANDed at the top, never under OR or NOT). The analysis (types, names, regions,
 * spatial constraints) is reused by the SQL compiler.
 */
import { boxAround, convexHull, type SkyRegion } from '../region.js';
import type { DimensionUniverse } from '../universe.js';
import type { CallExpr, CompareExpr, Expr, Ident, InExpr } from './ast.js';
import { printExpression } from './ast.js';
import type { ErrorCode } from '../../errors.js';
import { queryErrorAt } from './errors.js';
import { sourceOf } from './parser.js';
import { parsePos } from './pos.js';
import { type ColumnRef, ResolveFailure, resolveIdent } from './resolve.js';
import { bindType, type Bind, type BindValue, type ValueType } from './values.js';

export type { Bind, BindValue, TimespanValue, ValueType } from './values.js';
export { bindType } from './values.js';

/** "this element's region overlaps this region": applied to the rows after the SQL. */
export interface SpatialConstraint {
  element: string;
  region: SkyRegion;
}

export interface Analysis {
  /** elements whose tables the query must join */
  dimensions: Set<string>;
  /** dataset types whose fields (ingest_date, ...) the expression uses */
  datasets: Set<string>;
  types: Map<Expr, ValueType>;
  /** identifiers that name columns */
  columns: Map<Ident, ColumnRef>;
  /** identifiers and `:name` references that name bind values */
  binds: Map<Expr, BindValue | readonly BindValue[]>;
  /** region literals (POINT, CIRCLE, BOX, POLYGON, REGION) with their regions */
  regions: Map<Expr, SkyRegion>;
  /** region OVERLAPS comparisons: the SQL treats them as TRUE */
  spatialNodes: Set<Expr>;
  spatial: SpatialConstraint[];
  /** explicit spatial joins (`visit.region OVERLAPS tract.region`), element pairs */
  spatialJoins: { a: string; b: string }[];
}

const TYPE_NAMES: Record<ValueType, string> = {
  int: 'an integer',
  float: 'a number',
  string: 'a string',
  datetime: 'a time',
  region: 'a region',
  bool: 'a condition',
  timespan: 'a timespan',
  uuid: 'a UUID',
  null: 'NULL',
  range: 'a range',
};

const numeric = (t: ValueType): boolean => t === 'int' || t === 'float';
const ORDERED = new Set<ValueType>(['int', 'float', 'string', 'datetime']);

/** Where a condition sits: spatial constraints are allowed only outside OR and NOT. */
interface Position {
  inverted: boolean;
  orSibling: boolean;
}
const TOP: Position = { inverted: false, orSibling: false };

export interface CheckOptions {
  bind?: Bind;
  /** the query's dimensions, for unqualified field names (`purpose` -> detector.purpose) */
  dimensions?: readonly string[];
  /** the query's dataset types, for `ingest_date` and other dataset fields */
  datasets?: readonly string[];
}

class Checker {
  readonly analysis: Analysis = {
    dimensions: new Set(),
    datasets: new Set(),
    types: new Map(),
    columns: new Map(),
    binds: new Map(),
    regions: new Map(),
    spatialNodes: new Set(),
    spatial: [],
    spatialJoins: [],
  };
  private readonly bind: Bind;
  private readonly bindNames: string[];

  constructor(
    private readonly universe: DimensionUniverse,
    private readonly opts: CheckOptions,
    private readonly source: string | undefined,
  ) {
    this.bind = opts.bind ?? {};
    this.bindNames = Object.keys(this.bind);
  }

  fail(code: ErrorCode, message: string, at: { pos: number }): never {
    throw queryErrorAt(code, message, this.source, at.pos);
  }

  private describe(e: Expr, t: ValueType): string {
    return `${printExpression(e)} (${TYPE_NAMES[t]})`;
  }

  private bindValue(e: Expr, name: string, allowList: boolean): ValueType[] {
    const value = this.bind[name];
    this.analysis.binds.set(e, value);
    const isList = Array.isArray(value);
    if (isList && !allowList) {
      this.fail(
        'QUERY_BIND',
        `Bind parameter '${name}' is a list; a list is only allowed as an item of IN (...)`,
        e,
      );
    }
    const values: readonly unknown[] = isList ? (value as readonly unknown[]) : [value];
    if (values.length === 0) this.fail('QUERY_BIND', `Bind parameter '${name}' is an empty list`, e);
    const types = values.map((v) => {
      const t = bindType(v);
      if (t === undefined) {
        this.fail(
          'QUERY_BIND',
          `Bind parameter '${name}' has a value of unsupported type (${String(v)}); use a string, number, boolean, Date, region or {begin, end} timespan`,
          e,
        );
      }
      return t;
    });
    if (new Set(types).size > 1)
      this.fail(
        'QUERY_BIND',
        `Bind parameter '${name}' mixes values of types ${[...new Set(types)].join(', ')}`,
        e,
      );
    if (types[0] === 'region' && !isList) this.analysis.regions.set(e, value as SkyRegion);
    return types;
  }

  /** Types of a name: one, or one per value of a list bind (only where `allowList`). */
  private name(e: Ident | { kind: 'bind'; name: string; pos: number }, allowList: boolean): ValueType[] {
    if (e.kind === 'bind') {
      if (!Object.hasOwn(this.bind, e.name)) {
        const known = this.bindNames.length ? this.bindNames.join(', ') : 'none were given';
        this.fail('QUERY_BIND', `Unknown bind parameter ':${e.name}' (bind parameters: ${known})`, e);
      }
      return this.bindValue(e, e.name, allowList);
    }
    const text = e.parts.join('.');
    // a name given in bind is a bind parameter, as in the Butler (whatever its dots)
    if (Object.hasOwn(this.bind, text)) return this.bindValue(e, text, allowList);
    if (e.parts.length === 1 && text.toLowerCase() === 'null') return ['null'];
    try {
      const ref = resolveIdent(
        { universe: this.universe, dimensions: this.opts.dimensions, datasets: this.opts.datasets },
        e,
        this.bindNames,
      );
      this.analysis.columns.set(e, ref);
      if (ref.element !== undefined) this.analysis.dimensions.add(ref.element);
      else this.analysis.datasets.add(ref.dataset);
      return [ref.type];
    } catch (err) {
      if (err instanceof ResolveFailure) this.fail('QUERY_NAME', err.message, e);
      throw err;
    }
  }

  typeOf(e: Expr, at: Position = TOP): ValueType {
    const t = this.compute(e, at);
    this.analysis.types.set(e, t);
    return t;
  }

  condition(e: Expr, context: string, at: Position): void {
    const t = this.typeOf(e, at);
    if (t !== 'bool') {
      this.fail(
        'QUERY_TYPE',
        `${context} must be a condition (such as visit = 12), but ${this.describe(e, t)} is not`,
        e,
      );
    }
  }

  private compute(e: Expr, at: Position): ValueType {
    switch (e.kind) {
      case 'empty':
        return 'bool';
      case 'logical': {
        const inner = e.op === 'or' ? { ...at, orSibling: true } : at;
        for (const operand of e.operands)
          this.condition(operand, `Each side of ${e.op.toUpperCase()}`, inner);
        return 'bool';
      }
      case 'not':
        this.condition(e.operand, 'The operand of NOT', { ...at, inverted: true });
        return 'bool';
      case 'compare':
        return this.compare(e, at);
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
      case 'uuid':
        return 'uuid';
      case 'range':
        return 'range';
      case 'tuple': {
        for (const item of e.items) {
          const t = this.typeOf(item);
          if (t !== 'datetime' && t !== 'null')
            this.fail(
              'QUERY_TYPE',
              `A timespan (begin, end) needs two times (or NULL for an open end), but ${this.describe(item, t)} is not one (times are written T'...')`,
              item,
            );
        }
        return 'timespan';
      }
      case 'call':
        return this.call(e);
      case 'ident':
      case 'bind': {
        return this.name(e, false)[0];
      }
    }
  }

  private fail2(e: CompareExpr, l: ValueType, r: ValueType): never {
    this.fail(
      'QUERY_TYPE',
      `Type mismatch: ${this.describe(e.left, l)} cannot be compared with ${this.describe(e.right, r)} using ${e.op === 'overlaps' ? 'OVERLAPS' : e.op}`,
      e.right,
    );
  }

  private isColumn(e: Expr): boolean {
    return e.kind === 'ident' && this.analysis.columns.has(e);
  }

  private compare(e: CompareExpr, at: Position): ValueType {
    const l = this.typeOf(e.left);
    const r = this.typeOf(e.right);
    const { op } = e;
    if (l === 'null' || r === 'null') {
      // `x = NULL` / `x != NULL` are the Butler's IS NULL tests; nothing else takes NULL
      const other = l === 'null' ? e.right : e.left;
      const ot = l === 'null' ? r : l;
      const ok =
        (op === '=' || op === '!=') &&
        ot !== 'null' &&
        ot !== 'range' &&
        (ot !== 'bool' || this.isColumn(other));
      if (!ok) this.fail2(e, l, r);
      return 'bool';
    }
    if (l === 'bool' || r === 'bool' || l === 'range' || r === 'range') this.fail2(e, l, r);
    if (op === 'overlaps') {
      const pair = new Set([l, r]);
      if (l === 'timespan' && r === 'timespan') return 'bool';
      if (pair.has('timespan') && pair.has('datetime')) return 'bool';
      if (l === 'region' && r === 'region') return this.spatial(e, at);
      this.fail2(e, l, r);
    }
    if (numeric(l) && numeric(r)) return 'bool';
    if (l !== r) this.fail2(e, l, r);
    if (op === '=' || op === '!=') {
      if (l === 'region')
        this.fail('QUERY_UNSUPPORTED', `Regions cannot be compared with ${op}; use OVERLAPS`, e);
      return 'bool';
    }
    if (!ORDERED.has(l)) this.fail2(e, l, r);
    return 'bool';
  }

  /** `a.region OVERLAPS <region>`: a constraint (or join) applied after the SQL. */
  private spatial(e: CompareExpr, at: Position): ValueType {
    const cols = [e.left, e.right].filter((x) => this.isColumn(x)) as Ident[];
    if (cols.length === 0)
      this.fail('QUERY_TYPE', 'Spatial overlap comparison requires at least one dimension region column', e);
    if (at.inverted || at.orSibling)
      this.fail(
        'QUERY_UNSUPPORTED',
        'Spatial overlap constraints nested inside OR or NOT are not supported (as in the Butler); AND them with the rest of the expression',
        e,
      );
    const refs = cols.map((c) => this.analysis.columns.get(c)!);
    if (refs.some((ref) => ref.element === undefined))
      this.fail('QUERY_TYPE', 'Only dimension elements have regions', e);
    if (refs.length === 2) {
      this.analysis.spatialJoins.push({ a: refs[0].element!, b: refs[1].element! });
    } else {
      const other = cols[0] === e.left ? e.right : e.left;
      const region = this.analysis.regions.get(other);
      if (region === undefined)
        this.fail(
          'QUERY_TYPE',
          `Spatial overlap comparison needs a region literal or bind value, not ${printExpression(other)}`,
          other,
        );
      this.analysis.spatial.push({ element: refs[0].element!, region });
    }
    this.analysis.spatialNodes.add(e);
    return 'bool';
  }

  /** A number for a region function argument: a literal, a negated literal or a bind value. */
  private coordinate(arg: Expr, fn: string): number {
    this.typeOf(arg);
    if (arg.kind === 'number') return arg.value;
    // daf_butler takes a negated literal or bind (its UnaryExpression '-'), not '+'
    if (arg.kind === 'unary' && arg.op === '-') return -this.coordinate(arg.operand, fn);
    if (arg.kind === 'ident' || arg.kind === 'bind') {
      const v = this.analysis.binds.get(arg);
      if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
    }
    this.fail('QUERY_TYPE', `Expression '${printExpression(arg)}' in ${fn}() is not a literal number`, arg);
  }

  private call(e: CallExpr): ValueType {
    const nums = (): number[] => e.args.map((a) => this.coordinate(a, e.name));
    let region: SkyRegion;
    switch (e.name) {
      case 'GLOB': {
        const [subject, pattern] = e.args;
        const st = this.typeOf(subject);
        if (!this.isColumn(subject) || st !== 'string')
          this.fail(
            'QUERY_TYPE',
            `GLOB() first argument must be a string column, but ${this.describe(subject, st)} is not one`,
            subject,
          );
        const pt = this.typeOf(pattern);
        if (pt !== 'string') this.fail('QUERY_TYPE', `GLOB() second argument must be a string`, pattern);
        return 'bool';
      }
      case 'POINT': {
        const [ra, dec] = nums();
        region = { point: [ra, dec] };
        break;
      }
      case 'CIRCLE': {
        const [ra, dec, radius] = nums();
        region = { center: [ra, dec], radius };
        break;
      }
      case 'BOX': {
        const [ra, dec, w, h] = nums();
        region = boxAround(ra, dec, w, h);
        break;
      }
      case 'POLYGON': {
        const v = nums();
        const pts: [number, number][] = [];
        for (let i = 0; i < v.length; i += 2) pts.push([v[i], v[i + 1]]);
        region = convexHull(pts);
        break;
      }
      case 'REGION': {
        const [arg] = e.args;
        this.typeOf(arg);
        const text = arg.kind === 'string' ? arg.value : this.analysis.binds.get(arg);
        if (typeof text !== 'string')
          this.fail(
            'QUERY_TYPE',
            `Expression '${printExpression(arg)}' in REGION() is not a literal string`,
            arg,
          );
        const parsed = parsePos(text);
        if (typeof parsed === 'string') this.fail('QUERY_TYPE', `REGION(): ${parsed}`, arg);
        region = parsed;
        break;
      }
      default:
        this.fail(
          'QUERY_NAME',
          `Unknown function '${e.name}'; the functions are GLOB, POINT, CIRCLE, BOX, POLYGON, REGION and UUID`,
          e,
        );
    }
    this.analysis.regions.set(e, region);
    return 'region';
  }

  private checkIn(e: InExpr): void {
    const t = this.typeOf(e.operand);
    if (t === 'bool' || t === 'region' || t === 'timespan' || t === 'null' || t === 'range') {
      this.fail(
        'QUERY_TYPE',
        `IN needs a value on its left, but ${this.describe(e.operand, t)} is not one`,
        e.operand,
      );
    }
    for (const item of e.items) {
      if (item.kind === 'range') {
        this.analysis.types.set(item, 'range');
        if (t !== 'int')
          this.fail(
            'QUERY_TYPE',
            `A range ${printExpression(item)} needs an integer on the left of IN, but ${this.describe(e.operand, t)} is not one`,
            item,
          );
        // as daf_butler, which keeps the stop exclusive (stop + 1): `4..3` is empty, `3..1` is an error
        if (item.stop + 1 < item.start)
          this.fail(
            'QUERY_TYPE',
            `Range ${printExpression(item)}: the stop must be at least the start minus one (an empty range)`,
            item,
          );
        continue;
      }
      const isName = item.kind === 'ident' || item.kind === 'bind';
      const types = isName ? this.name(item, true) : [this.typeOf(item)];
      this.analysis.types.set(item, types[0]);
      const list = isName && Array.isArray(this.analysis.binds.get(item));
      for (const it of types) {
        // a list bind must match exactly (daf_butler's container test); a single item as in `=`
        const ok = it === 'null' || (list ? it === t : it === t || (numeric(t) && numeric(it)));
        if (!ok || it === 'bool' || it === 'region' || it === 'timespan')
          this.fail(
            'QUERY_TYPE',
            `Type mismatch in IN: ${this.describe(e.operand, t)} cannot be compared with ${this.describe(item, it)}`,
            item,
          );
      }
    }
  }
}

/** Full analysis (for the compiler); see checkExpression. */
export function analyseExpression(
  expr: Expr,
  universe: DimensionUniverse,
  opts: CheckOptions = {},
): Analysis {
  const checker = new Checker(universe, opts, sourceOf(expr));
  checker.condition(expr, 'The expression', TOP);
  return checker.analysis;
}

/**
 * Check an expression against the universe and the bind values. Returns the elements it
 * references (the tables the registry must join), its dataset types, and its spatial
 * constraints. Throws QueryError with the column, the valid names and a "did you mean" on
 * unknown names, type mismatches and unknown bind parameters.
 */
export function checkExpression(
  expr: Expr,
  universe: DimensionUniverse,
  opts: CheckOptions = {},
): { dimensions: Set<string>; datasets: Set<string>; spatial: SpatialConstraint[] } {
  const a = analyseExpression(expr, universe, opts);
  return { dimensions: a.dimensions, datasets: a.datasets, spatial: a.spatial };
}
