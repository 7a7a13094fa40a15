/**
 * compileWhere: a checked expression -> a parameterised SQL condition for SQLite or PostgreSQL.
 * Values always travel as parameters (`?` / `$n`), never spliced into the text. Columns come from
 * the registry's `column(element, field)`. Times are ISO-8601 UTC text (`Date.toISOString`) as the
 * registry stores them in SQLite, and `timestamptz` in PostgreSQL.
 */
import type { DimensionUniverse } from '../universe.js';
import type { Expr, InExpr, InItem } from './ast.js';
import {
  analyseExpression,
  bindType,
  type Analysis,
  type Bind,
  type BindValue,
  type ValueType,
} from './check.js';

export interface CompileContext {
  universe: DimensionUniverse;
  dialect: 'sqlite' | 'postgres';
  bind?: Bind;
  /** SQL expression of an element's field, e.g. `"dim_visit"."id"` */
  column(element: string, field: string): string;
  /** number of the first `$n` placeholder (postgres), default 1 */
  paramStart?: number;
}

export interface CompiledWhere {
  sql: string;
  params: unknown[];
}

/** Ranges with at most this many values become IN lists; longer ones BETWEEN (+ modulo). */
const MAX_EXPANDED_RANGE = 32;

const PG_CASTS: Record<ValueType, string> = {
  int: 'bigint',
  float: 'double precision',
  string: 'text',
  datetime: 'timestamptz',
  bool: 'boolean',
  region: 'text',
};

class Compiler {
  readonly params: unknown[] = [];
  constructor(
    private readonly ctx: CompileContext,
    private readonly analysis: Analysis,
  ) {}

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
    this.params.push(v);
    if (!pg) return '?';
    return `$${(this.ctx.paramStart ?? 1) + this.params.length - 1}::${PG_CASTS[type]}`;
  }

  private typeOf(e: Expr | InItem): ValueType {
    const t = this.analysis.types.get(e);
    if (t === undefined) throw new Error(`query compiler: no type for ${e.kind} at ${e.pos}`);
    return t;
  }

  /** SQL for a scalar name (column or bind value). */
  private name(e: Expr | InItem): string {
    const ref = e.kind === 'ident' ? this.analysis.columns.get(e) : undefined;
    if (ref) return this.ctx.column(ref.element, ref.field);
    const value = this.analysis.binds.get(e);
    if (value === undefined || Array.isArray(value))
      throw new Error(`query compiler: unresolved name at ${e.pos}`);
    return this.param(value as BindValue, this.typeOf(e));
  }

  expr(e: Expr): string {
    switch (e.kind) {
      case 'empty':
        return '1 = 1';
      case 'logical':
        return `(${e.operands.map((o) => this.expr(o)).join(` ${e.op.toUpperCase()} `)})`;
      case 'not':
        return `(NOT ${this.expr(e.operand)})`;
      case 'compare':
        return `(${this.expr(e.left)} ${e.op === '!=' ? '<>' : e.op} ${this.expr(e.right)})`;
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
      case 'time':
        return this.param(new Date(e.ms), 'datetime');
      case 'ident':
      case 'bind':
        return this.name(e);
    }
  }

  private inExpr(e: InExpr): string {
    const x = this.expr(e.operand);
    const type = this.typeOf(e.operand);
    let sql: string;
    if (type === 'datetime') {
      // the Butler's `t IN (begin, end)`: t within the half-open time range [begin, end)
      const [begin, end] = e.items.map((i) => this.item(i));
      sql = `(${x} >= ${begin} AND ${x} < ${end})`;
    } else {
      const values: string[] = [];
      const terms: string[] = [];
      for (const item of e.items) {
        if (item.kind === 'range') {
          const { start, stop, stride } = item;
          if (start > stop) continue;
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
        const bound = this.analysis.binds.get(item);
        if (Array.isArray(bound)) {
          for (const v of bound as BindValue[]) values.push(this.param(v, bindType(v) ?? type));
        } else {
          values.push(this.item(item));
        }
      }
      if (values.length) terms.unshift(`${x} IN (${values.join(', ')})`);
      sql = terms.length === 0 ? '(1 = 0)' : `(${terms.join(' OR ')})`;
    }
    return e.negated ? `(NOT ${sql})` : sql;
  }

  private item(item: InItem): string {
    if (item.kind === 'range') throw new Error('query compiler: range outside an integer IN');
    return this.expr(item);
  }
}

/**
 * Compile an expression to a parameterised SQL condition. Runs the same checks as
 * checkExpression first (so it throws the same QueryErrors). `params` are in placeholder order;
 * postgres placeholders are numbered from `paramStart` (default 1) and carry a type cast.
 */
export function compileWhere(expr: Expr, ctx: CompileContext): CompiledWhere {
  const analysis = analyseExpression(expr, ctx.universe, { bind: ctx.bind });
  const compiler = new Compiler(ctx, analysis);
  const sql = compiler.expr(expr);
  return { sql, params: compiler.params };
}
