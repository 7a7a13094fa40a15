/**
 * The FROM clause of a data-ID query: the `dim_` tables of the needed dimensions (required and
 * implied closure), joined on their shared dimension columns, plus the join elements the Butler
 * adds (visit_definition for exposure+visit, visit_detector_region for visit+detector).
 */
import type { DimensionUniverse } from '../universe.js';
import { elementColumns, isKeyOnly } from './columns.js';
import { q } from './db.js';

export interface JoinPlan {
  /** the expanded dimensions (universe order) */
  dimensions: string[];
  /** `"dim_a" JOIN "dim_b" ON ...` */
  from: string;
  /** SQL expression holding a dimension's primary key value */
  value(dimension: string): string;
  /** SQL expression of `element.field` (the compileWhere `column` callback) */
  column(element: string, field: string): string;
  /** elements whose tables are joined */
  elements: Set<string>;
}

const JOIN_ELEMENTS: [string, string, string][] = [
  ['visit_definition', 'exposure', 'visit'],
  ['visit_detector_region', 'visit', 'detector'],
];

/**
 * @param external dimensions whose values come from a table the caller joins after the plan's
 *   (a skypix dimension from an overlap table), as SQL expressions; they get no table here
 */
export function planJoin(
  universe: DimensionUniverse,
  dims: Iterable<string>,
  extraElements: Iterable<string> = [],
  external: ReadonlyMap<string, string> = new Map(),
): JoinPlan {
  const wanted = new Set<string>(dims);
  const joinEls = new Set<string>();
  for (const e of extraElements) {
    if (universe.isDimension(e)) wanted.add(e);
    else {
      joinEls.add(e);
      for (const r of universe.element(e).requires) wanted.add(r);
    }
  }
  const dimensions = universe.expand(wanted);
  const has = new Set(dimensions);
  for (const [el, a, b] of JOIN_ELEMENTS) if (has.has(a) && has.has(b)) joinEls.add(el);

  // which table holds each dimension's value
  const source = new Map<string, string>(external);
  const tables: string[] = [];
  for (const d of dimensions) {
    if (isKeyOnly(universe, d) || external.has(d)) continue;
    tables.push(d);
    source.set(d, `${q(`dim_${d}`)}.${q(universe.primaryKey(d).name)}`);
  }
  const elements = [...tables, ...universe.sortDimensions(joinEls)];
  for (const d of dimensions) {
    if (source.has(d)) continue;
    const holder = elements.find((e) => elementColumns(universe, e).some((c) => c.dimension === d));
    if (holder) source.set(d, `${q(`dim_${holder}`)}.${q(d)}`);
    else {
      // nothing else holds it (`band` alone): the values of the dimension that implies it, as
      // daf_butler's band is a view of physical_filter; its own table when nothing implies it
      const implier = [...universe.elements.values()].find(
        (e) => universe.isDimension(e.name) && e.implies.includes(d),
      );
      const table = implier?.name ?? d;
      elements.unshift(table);
      source.set(d, `${q(`dim_${table}`)}.${q(implier ? d : universe.primaryKey(d).name)}`);
    }
  }
  const value = (d: string): string => {
    const s = source.get(d);
    if (!s) throw new Error(`planJoin: dimension ${d} is not in the join`);
    return s;
  };

  const parts: string[] = [];
  for (const e of elements) {
    const t = q(`dim_${e}`);
    const conds: string[] = [];
    for (const c of elementColumns(universe, e)) {
      // an implying table brought in for a key-only dimension has dimensions the query lacks
      if (!c.dimension || !source.has(c.dimension)) continue;
      const own = `${t}.${q(c.name)}`;
      const v = value(c.dimension);
      if (v !== own) conds.push(`${own} = ${v}`);
    }
    if (parts.length === 0) parts.push(t);
    else parts.push(conds.length ? `JOIN ${t} ON ${conds.join(' AND ')}` : `CROSS JOIN ${t}`);
  }
  const joined = new Set(elements);
  const column = (element: string, field: string): string => {
    if (universe.isDimension(element) && field === universe.primaryKey(element).name) return value(element);
    if (!joined.has(element)) throw new Error(`planJoin: element ${element} is not in the join`);
    return `${q(`dim_${element}`)}.${q(field)}`;
  };
  return { dimensions, from: parts.join(' '), value, column, elements: joined };
}
