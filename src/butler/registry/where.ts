/**
 * The bridge to the query language (src/butler/query): parse + check a where clause to learn
 * which elements it needs (and its spatial constraints), then compile it against a join plan with
 * parameters numbered after those already in the statement.
 *
 * Spatial constraints (`visit.region OVERLAPS POINT(...)`) cannot be SQL: the SQL treats them as
 * TRUE and `spatial` lists them; the caller keeps only the rows whose element's region overlaps
 * each region (src/butler/region.ts `overlaps`). `spatialJoins` lists explicit region joins.
 */
import { analyseExpression, compileWhere, parseExpression } from '../query/index.js';
import type { Bind, Expr, SpatialConstraint } from '../query/index.js';
import type { DimensionUniverse } from '../universe.js';
import type { Params } from './db.js';
import type { JoinPlan } from './joins.js';

export interface ParsedWhere {
  expr: Expr;
  elements: Set<string>;
  /** dataset types whose fields (ingest_date, ...) the clause uses */
  datasets: Set<string>;
  bind: Bind;
  spatial: SpatialConstraint[];
  spatialJoins: { a: string; b: string }[];
  context: WhereContext;
}

/** The query around a where clause, for unqualified names (`purpose`, `ingest_date`). */
export interface WhereContext {
  /** the query's dimensions (absent: names are looked for in every element) */
  dimensions?: readonly string[];
  /** the query's dataset types */
  datasets?: readonly string[];
}

export function parseWhere(
  universe: DimensionUniverse,
  where: string | undefined,
  bind?: Record<string, unknown>,
  context: WhereContext = {},
): ParsedWhere | undefined {
  if (where === undefined || where.trim() === '') return undefined;
  const b = (bind ?? {}) as Bind;
  const expr = parseExpression(where);
  const checked = analyseExpression(expr, universe, { bind: b, ...context });
  return {
    expr,
    elements: checked.dimensions,
    datasets: checked.datasets,
    bind: b,
    spatial: checked.spatial,
    spatialJoins: checked.spatialJoins,
    context,
  };
}

/**
 * SQL of the condition; its values are appended to `params`. `datasetColumn` gives the SQL of a
 * dataset field (ingest_date, ...) in dataset queries.
 */
export function whereSql(
  universe: DimensionUniverse,
  w: ParsedWhere,
  plan: JoinPlan,
  params: Params,
  datasetColumn?: (datasetType: string, field: string) => string,
): string {
  const compiled = compileWhere(w.expr, {
    universe,
    dialect: params.dialect,
    bind: w.bind,
    column: plan.column,
    datasetColumn,
    paramStart: params.values.length + 1,
    ...w.context,
  });
  params.values.push(...compiled.params);
  return `(${compiled.sql})`;
}
