/**
 * daf_butler's governor rule (queries/predicate_constraints_summary.py): a where clause (or data
 * ID) that names a dimension's value or alternate key (`detector = 1`, `visit.name = 'v1'`,
 * `physical_filter = 'g'`, `day_obs = 20210909`, `tract = 0`) must also name the governor that
 * dimension depends on (instrument, skymap) somewhere: in any comparison of the clause (even
 * under OR or NOT, as daf_butler counts it) or in the data ID. Record fields (`detector.purpose`,
 * `visit.exposure_time`, regions, timespans) need no governor, nor do `band` and skypix values.
 */
import { QueryError } from '../../errors.js';
import type { Expr, Ident } from '../query/index.js';
import { analyseExpression } from '../query/index.js';
import type { DimensionUniverse } from '../universe.js';
import type { ParsedWhere } from './where.js';

// daf_butler's GovernorDimensions in its default universe; ours does not mark them
const GOVERNORS = new Set(['instrument', 'skymap']);

export function isGovernor(universe: DimensionUniverse, dimension: string): boolean {
  const spec = universe.elements.get(dimension) as { governor?: boolean } | undefined;
  return spec?.governor ?? GOVERNORS.has(dimension);
}

/** The governor a dimension depends on (itself for a governor), if any. */
export function governorOf(universe: DimensionUniverse, dimension: string): string | undefined {
  if (isGovernor(universe, dimension)) return dimension;
  return universe.required([dimension]).find((d) => d !== dimension && isGovernor(universe, d));
}

/** What a where clause and data ID say about governors. */
interface GovernorUse {
  /** governors named directly */
  named: Set<string>;
  /** governors needed, with the first column that needs each (for the message) */
  needed: Map<string, { shown: string; dimension: string }>;
}

function use(
  universe: DimensionUniverse,
  u: GovernorUse,
  element: string,
  field: string,
  shown: string,
): void {
  if (!universe.isDimension(element)) return;
  const spec = universe.element(element);
  const isKey = field === spec.keys[0].name;
  const isAlternate = spec.keys.slice(1).some((k) => k.name === field);
  if (!isKey && !isAlternate) return;
  const gov = governorOf(universe, element);
  if (gov === undefined) return;
  if (gov === element) u.named.add(gov);
  else if (!u.needed.has(gov)) u.needed.set(gov, { shown, dimension: element });
}

function identsOf(e: Expr, out: Ident[] = []): Ident[] {
  if (e.kind === 'ident') out.push(e);
  for (const v of Object.values(e) as unknown[]) {
    const kids = Array.isArray(v) ? v : [v];
    for (const k of kids)
      if (k && typeof k === 'object' && 'kind' in k && 'pos' in k) identsOf(k as Expr, out);
  }
  return out;
}

/**
 * Throws QueryError QUERY_GOVERNOR_UNCONSTRAINED (daf_butler: InvalidQueryError) when the where
 * clause or data ID constrains a dimension without naming its governor.
 */
export function checkGovernors(
  universe: DimensionUniverse,
  w: ParsedWhere | undefined,
  dataId: Record<string, unknown> = {},
): void {
  const u: GovernorUse = { named: new Set(), needed: new Map() };
  for (const d of Object.keys(dataId))
    use(universe, u, d, universe.primaryKey(d).name, `${d}=${JSON.stringify(dataId[d])} in the data ID`);
  if (w) {
    const columns = analyseExpression(w.expr, universe, { bind: w.bind, ...w.context }).columns;
    for (const ident of identsOf(w.expr)) {
      const ref = columns.get(ident);
      if (ref?.element !== undefined) use(universe, u, ref.element, ref.field, ident.parts.join('.'));
    }
  }
  for (const [gov, { shown, dimension }] of u.needed) {
    if (u.named.has(gov)) continue;
    throw new QueryError(
      'QUERY_GOVERNOR_UNCONSTRAINED',
      `The query constrains ${shown}, which depends on ${gov}, without constraining ${gov} itself; add ${gov} = '...' to the where clause (or ${gov} to the data ID). daf_butler refuses such a query too ("references a dimension dependent on ${gov} without constraining it directly"), because ${dimension} values are numbered or named per ${gov}.`,
      { key: gov },
    );
  }
}
