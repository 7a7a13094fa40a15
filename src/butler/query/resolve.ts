/**
 * Name resolution against the dimension universe, as daf_butler's interpret_identifier does it:
 * - `visit`: a dimension's key; `visit.id`, `visit.instrument`, `visit.day_obs`: the key of the
 *   element's own or related dimension; `visit.exposure_time`, `visit.region`, `visit.timespan`:
 *   a field of the element's record; `visit.timespan.begin|end`: a bound of its timespan;
 * - an unqualified field (`purpose`, `id`, `exposure_time`) is looked for in the elements of the
 *   query's dimensions (and `ingest_date`, `run`, ... in its dataset types) and must match once;
 * - `raw.ingest_date` and `ingest_date`: a dataset field.
 * The fields come from the universe (universe.yaml), never from a list here.
 */
import type { DimensionUniverse, FieldType } from '../universe.js';
import { didYouMean } from '../../util/levenshtein.js';
import type { Ident } from './ast.js';

export type ColumnType = Exclude<FieldType, never> | 'timespan' | 'uuid';

/** A dimension record column (`field` 'timespan' is the begin/end pair). */
export interface DimensionColumn {
  element: string;
  field: string;
  type: ColumnType;
  dataset?: undefined;
}

/** A column of a dataset type's datasets (`ingest_date`, `dataset_id`, `run`, ...). */
export interface DatasetColumn {
  dataset: string;
  field: string;
  type: ColumnType;
  element?: undefined;
}

export type ColumnRef = DimensionColumn | DatasetColumn;

/** The query around an expression: its dimensions and dataset types (for unqualified names). */
export interface ResolveContext {
  universe: DimensionUniverse;
  /** the query's dimensions; absent: every element of the universe is a candidate */
  dimensions?: readonly string[];
  datasets?: readonly string[];
}

export const DATASET_FIELDS: ReadonlyMap<string, ColumnType> = new Map<string, ColumnType>([
  ['dataset_id', 'uuid'],
  ['ingest_date', 'datetime'],
  ['run', 'string'],
  ['collection', 'string'],
  ['timespan', 'timespan'],
]);

/** The failure of a resolution: a message for the user (the caller adds the location). */
export class ResolveFailure {
  constructor(readonly message: string) {}
}

function hint(word: string, candidates: string[]): string {
  const guess = didYouMean(word, candidates);
  return guess ? `; did you mean '${guess}'?` : '.';
}

/** Record fields of an element (not its dimension keys), with timespan_begin/_end as `timespan`. */
export function recordFields(universe: DimensionUniverse, element: string): Map<string, ColumnType> {
  const out = new Map<string, ColumnType>();
  const pk = universe.isDimension(element) ? universe.primaryKey(element).name : undefined;
  for (const f of universe.fields(element)) {
    if (f.name === pk) continue;
    if (f.name === 'timespan_begin' || f.name === 'timespan_end') out.set('timespan', 'timespan');
    else out.set(f.name, f.type);
  }
  return out;
}

/** Dimension names addressable as `element.<name>` (its key name, required and implied). */
function keyFields(universe: DimensionUniverse, element: string): string[] {
  const e = universe.element(element);
  const own = universe.isDimension(element) ? [universe.primaryKey(element).name] : [];
  return [...own, ...e.requires, ...e.implies];
}

/** Every name addressable as `element.field`, for messages. */
export function elementFields(universe: DimensionUniverse, element: string): string[] {
  return [...keyFields(universe, element), ...recordFields(universe, element).keys()];
}

function keyRef(universe: DimensionUniverse, dimension: string): DimensionColumn {
  const pk = universe.primaryKey(dimension);
  return { element: dimension, field: pk.name, type: pk.type };
}

/** The elements of a query with these dimensions (daf_butler's DimensionGroup.elements). */
export function queryElements(universe: DimensionUniverse, dimensions?: readonly string[]): string[] {
  if (dimensions === undefined) return [...universe.elements.keys()];
  const dims = new Set(universe.expand(dimensions));
  return [...universe.elements.values()]
    .filter((e) =>
      universe.isDimension(e.name)
        ? dims.has(e.name)
        : [...e.requires, ...e.implies].every((d) => dims.has(d)),
    )
    .map((e) => e.name);
}

function qualified(ctx: ResolveContext, head: string, field: string): ColumnRef {
  const { universe } = ctx;
  if (universe.elements.has(head)) {
    if (keyFields(universe, head).includes(field)) {
      return field === keyFields(universe, head)[0] && universe.isDimension(head)
        ? keyRef(universe, head)
        : keyRef(universe, field);
    }
    const type = recordFields(universe, head).get(field);
    if (type !== undefined) return { element: head, field, type };
    const names = elementFields(universe, head);
    throw new ResolveFailure(
      `Unknown field '${field}' of '${head}'${hint(field, names)} Fields of ${head}: ${names.join(', ')}`,
    );
  }
  const dsType = DATASET_FIELDS.get(field);
  if (dsType !== undefined) return { dataset: head, field, type: dsType };
  const known = [...universe.elements.keys()];
  throw new ResolveFailure(
    `Unknown dimension element or dataset type '${head}' in '${head}.${field}'${hint(head, known)} ` +
      `Elements: ${known.join(', ')}; dataset fields: ${[...DATASET_FIELDS.keys()].join(', ')}`,
  );
}

function unqualified(ctx: ResolveContext, name: string, bindNames: string[]): ColumnRef {
  const { universe } = ctx;
  if (universe.isDimension(name)) return keyRef(universe, name);
  if (
    universe.elements.has(name) &&
    queryElements(universe, ctx.dimensions).every((e) => !elementFields(universe, e).includes(name))
  ) {
    const fields = elementFields(universe, name).map((f) => `${name}.${f}`);
    throw new ResolveFailure(
      `'${name}' is a join element without a value of its own; use one of ${fields.join(', ')}`,
    );
  }
  const matches: ColumnRef[] = [];
  for (const element of queryElements(universe, ctx.dimensions)) {
    if (keyFields(universe, element).includes(name) || recordFields(universe, element).has(name))
      matches.push(qualified(ctx, element, name));
  }
  const dsType = DATASET_FIELDS.get(name);
  if (dsType !== undefined)
    for (const d of ctx.datasets ?? []) matches.push({ dataset: d, field: name, type: dsType });
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    // daf_butler lists the element (or dataset type) each match was found in
    const where = (m: ColumnRef): string => `'${m.element ?? m.dataset}.${name}'`;
    const found = [...new Set(matches.map(where))].sort();
    if (found.length === 1) return matches[0];
    throw new ResolveFailure(
      `Ambiguous name '${name}': it is a field of several elements of the query (${found.join(', ')}); qualify it`,
    );
  }
  const dims = universe.dimensionNames;
  const known = [...dims, ...bindNames];
  const scope = ctx.dimensions ? ` of the query's dimensions (${ctx.dimensions.join(', ')})` : '';
  throw new ResolveFailure(
    `Unknown dimension, field${scope} or bind parameter '${name}'${hint(name, known)} ` +
      `Known dimensions: ${dims.join(', ')}${bindNames.length ? `; bind parameters: ${bindNames.join(', ')}` : ''}`,
  );
}

/** Resolve a (non-bind, non-NULL) identifier to a column, or throw ResolveFailure. */
export function resolveIdent(ctx: ResolveContext, ident: Ident, bindNames: string[]): ColumnRef {
  const [head, ...rest] = ident.parts;
  if (rest.length === 0) return unqualified(ctx, head, bindNames);
  if (rest.length === 1) {
    // `timespan.begin`: the bound of the one timespan the query has (daf_butler's rule)
    if (head === 'timespan' && (rest[0] === 'begin' || rest[0] === 'end'))
      return bound(unqualified(ctx, 'timespan', bindNames), rest[0], ident.parts.join('.'));
    return qualified(ctx, head, rest[0]);
  }
  const base = qualified(ctx, head, rest[0]);
  if (rest[1] !== 'begin' && rest[1] !== 'end') {
    throw new ResolveFailure(
      `Unknown name '${ident.parts.join('.')}': the only three-part names are <element>.timespan.begin and <element>.timespan.end`,
    );
  }
  return bound(base, rest[1], ident.parts.join('.'));
}

function bound(base: ColumnRef, edge: 'begin' | 'end', shown: string): ColumnRef {
  if (base.type !== 'timespan')
    throw new ResolveFailure(`'${shown}' needs a timespan before '.${edge}', but it is not one`);
  return base.dataset !== undefined
    ? { dataset: base.dataset, field: `timespan_${edge}`, type: 'datetime' }
    : { element: base.element, field: `timespan_${edge}`, type: 'datetime' };
}
