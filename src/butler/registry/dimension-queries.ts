/**
 * Dimension records and data-ID queries over the `dim_` tables: insert / sync records, query
 * records, and queryDataIds (join of the needed tables + compiled where + dataset existence).
 */
import { RegistryError } from '../../errors.js';
import type { DimensionUniverse } from '../universe.js';
import type { Collections } from './collections.js';
import { elementColumns, identifyingDimensions, isKeyOnly, primaryKeyColumns } from './columns.js';
import type { DatasetTypes } from './dataset-types.js';
import type { DataId } from './datasets.js';
import type { Db } from './db.js';
import { Params, q } from './db.js';
import { planJoin } from './joins.js';
import { suggest } from './messages.js';
import type { DimensionRecord } from './records.js';
import { fromColumnValue, recordsToRows, rowToRecord } from './records.js';
import { parseWhere, whereSql } from './where.js';

export interface DataIdQuery {
  where?: string;
  bind?: Record<string, unknown>;
  collections?: string[];
  datasets?: string[];
}

export interface RecordQuery {
  where?: string;
  bind?: Record<string, unknown>;
  dataId?: DataId;
}

export class DimensionQueries {
  constructor(
    private readonly db: Db,
    private readonly universe: DimensionUniverse,
    private readonly types: DatasetTypes,
    private readonly collections: Collections,
  ) {}

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

  async insert(
    element: string,
    records: DimensionRecord[],
    conflict: 'error' | 'ignore' = 'error',
  ): Promise<void> {
    this.checkElement(element);
    const rows = recordsToRows(this.universe, element, records);
    const cols = elementColumns(this.universe, element).map((c) => c.name);
    try {
      await this.db.insertMany(`dim_${element}`, cols, rows, conflict);
    } catch (e) {
      throw this.explainConstraint(element, e);
    }
  }

  /** SQL constraint failures as RegistryErrors that say what to do. */
  private explainConstraint(element: string, e: unknown): unknown {
    const msg = e instanceof Error ? e.message : String(e);
    if (/UNIQUE|duplicate key/i.test(msg))
      return new RegistryError(
        'REGISTRY_DUPLICATE_RECORD',
        `A "${element}" record with the same key already exists (${msg}); use sync to insert-or-check.`,
        { key: element },
      );
    if (/FOREIGN KEY|foreign key/i.test(msg))
      return new RegistryError(
        'REGISTRY_MISSING_PARENT',
        `A "${element}" record refers to a dimension record that does not exist (${msg}); insert the ${this.universe.element(element).requires.concat(this.universe.element(element).implies).join('/')} records first.`,
        { key: element },
      );
    return e;
  }

  /** Insert missing records; existing ones must match exactly (error naming the differing fields). */
  async sync(element: string, records: DimensionRecord[]): Promise<number> {
    this.checkElement(element);
    const rows = recordsToRows(this.universe, element, records);
    const cols = elementColumns(this.universe, element);
    const pk = primaryKeyColumns(this.universe, element);
    const pkIdx = pk.map((k) => cols.findIndex((c) => c.name === k));
    return this.db.transaction(async () => {
      const fresh: unknown[][] = [];
      for (const [i, row] of rows.entries()) {
        const cond = pk.map((k) => `${q(k)} = ?`).join(' AND ');
        const old = await this.db.all<Record<string, unknown>>(
          `SELECT * FROM ${q(`dim_${element}`)} WHERE ${cond}`,
          pkIdx.map((j) => row[j]),
        );
        if (!old[0]) {
          fresh.push(row);
          continue;
        }
        const diffs = cols.filter((c, j) => {
          const a = fromColumnValue(c.type, old[0][c.name]);
          const b = fromColumnValue(c.type, row[j]);
          return (
            JSON.stringify(a) !== JSON.stringify(b) &&
            !(typeof a === 'number' && Math.abs(a - Number(b)) < 1e-9)
          );
        });
        if (diffs.length)
          throw new RegistryError(
            'REGISTRY_RECORD_CONFLICT',
            `The "${element}" record ${JSON.stringify(records[i])} conflicts with the one in the registry in ${diffs
              .map((c) => `${c.name} (registry: ${JSON.stringify(fromColumnValue(c.type, old[0][c.name]))})`)
              .join(', ')}.`,
            { key: element },
          );
      }
      await this.insert(
        element,
        fresh.map((r) => Object.fromEntries(cols.map((c, j) => [c.name, fromColumnValue(c.type, r[j])]))),
      );
      return fresh.length;
    });
  }

  async records(element: string, opts: RecordQuery = {}): Promise<DimensionRecord[]> {
    this.checkElement(element);
    const table = q(`dim_${element}`);
    const w = parseWhere(this.universe, opts.where, opts.bind);
    const dataId = opts.dataId ?? {};
    if (dataId) this.checkDimensions(Object.keys(dataId));
    const p = new Params(this.db.dialect);
    let sql: string;
    if (isKeyOnly(this.universe, element) && !w) {
      const own = dataId[element];
      sql = `SELECT * FROM ${table}${own !== undefined ? ` WHERE ${q(this.universe.primaryKey(element).name)} = ${p.add(own)}` : ''}`;
    } else {
      const spec = this.universe.element(element);
      const base = spec.keys.length ? [element] : spec.requires;
      const plan = planJoin(
        this.universe,
        [...base, ...Object.keys(dataId)],
        [...(w?.elements ?? []), element],
      );
      const conds: string[] = [];
      if (w) conds.push(whereSql(this.universe, w, plan, p));
      for (const [k, v] of Object.entries(dataId)) conds.push(`${plan.value(k)} = ${p.add(v)}`);
      sql = `SELECT DISTINCT ${table}.* FROM ${plan.from}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}`;
    }
    const rows = await this.db.all<Record<string, unknown>>(sql, p.values);
    return rows.map((r) => rowToRecord(this.universe, element, r));
  }

  async dataIds(dims: string[], opts: DataIdQuery = {}): Promise<DataId[]> {
    this.checkDimensions(dims);
    const w = parseWhere(this.universe, opts.where, opts.bind);
    const dsTypes = await Promise.all((opts.datasets ?? []).map((n) => this.types.get(n)));
    if (dsTypes.length && !opts.collections?.length)
      throw new RegistryError(
        'REGISTRY_NO_COLLECTIONS',
        `Restricting data IDs to those with datasets of ${dsTypes.map((t) => t.name).join(', ')} needs collections to search (--collections).`,
      );
    const out = this.universe.expand(dims);
    const plan = planJoin(
      this.universe,
      [...dims, ...dsTypes.flatMap((t) => t.dimensions)],
      w?.elements ?? [],
    );
    const p = new Params(this.db.dialect);
    const conds: string[] = [];
    if (w) conds.push(whereSql(this.universe, w, plan, p));
    if (dsTypes.length) {
      const search = await this.collections.resolve(opts.collections ?? []);
      const ctypes = await this.collections.types();
      const runs = search.filter((c) => ctypes.get(c) === 'RUN');
      const tagged = search.filter((c) => ctypes.get(c) === 'TAGGED');
      for (const t of dsTypes) {
        const req = identifyingDimensions(this.universe, t.dimensions);
        const typeParam = p.add(t.name); // parameters in text order (sqlite `?`)
        const inColl: string[] = [];
        if (runs.length) inColl.push(`d.run IN (${p.list(runs)})`);
        if (tagged.length)
          inColl.push(`d.id IN (SELECT dataset_id FROM tagged WHERE collection IN (${p.list(tagged)}))`);
        // a semi-join (row-value IN) lets both databases build the dataset key set once
        conds.push(
          `(${req.map((d) => plan.value(d)).join(', ')}) IN (SELECT ${req.map((d) => `d.${q(d)}`).join(', ')} FROM dataset d WHERE d.dataset_type = ${typeParam} AND (${inColl.length ? inColl.join(' OR ') : '1 = 0'}))`,
        );
      }
    }
    const distinct = plan.dimensions.length > out.length || plan.elements.has('visit_definition');
    const select = out.map((d) => `${plan.value(d)} AS ${q(d)}`).join(', ');
    // the requested dimensions in the order asked, after the ones they require (instrument, ...)
    const req = this.universe.required(dims);
    const order = [...req.filter((d) => !dims.includes(d)), ...dims.filter((d, i) => dims.indexOf(d) === i)]
      .map((d) => q(d))
      .join(', ');
    const sql = `SELECT ${distinct ? 'DISTINCT ' : ''}${select} FROM ${plan.from}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''} ORDER BY ${order}`;
    const rows = await this.db.all<DataId>(sql, p.values);
    return rows;
  }
}
