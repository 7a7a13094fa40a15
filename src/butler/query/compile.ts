/**
 * compileWhere: a checked expression -> a parameterised SQL condition for SQLite or PostgreSQL.
 * Values always travel as parameters (`?` / `$n`), never spliced into the text. Columns come from
 * the registry's `column(element, field)`. Times are ISO-8601 UTC text (`Date.toISOString`) as the
 * registry stores them in SQLite, and `timestamptz` in PostgreSQL. A timespan is its begin/end
 * column pair; `a OVERLAPS b` is `a.begin < b.end AND b.begin < a.end`. Region overlaps cannot be
 * SQL: they compile to TRUE and come back in `spatial` / `spatialJoins` for the caller to apply
 * to the rows (the checker allows them only where that is sound: ANDed at the top).
 */
import type { DimensionUniverse } from '../universe.js';
import type { CallExpr, CompareExpr, Expr, InExpr } from './ast.js';
import {
  analyseExpression,
  bindType,
  type Analysis,
  type Bind,
  type BindValue,
  type SpatialConstraint,
  type TimespanValue,
  type ValueType,
} from './check.js';
import { queryErrorAt } from './errors.js';
import { sourceOf } from './parser.js';

export interface CompileContext {
  universe: DimensionUniverse;
  dialect: 'sqlite' | 'postgres';
  bind?: Bind;
  /** SQL expression of an element's field, e.g. `"dim_visit"."id"` */
  column(element: string, field: string): string;
  /**
   * SQL expression of a dataset field (`ingest_date`, `dataset_id`, `run`, `collection`,
   * `timespan_begin`/`timespan_end`) of a dataset type of the query. Absent: dataset fields are
   * a QUERY_UNSUPPORTED error (data-ID queries have no datasets).
   */
  datasetColumn?(datasetType: string, field: string): string;
  /** number of the first `$n` placeholder (postgres), default 1 */
  paramStart?: number;
  /** the query's dimensions and dataset types, for unqualified names (see CheckOptions) */
  dimensions?: readonly string[];
  datasets?: readonly string[];
}

export interface CompiledWhere {
  sql: string;
  params: unknown[];
  /** constraints "element's region overlaps region" that must all hold (SQL treats them as TRUE) */
  spatial: SpatialConstraint[];
  /** explicit spatial joins between two elements' regions (SQL treats them as TRUE) */
  spatialJoins: { a: string; b: string }[];
}

/** Begin and end SQL of a timespan; undefined for an unbounded side. */
interface TimespanSql {
  begin?: string;
  end?: string;
  /** a literal with end <= begin: it overlaps nothing */
  empty?: boolean;
}

/** Ranges with at most this many values become IN lists; longer ones BETWEEN (+ modulo). */
const MAX_EXPANDED_RANGE = 32;
/** longest AND/OR chain written flat; longer ones nest as a balanced tree (balanced()) */
const BALANCED_CHUNK = 8;
/** OR chains longer than this have their data IDs gathered into IN lists (orTerms()) */
const LONG_OR = 64;

const PG_CASTS: Record<ValueType, string> = {
  int: 'bigint',
  float: 'double precision',
  string: 'text',
  datetime: 'timestamptz',
  bool: 'boolean',
  region: 'text',
  timespan: 'timestamptz',
  uuid: 'text',
  null: 'text',
  range: 'bigint',
};

class Compiler {
  /** values by marker number; the markers become placeholders in text order at the end */
  private readonly values: { value: unknown; cast: string }[] = [];
  constructor(
    private readonly ctx: CompileContext,
    private readonly analysis: Analysis,
    source: string | undefined,
  ) {
    this.source = source;
  }

  /** A placeholder for one value of the given type. */
  private param(value: BindValue, type: ValueType): string {
    const pg = this.ctx.dialect === 'postgres';
    let v: unknown = value;
    if (value instanceof Date) v = value.toISOString();
    else if (type === 'datetime' && typeof value === 'number') v = new Date(value).toISOString();
    // better-sqlite3 binds JS numbers as REAL; a BigInt keeps integer semantics (7 / 2 = 3, as in postgres)
    else if (type === 'int' && !pg && typeof value === 'number') v = BigInt(value);
    else if (typeof value === 'bigint' && pg) v = value.toString();
    else if (typeof value === 'boolean' && !pg) v = value ? 1 : 0;
    this.values.push({ value: v, cast: PG_CASTS[type] });
    return `\u0000${this.values.length - 1}\u0000`;
  }

  /**
   * The SQL with its markers replaced by placeholders, and the values in placeholder order: SQL
   * text is not built left to right (a timespan's end is written before its begin), and SQLite's
   * `?` are positional. A value used twice is bound twice (SQLite) or numbered once (postgres).
   */
  finish(sql: string): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    const numbers = new Map<number, number>();
    const pg = this.ctx.dialect === 'postgres';
    const start = this.ctx.paramStart ?? 1;
    // eslint-disable-next-line no-control-regex -- NUL marks placeholders; no SQL text has one
    const text = sql.replace(/\u0000(\d+)\u0000/g, (_m, k: string) => {
      const { value, cast } = this.values[Number(k)];
      if (!pg) {
        params.push(value);
        return '?';
      }
      let n = numbers.get(Number(k));
      if (n === undefined) {
        params.push(value);
        n = start + params.length - 1;
        numbers.set(Number(k), n);
      }
      return `$${n}::${cast}`;
    });
    return { sql: text, params };
  }

  private typeOf(e: Expr): ValueType {
    const t = this.analysis.types.get(e);
    if (t === undefined) throw new Error(`query compiler: no type for ${e.kind} at ${e.pos}`);
    return t;
  }

  private column(e: Expr, field?: string): string {
    const ref = e.kind === 'ident' ? this.analysis.columns.get(e) : undefined;
    if (!ref) throw new Error(`query compiler: not a column at ${e.pos}`);
    const f = field ?? ref.field;
    if (ref.element !== undefined) return this.ctx.column(ref.element, f);
    if (!this.ctx.datasetColumn) {
      throw queryErrorAt(
        'QUERY_UNSUPPORTED',
        `'${ref.dataset}.${ref.field}' is a dataset field, usable only in dataset queries (query-datasets)`,
        this.source,
        e.pos,
      );
    }
    return this.ctx.datasetColumn(ref.dataset, f);
  }

  private readonly source: string | undefined;

  /** SQL for a scalar name (column or bind value). */
  private name(e: Expr): string {
    if (e.kind === 'ident' && this.analysis.columns.has(e)) return this.column(e);
    const value = this.analysis.binds.get(e);
    if (value === undefined || Array.isArray(value))
      throw new Error(`query compiler: unresolved name at ${e.pos}`);
    return this.param(value as BindValue, this.typeOf(e));
  }

  /** The begin/end SQL of a timespan-typed operand. */
  private timespan(e: Expr): TimespanSql {
    if (e.kind === 'tuple') {
      const [b, en] = e.items.map((i) => (this.typeOf(i) === 'null' ? undefined : i));
      const out: TimespanSql = {
        begin: b && this.expr(b),
        end: en && this.expr(en),
      };
      if (b?.kind === 'time' && en?.kind === 'time' && en.ms <= b.ms) out.empty = true;
      return out;
    }
    if (e.kind === 'ident' && this.analysis.columns.has(e)) {
      return { begin: this.column(e, 'timespan_begin'), end: this.column(e, 'timespan_end') };
    }
    const v = this.analysis.binds.get(e) as TimespanValue | undefined;
    if (!v) throw new Error(`query compiler: no timespan at ${e.pos}`);
    return {
      begin: v.begin ? this.param(v.begin, 'datetime') : undefined,
      end: v.end ? this.param(v.end, 'datetime') : undefined,
      empty: v.begin !== null && v.end !== null && v.end.getTime() <= v.begin.getTime(),
    };
  }

  private compare(e: CompareExpr): string {
    const lt = this.typeOf(e.left);
    const rt = this.typeOf(e.right);
    if (this.analysis.spatialNodes.has(e)) return '(1 = 1)';
    if (lt === 'null' || rt === 'null') {
      const other = lt === 'null' ? e.right : e.left;
      const sql =
        this.typeOf(other) === 'timespan' ? (this.timespan(other).begin ?? 'NULL') : this.expr(other);
      return `(${sql} IS ${e.op === '!=' ? 'NOT ' : ''}NULL)`;
    }
    if (lt === 'timespan' || rt === 'timespan') {
      if (lt === 'timespan' && rt === 'timespan') {
        const a = this.timespan(e.left);
        const b = this.timespan(e.right);
        if (e.op === 'overlaps') {
          if (a.empty || b.empty) return '(1 = 0)';
          const terms: string[] = [];
          if (a.begin && b.end) terms.push(`${a.begin} < ${b.end}`);
          if (b.begin && a.end) terms.push(`${b.begin} < ${a.end}`);
          return terms.length ? `(${terms.join(' AND ')})` : '(1 = 1)';
        }
        const same = (x?: string, y?: string): string =>
          x && y ? `${x} = ${y}` : x || y ? `${x ?? y} IS NULL` : '1 = 1';
        const sql = `(${same(a.begin, b.begin)} AND ${same(a.end, b.end)})`;
        return e.op === '!=' ? `(NOT ${sql})` : sql;
      }
      // timespan OVERLAPS time: begin <= t < end
      const [ts, t] = lt === 'timespan' ? [e.left, e.right] : [e.right, e.left];
      const span = this.timespan(ts);
      const x = this.expr(t);
      if (span.empty) return '(1 = 0)';
      const terms = [span.begin && `${span.begin} <= ${x}`, span.end && `${x} < ${span.end}`].filter(Boolean);
      return terms.length ? `(${terms.join(' AND ')})` : `(${x} IS NOT NULL)`;
    }
    return `(${this.expr(e.left)} ${e.op === '!=' ? '<>' : e.op} ${this.expr(e.right)})`;
  }

  /** GLOB(column, pattern): `*` any run, `?` one character, everything else literal. */
  private glob(e: CallExpr): string {
    const [subject, patternNode] = e.args;
    const pattern =
      patternNode.kind === 'string' ? patternNode.value : String(this.analysis.binds.get(patternNode));
    const col = this.expr(subject);
    if (this.ctx.dialect === 'sqlite') {
      // SQLite's GLOB is case-sensitive; '[' starts a class there, so it is escaped as '[[]'
      return `(${col} GLOB ${this.param(pattern.replace(/\[/g, '[[]'), 'string')})`;
    }
    const like = pattern
      .replace(/[\\%_]/g, (c) => `\\${c}`)
      .replace(/\*/g, '%')
      .replace(/\?/g, '_');
    return `(${col} LIKE ${this.param(like, 'string')})`;
  }

  /**
   * The terms of a long OR chain, with its data IDs gathered into IN lists: `visit = 1 OR ...`
   * becomes `col IN (...)` and `(visit = 1 AND detector = 2) OR ...` becomes
   * `(col1, col2) IN (VALUES (...), ...)`. SQLite's planner takes time quadratic in the number of
   * OR terms (seconds for a few thousand), and an IN list is what the chain means.
   */
  private orTerms(operands: Expr[]): string[] {
    const groups = new Map<string, { cols: string[]; rows: string[][]; first: Expr }>();
    const rest: Expr[] = [];
    for (const o of operands) {
      const eqs =
        o.kind === 'logical' && o.op === 'and' ? o.operands.map((x) => this.equality(x)) : [this.equality(o)];
      const cols = eqs.map((q) => q?.[0]);
      if (eqs.some((q) => q === undefined) || new Set(cols).size !== cols.length) {
        rest.push(o);
        continue;
      }
      const pairs = (eqs as [string, Expr][]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const key = pairs.map((q) => q[0]).join('\u0001');
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { cols: pairs.map((q) => q[0]), rows: [], first: o }));
      g.rows.push(pairs.map((q) => this.expr(q[1])));
    }
    const terms = rest.map((o) => this.expr(o));
    for (const g of groups.values()) {
      if (g.rows.length === 1) terms.push(this.expr(g.first));
      else if (g.cols.length === 1) terms.push(`(${g.cols[0]} IN (${g.rows.map((r) => r[0]).join(', ')}))`);
      else
        terms.push(
          `((${g.cols.join(', ')}) IN (VALUES ${g.rows.map((r) => `(${r.join(', ')})`).join(', ')}))`,
        );
    }
    return terms;
  }

  /** `column = literal` (either way round): the column's SQL and the literal; else undefined. */
  private equality(e: Expr): [string, Expr] | undefined {
    if (e.kind !== 'compare' || e.op !== '=' || this.analysis.spatialNodes.has(e)) return undefined;
    const isColumn = (x: Expr): boolean => x.kind === 'ident' && this.analysis.columns.has(x);
    const isValue = (x: Expr): boolean => x.kind === 'number' || x.kind === 'string';
    const [col, val] = isColumn(e.left) ? [e.left, e.right] : [e.right, e.left];
    if (!isColumn(col) || !isValue(val)) return undefined;
    const t = this.typeOf(col);
    if (t === 'timespan' || t === 'region' || t === 'null') return undefined;
    return [this.expr(col), val];
  }

  expr(e: Expr): string {
    switch (e.kind) {
      case 'empty':
        return '1 = 1';
      case 'logical':
        return balanced(
          e.op === 'or' && e.operands.length > LONG_OR
            ? this.orTerms(e.operands)
            : e.operands.map((o) => this.expr(o)),
          e.op.toUpperCase(),
        );
      case 'not':
        return `(NOT ${this.expr(e.operand)})`;
      case 'compare':
        return this.compare(e);
      case 'arith': {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        // postgres has no % for double precision; numeric mod() does both
        if (e.op === '%' && this.ctx.dialect === 'postgres' && this.typeOf(e) === 'float') {
          return `mod((${l})::numeric, (${r})::numeric)`;
        }
        return `(${l} ${e.op} ${r})`;
      }
      case 'unary':
        return `(${e.op}${this.expr(e.operand)})`;
      case 'in':
        return this.inExpr(e);
      case 'number':
        return this.param(e.value, this.typeOf(e));
      case 'string':
        return this.param(e.value, 'string');
      case 'uuid':
        return this.param(e.value, 'uuid');
      case 'time':
        return this.param(new Date(e.ms), 'datetime');
      case 'call':
        if (e.name === 'GLOB') return this.glob(e);
        throw new Error(`query compiler: region ${e.name}() outside OVERLAPS`);
      case 'tuple':
      case 'range':
        throw new Error(`query compiler: ${e.kind} outside its place at ${e.pos}`);
      case 'ident':
      case 'bind':
        return this.name(e);
    }
  }

  private inExpr(e: InExpr): string {
    const x = this.expr(e.operand);
    const type = this.typeOf(e.operand);
    const values: string[] = [];
    const terms: string[] = [];
    for (const item of e.items) {
      if (item.kind === 'range') {
        const { start, stop, stride } = item;
        const count = Math.floor((stop - start) / stride) + 1;
        if (count <= MAX_EXPANDED_RANGE) {
          for (let k = 0; k < count; k++) values.push(this.param(start + k * stride, 'int'));
        } else {
          const between = `${x} BETWEEN ${this.param(start, 'int')} AND ${this.param(stop, 'int')}`;
          terms.push(
            stride === 1
              ? `(${between})`
              : `(${between} AND (${x} - ${this.param(start, 'int')}) % ${this.param(stride, 'int')} = 0)`,
          );
        }
        continue;
      }
      if (this.typeOf(item) === 'null') {
        terms.push(`(${x} IS NULL)`);
        continue;
      }
      const bound = this.analysis.binds.get(item);
      if (Array.isArray(bound)) {
        for (const v of bound as BindValue[]) values.push(this.param(v, bindType(v) ?? type));
      } else {
        values.push(this.expr(item));
      }
    }
    if (values.length) terms.unshift(`${x} IN (${values.join(', ')})`);
    const sql = terms.length === 0 ? '(1 = 0)' : `(${terms.join(' OR ')})`;
    return e.negated ? `(NOT ${sql})` : sql;
  }
}

/**
 * Compile an expression to a parameterised SQL condition. Runs the same checks as
 * checkExpression first (so it throws the same QueryErrors). `params` are in placeholder order;
 * postgres placeholders are numbered from `paramStart` (default 1) and carry a type cast.
 */
export function compileWhere(expr: Expr, ctx: CompileContext): CompiledWhere {
  const analysis = analyseExpression(expr, ctx.universe, {
    bind: ctx.bind,
    dimensions: ctx.dimensions,
    datasets: ctx.datasets,
  });
  const compiler = new Compiler(ctx, analysis, sourceOf(expr));
  const { sql, params } = compiler.finish(compiler.expr(expr));
  return { sql, params, spatial: analysis.spatial, spatialJoins: analysis.spatialJoins };
}

/**
 * `(a OP b OP ...)`, nested as a balanced tree when the chain is long: SQLite parses a flat chain
 * into a tree as deep as it is long and refuses one deeper than 1000 (a `--where` of 1,000 ORs),
 * and PostgreSQL's stack limit is the same kind of limit.
 */
function balanced(terms: string[], op: string): string {
  if (terms.length <= BALANCED_CHUNK) return `(${terms.join(` ${op} `)})`;
  const mid = Math.ceil(terms.length / 2);
  return `(${balanced(terms.slice(0, mid), op)} ${op} ${balanced(terms.slice(mid), op)})`;
}
