/**
 * The bridge to the query language (src/butler/query): parse + check a where clause to learn
 * which elements it needs, then compile it against a join plan with parameters numbered after
 * those already in the statement.
 */
import { checkExpression, compileWhere, parseExpression } from '../query/index.js';
import type { Bind, Expr } from '../query/index.js';
import type { DimensionUniverse } from '../universe.js';
import type { Params } from './db.js';
import type { JoinPlan } from './joins.js';

export interface ParsedWhere {
  expr: Expr;
  elements: Set<string>;
  bind: Bind;
}

export function parseWhere(
  universe: DimensionUniverse,
  where: string | undefined,
  bind?: Record<string, unknown>,
): ParsedWhere | undefined {
  if (where === undefined || where.trim() === '') return undefined;
  const b = (bind ?? {}) as Bind;
  const expr = parseExpression(where);
  const { dimensions } = checkExpression(expr, universe, { bind: b });
  return { expr, elements: dimensions, bind: b };
}

/** SQL of the condition; its values are appended to `params`. */
export function whereSql(
  universe: DimensionUniverse,
  w: ParsedWhere,
  plan: JoinPlan,
  params: Params,
): string {
  const compiled = compileWhere(w.expr, {
    universe,
    dialect: params.dialect,
    bind: w.bind,
    column: plan.column,
    paramStart: params.values.length + 1,
  });
  params.values.push(...compiled.params);
  return `(${compiled.sql})`;
}
