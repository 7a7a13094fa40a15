/**
 * Data-ID and dimension-record queries over the `dim_` tables: the join of the needed tables,
 * the compiled where clause, the data ID constraint, dataset existence, the spatial join and
 * region constraints, orderBy and limit. Writing records is dimension-writes.ts.
 */
import { QueryError, RegistryError } from '../../errors.js';
import type { DimensionUniverse } from '../universe.js';
import type { Collections } from './collections.js';
import { identifyingDimensions, isKeyOnly, primaryKeyColumns } from './columns.js';
import { checkDataIdConstraint } from './data-id.js';
import type { DatasetTypes } from './dataset-types.js';
import type { DataId } from './datasets.js';
import type { Db } from './db.js';
import { Params, q } from './db.js';
import { checkGovernors } from './governors.js';
import type { JoinPlan } from './joins.js';
import { planJoin } from './joins.js';
import { suggest } from './messages.js';
import type { Ordering } from './order-by.js';
import { checkLimit, orderElements, orderSql, parseOrderBy } from './order-by.js';
import type { DimensionRecord } from './records.js';
import { rowToRecord } from './records.js';
import type { SkyPixOverlaps } from './skypix-overlaps.js';
import { SKYPIX_COLUMN } from './skypix-overlaps.js';
import type { SpatialConstraint, SpatialJoin } from './spatial-join.js';
import { elementDimensions, hasRegion, planSpatialJoin, skyPixOf } from './spatial-join.js';
import type { SpatialSql } from './spatial-query.js';
import { applySpatial, spatialSql } from './spatial-query.js';
import type { ParsedWhere } from './where.js';
import { parseWhere, whereSql } from './where.js';

/** the column a query of no dimensions selects (a data ID query needs some column) */
const NO_DIMENSIONS = '_no_dimensions';

export interface DataIdQuery extends Ordering {
  where?: string;
  bind?: Record<string, unknown>;
  /** a data ID constraint (daf_butler's `dataId=` / `instrument='Cam1'`) */
  dataId?: DataId;
  collections?: string[];
  datasets?: string[];
  /**
   * dimensions of other tables this query's rows came from (a dataset type searched with it):
   * families they already relate need no spatial join
   */
  joinOperands?: string[][];
}

export interface RecordQuery extends Ordering {
  where?: string;
  bind?: Record<string, unknown>;
  dataId?: DataId;
}

/** The where clause's explicit region join (`visit.region OVERLAPS tract.region`), if any. */
function explicitJoin(universe: DimensionUniverse, w: ParsedWhere | undefined): SpatialJoin | undefined {
  const pairs = w?.spatialJoins ?? [];
  if (pairs.length === 0) return undefined;
  const [{ a, b }] = pairs;
  if (pairs.length > 1 || !hasRegion(universe, a) || !hasRegion(universe, b))
    throw new QueryError(
      'QUERY_SPATIAL_UNSUPPORTED',
      `Only one explicit region join of two elements with regions is supported in a where clause; got ${pairs.map((p) => `${p.a}.region OVERLAPS ${p.b}.region`).join(', ')}.`,
    );
  return { a: { kind: 'region', element: a }, b: { kind: 'region', element: b } };
}

export class DimensionQueries {
  constructor(
    private readonly db: Db,
    private readonly universe: DimensionUniverse,
    private readonly types: DatasetTypes,
    private readonly collections: Collections,
    private readonly overlaps: SkyPixOverlaps,
  ) {}

  /**
   * The join of a query and, when it needs one, its spatial part (spatial-join.ts): the
   * automatic (or the where clause's explicit) join between two spatial families and the where
   * clause's region constraints.
   */
  private async plan(
    dims: string[],
    extraElements: string[],
    operands: string[][],
    w: ParsedWhere | undefined,
  ): Promise<{ plan: JoinPlan; spatial?: SpatialSql }> {
    const constraints: SpatialConstraint[] = w?.spatial ?? [];
    const plain = planJoin(this.universe, dims, extraElements);
    const explicit = explicitJoin(this.universe, w);
    const related: [string, string][] = explicit ? [[w!.spatialJoins[0].a, w!.spatialJoins[0].b]] : [];
    const auto = planSpatialJoin(this.universe, plain.dimensions, operands, related);
    if (auto && explicit)
      throw new QueryError(
        'QUERY_SPATIAL_AMBIGUOUS',
        `The where clause joins ${explicit.a.kind === 'region' ? explicit.a.element : ''} and ${explicit.b.kind === 'region' ? explicit.b.element : ''} spatially, and the query needs another spatial join as well; query fewer spatial dimensions at once.`,
      );
    const join = explicit ?? auto;
    if (!join && constraints.length === 0) return { plan: plain };
    await this.overlaps.ensure();
    const need: string[] = [];
    const external = new Map<string, string>();
    for (const e of join ? [join.a, join.b] : []) {
      if (e.kind === 'region') need.push(e.element);
      else external.set(e.dimension, `${q('__sa')}.${q(SKYPIX_COLUMN)}`);
    }
    for (const c of constraints) if (!skyPixOf(this.universe, c.element)) need.push(c.element);
    const plan = planJoin(this.universe, dims, [...extraElements, ...need], external);
    return { plan, spatial: spatialSql(this.universe, plan, join, constraints) };
  }

  checkElement(element: string): void {
    if (this.universe.elements.has(element)) return;
    const names = [...this.universe.elements.keys()];
    throw new RegistryError(
      'REGISTRY_UNKNOWN_ELEMENT',
      `Unknown dimension element "${element}"${suggest(element, names)}; the elements are ${names.join(', ')}.`,
      { key: element },
    );
  }

  checkDimensions(dims: string[]): void {
    for (const d of dims) {
      if (this.universe.isDimension(d)) continue;
      const names = this.universe.dimensionNames;
      throw new RegistryError(
        'REGISTRY_UNKNOWN_DIMENSION',
        `Unknown dimension "${d}"${suggest(d, names)}; the dimensions are ${names.join(', ')}.`,
        { key: d },
      );
    }
  }

  async records(element: string, opts: RecordQuery = {}): Promise<DimensionRecord[]> {
    this.checkElement(element);
    const u = this.universe;
    const table = q(`dim_${element}`);
    const own = elementDimensions(u, element);
    const dataId = checkDataIdConstraint(u, opts.dataId);
    const w = parseWhere(u, opts.where, opts.bind, { dimensions: own });
    checkGovernors(u, w, dataId);
    const terms = parseOrderBy(u, opts.orderBy, own);
    const limit = checkLimit(opts.limit);
    const p = new Params(this.db.dialect);
    const pk = primaryKeyColumns(u, element);
    const sqlLimit = (on: boolean): string => (on && limit !== undefined ? ` LIMIT ${limit}` : '');
    // the key-only dimension alone (band): its own table
    if (
      isKeyOnly(u, element) &&
      !w &&
      terms.length === 0 &&
      Object.keys(dataId).every((k) => k === element)
    ) {
      const v = dataId[element];
      const cond = v !== undefined ? ` WHERE ${q(u.primaryKey(element).name)} = ${p.add(v)}` : '';
      const rows = await this.db.all<Record<string, unknown>>(
        `SELECT * FROM ${table}${cond} ORDER BY ${pk.map((k) => q(k)).join(', ')}${sqlLimit(true)}`,
        p.values,
      );
      return rows.map((r) => rowToRecord(u, element, r));
    }
    if (isKeyOnly(u, element)) {
      // constrained: the values a data-ID query finds (band from physical_filter, as daf_butler)
      const ids = await this.dataIds([element], opts);
      const key = u.primaryKey(element).name;
      return ids.map((d) => ({ [key]: d[element] }));
    }
    const spec = u.element(element);
    const base = spec.keys.length ? [element] : spec.requires;
    const { plan, spatial: sp } = await this.plan(
      [...base, ...Object.keys(dataId)],
      [...(w?.elements ?? []), element, ...orderElements(terms)],
      [],
      w,
    );
    const conds: string[] = [];
    if (w) conds.push(whereSql(u, w, plan, p));
    for (const [k, v] of Object.entries(dataId)) conds.push(`${plan.value(k)} = ${p.add(v)}`);
    const order = orderSql(terms, plan);
    const select = [`${table}.*`, ...(sp?.columns ?? []), ...order.columns].join(', ');
    const sql = `SELECT ${sp ? '' : 'DISTINCT '}${select} FROM ${plan.from}${sp ? ` ${sp.joins}` : ''}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''} ORDER BY ${[...order.orderBy, ...pk.map((k) => q(k))].join(', ')}${sqlLimit(!sp)}`;
    let rows = await this.db.all<Record<string, unknown>>(sql, p.values);
    if (sp) rows = applySpatial(rows, sp, (r) => JSON.stringify(pk.map((k) => r[k])));
    if (sp && limit !== undefined) rows = rows.slice(0, limit);
    return rows.map((r) => rowToRecord(u, element, r));
  }

  async dataIds(dims: string[], opts: DataIdQuery = {}): Promise<DataId[]> {
    this.checkDimensions(dims);
    const u = this.universe;
    const dataId = checkDataIdConstraint(u, opts.dataId);
    const w = parseWhere(u, opts.where, opts.bind, { dimensions: dims, datasets: opts.datasets });
    checkGovernors(u, w, dataId);
    const terms = parseOrderBy(u, opts.orderBy, dims);
    const limit = checkLimit(opts.limit);
    const dsTypes = await Promise.all((opts.datasets ?? []).map((n) => this.types.get(n)));
    if (dsTypes.length && !opts.collections?.length)
      throw new RegistryError(
        'REGISTRY_NO_COLLECTIONS',
        `Restricting data IDs to those with datasets of ${dsTypes.map((t) => t.name).join(', ')} needs collections to search (--collections).`,
      );
    const out = u.expand(dims);
    const { plan, spatial: sp } = await this.plan(
      [...dims, ...dsTypes.flatMap((t) => t.dimensions), ...Object.keys(dataId)],
      [...(w?.elements ?? []), ...orderElements(terms)],
      [...dsTypes.map((t) => t.dimensions), ...(opts.joinOperands ?? [])],
      w,
    );
    const p = new Params(this.db.dialect);
    const conds: string[] = [];
    if (w) conds.push(whereSql(u, w, plan, p));
    for (const [k, v] of Object.entries(dataId)) conds.push(`${plan.value(k)} = ${p.add(v)}`);
    if (dsTypes.length) {
      const search = await this.collections.resolve(opts.collections ?? []);
      const ctypes = await this.collections.types();
      const runs = search.filter((c) => ctypes.get(c) === 'RUN');
      const tagged = search.filter((c) => ctypes.get(c) === 'TAGGED');
      for (const t of dsTypes) {
        const req = identifyingDimensions(u, t.dimensions);
        const typeParam = p.add(t.name); // parameters in text order (sqlite `?`)
        const inColl: string[] = [];
        if (runs.length) inColl.push(`d.run IN (${p.list(runs)})`);
        if (tagged.length)
          inColl.push(`d.id IN (SELECT dataset_id FROM tagged WHERE collection IN (${p.list(tagged)}))`);
        const found = `FROM dataset d WHERE d.dataset_type = ${typeParam} AND (${inColl.length ? inColl.join(' OR ') : '1 = 0'})`;
        // a semi-join (row-value IN) lets both databases build the dataset key set once; a
        // dimensionless type (one dataset per run) only has to have a dataset in the collections
        conds.push(
          req.length
            ? `(${req.map((d) => plan.value(d)).join(', ')}) IN (SELECT ${req.map((d) => `d.${q(d)}`).join(', ')} ${found})`
            : `EXISTS (SELECT 1 ${found})`,
        );
      }
    }
    // a spatial query removes its duplicates after the exact region test
    // (and when a key-only dimension's values come from the table that implies it: band)
    const distinct =
      !sp &&
      (plan.dimensions.length > out.length ||
        plan.elements.has('visit_definition') ||
        [...plan.elements].some((e) => u.isDimension(e) && !plan.dimensions.includes(e)));
    const order = orderSql(terms, plan);
    const select = [
      ...out.map((d) => `${plan.value(d)} AS ${q(d)}`),
      // no dimensions at all (only dimensionless dataset types): one empty data ID if any matches
      ...(out.length ? [] : [`1 AS ${q(NO_DIMENSIONS)}`]),
      ...(sp?.columns ?? []),
      ...order.columns,
    ].join(', ');
    // the requested dimensions in the order asked, after the ones they require (instrument, ...)
    const req = u.required(dims);
    const byDims = [...req.filter((d) => !dims.includes(d)), ...dims.filter((d, i) => dims.indexOf(d) === i)];
    const orderBy = [...order.orderBy, ...byDims.map((d) => q(d))].join(', ');
    const sqlLimit = !sp && limit !== undefined ? ` LIMIT ${limit}` : '';
    const from = plan.from ? ` FROM ${plan.from}${sp ? ` ${sp.joins}` : ''}` : '';
    const sql = `SELECT ${distinct || out.length === 0 ? 'DISTINCT ' : ''}${select}${from}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}${orderBy ? ` ORDER BY ${orderBy}` : ''}${sqlLimit}`;
    let rows = await this.db.all<DataId>(sql, p.values);
    if (sp) rows = applySpatial(rows, sp, (r) => JSON.stringify(out.map((d) => r[d])));
    if (sp && limit !== undefined) rows = rows.slice(0, limit);
    if (order.aliases.length) for (const r of rows) for (const a of order.aliases) delete r[a];
    if (out.length === 0) for (const r of rows) delete r[NO_DIMENSIONS];
    return rows;
  }
}
