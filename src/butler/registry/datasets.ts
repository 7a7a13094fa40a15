/**
 * Datasets: UUID, type, run and data ID (one column per dimension, plus a normalised key that
 * makes a dataset unique per (type, data ID, run)), with their datastore location.
 */
import { randomUUID } from 'node:crypto';
import { RegistryError } from '../../errors.js';
import type { DimensionUniverse } from '../universe.js';
import type { Collections } from './collections.js';
import type { DatasetType, DatasetTypes } from './dataset-types.js';
import type { Db } from './db.js';
import { Params, q } from './db.js';
import { identifyingDimensions } from './columns.js';
import type { DimensionQueries } from './dimension-queries.js';
import { planJoin } from './joins.js';
import { checkDataIdConstraint } from './data-id.js';
import { checkGovernors } from './governors.js';
import { impliedFiller } from './implied-values.js';
import { planSpatialJoin } from './spatial-join.js';
import { parseWhere, whereSql } from './where.js';

export type DataId = Record<string, string | number>;

export interface DatasetRef {
  id: string;
  datasetType: string;
  run: string;
  dataId: DataId;
  path?: string;
  storageClass: string;
}

export interface NewDataset {
  id?: string;
  dataId: DataId;
  path?: string;
  checksum?: string;
  size?: number;
}

export interface FindOptions {
  collections: string[];
  where?: string;
  bind?: Record<string, unknown>;
  /** a data ID constraint (daf_butler's `dataId=` / `instrument='Cam1'`) */
  dataId?: DataId;
  /** keep only these data IDs (complete for the type) */
  dataIds?: DataId[];
  /**
   * true (the default): the first match along the search path per data ID; false: every
   * matching dataset in every given collection (daf_butler's queryDatasets default)
   */
  findFirst?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Datasets {
  constructor(
    private readonly db: Db,
    private readonly universe: DimensionUniverse,
    private readonly types: DatasetTypes,
    private readonly collections: Collections,
    private readonly dims?: DimensionQueries,
  ) {}

  /** The data ID restricted to the type's required dimensions, values typed; error if incomplete. */
  normalise(
    type: DatasetType,
    dataId: DataId,
  ): { key: string; values: (string | number)[]; implied: DataId } {
    const req = identifyingDimensions(this.universe, type.dimensions);
    const values = req.map((d) => {
      const v = dataId[d];
      if (v === undefined || v === null || v === '')
        throw new RegistryError(
          'REGISTRY_INCOMPLETE_DATA_ID',
          `Data ID ${JSON.stringify(dataId)} of dataset type "${type.name}" has no value for "${d}"; it needs ${req.join(', ')}.`,
          { key: type.name },
        );
      if (this.universe.primaryKey(d).type === 'int') {
        const n = Number(v);
        if (!Number.isInteger(n))
          throw new RegistryError(
            'REGISTRY_BAD_DATA_ID',
            `Data ID ${JSON.stringify(dataId)}: "${d}" must be an integer.`,
            {
              key: type.name,
            },
          );
        return n;
      }
      return String(v);
    });
    const implied: DataId = {};
    for (const d of this.universe.expand(type.dimensions))
      if (!req.includes(d) && dataId[d] !== undefined) implied[d] = dataId[d];
    return { key: JSON.stringify(values), values, implied };
  }

  async insert(typeName: string, run: string, items: NewDataset[]): Promise<DatasetRef[]> {
    const type = await this.types.get(typeName);
    const ctype = await this.collections.typeOf(run);
    if (ctype !== 'RUN')
      throw ctype
        ? new RegistryError(
            'REGISTRY_NOT_RUN',
            `Collection "${run}" is ${ctype}; datasets are written into RUN collections.`,
            { key: run },
          )
        : new RegistryError(
            'REGISTRY_UNKNOWN_RUN',
            `Run "${run}" does not exist: register it first (registerRun).`,
            { key: run },
          );
    const req = identifyingDimensions(this.universe, type.dimensions);
    const implied = this.universe.expand(type.dimensions).filter((d) => !req.includes(d));
    return this.db.transaction(async () => {
      const existing = new Map<string, string>();
      for (const r of await this.db.all<{ id: string; data_id: string }>(
        'SELECT id, data_id FROM dataset WHERE dataset_type = ? AND run = ?',
        [type.name, run],
      ))
        existing.set(r.data_id, r.id);
      const fill = impliedFiller(this.db, this.universe);
      const refs: DatasetRef[] = [];
      const rows: unknown[][] = [];
      const locs: unknown[][] = [];
      const seen = new Set<string>();
      for (const item of items) {
        const n = this.normalise(type, item.dataId);
        const id = item.id ?? randomUUID();
        if (!UUID.test(id))
          throw new RegistryError('REGISTRY_BAD_UUID', `Dataset id "${id}" is not a UUID.`, {
            key: type.name,
          });
        const dataId: DataId = Object.fromEntries(req.map((d, i) => [d, n.values[i]]));
        Object.assign(dataId, n.implied);
        if (implied.some((d) => dataId[d] === undefined)) await fill(dataId);
        for (const d of implied) if (dataId[d] !== undefined) n.implied[d] = dataId[d];
        refs.push({
          id,
          datasetType: type.name,
          run,
          dataId,
          path: item.path,
          storageClass: type.storageClass,
        });
        const old = existing.get(n.key);
        if (old === id) continue; // idempotent re-insert
        if (old !== undefined || seen.has(n.key))
          throw new RegistryError(
            'REGISTRY_DUPLICATE_DATASET',
            `Run "${run}" already has a "${type.name}" dataset for data ID ${JSON.stringify(dataId)}${old ? ` (id ${old})` : ''}; a dataset is unique per type, data ID and run.`,
            { key: type.name },
          );
        seen.add(n.key);
        rows.push([id, type.name, run, n.key, ...n.values, ...implied.map((d) => n.implied[d] ?? null)]);
        if (item.path !== undefined) locs.push([id, item.path, item.checksum ?? null, item.size ?? null]);
      }
      const ids = rows.map((r) => r[0] as string);
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const clash = await this.db.all<{ id: string; run: string; dataset_type: string }>(
          `SELECT id, run, dataset_type FROM dataset WHERE id IN (${chunk.map(() => '?').join(', ')})`,
          chunk,
        );
        if (clash[0])
          throw new RegistryError(
            'REGISTRY_DUPLICATE_ID',
            `Dataset id ${clash[0].id} already exists (a "${clash[0].dataset_type}" in run "${clash[0].run}") with a different type, run or data ID.`,
          );
      }
      await this.db.insertMany(
        'dataset',
        ['id', 'dataset_type', 'run', 'data_id', ...req, ...implied],
        rows,
        'error',
      );
      await this.db.insertMany('dataset_location', ['dataset_id', 'path', 'checksum', 'size'], locs, 'error');
      return refs;
    });
  }

  /** The datasets of a type in the collections: first match per data ID unless `findFirst: false`. */
  async find(typeName: string, opts: FindOptions): Promise<DatasetRef[]> {
    const type = await this.types.get(typeName);
    const dataId = checkDataIdConstraint(this.universe, opts.dataId);
    const w = parseWhere(this.universe, opts.where, opts.bind, {
      dimensions: type.dimensions,
      datasets: [type.name],
    });
    checkGovernors(this.universe, w, dataId);
    const search = await this.collections.resolve(opts.collections);
    if (search.length === 0) return [];
    const ctypes = await this.collections.types();
    const runs = search.filter((c) => ctypes.get(c) === 'RUN');
    const tagged = search.filter((c) => ctypes.get(c) === 'TAGGED');
    const req = identifyingDimensions(this.universe, type.dimensions);
    const implied = this.universe.expand(type.dimensions).filter((d) => !req.includes(d));
    const p = new Params(this.db.dialect);
    const cols = [
      'd.id',
      'd.run',
      'd.data_id',
      'l.path',
      ...[...req, ...implied].map((d) => `d.${q(d)}`),
    ].join(', ');
    const constrained = !!w || Object.keys(dataId).length > 0;
    // A where clause that brings in another spatial family (tract/patch for visit datasets), or
    // constrains regions, needs the data-ID query's spatial part: its data IDs restrict the datasets.
    let spatialKeys: Set<string> | undefined;
    if (constrained && this.dims) {
      const plain = planJoin(this.universe, [...type.dimensions, ...Object.keys(dataId)], w?.elements ?? []);
      const joins = planSpatialJoin(this.universe, plain.dimensions, [type.dimensions]);
      if (joins || w?.spatial.length || w?.spatialJoins.length) {
        const ids = await this.dims.dataIds(req, {
          where: opts.where,
          bind: opts.bind,
          dataId,
          joinOperands: [type.dimensions],
        });
        spatialKeys = new Set(ids.map((d) => this.normalise(type, d).key));
      }
    }
    const semi = (): string => {
      if (!constrained || spatialKeys) return '';
      const plan = planJoin(this.universe, [...type.dimensions, ...Object.keys(dataId)], w?.elements ?? []);
      const conds = w ? [whereSql(this.universe, w, plan, p)] : [];
      for (const [k, v] of Object.entries(dataId)) conds.push(`${plan.value(k)} = ${p.add(v)}`);
      // a dimensionless type (one dataset per run) shares no dimension with the constraint, which
      // then only has to match some data ID, as in daf_butler (`() IN` would be a syntax error)
      if (req.length === 0)
        return plan.from
          ? ` AND EXISTS (SELECT 1 FROM ${plan.from} WHERE ${conds.join(' AND ')})`
          : ` AND (${conds.join(' AND ')})`;
      return ` AND (${req.map((d) => `d.${q(d)}`).join(', ')}) IN (SELECT ${req.map((d) => plan.value(d)).join(', ')} FROM ${plan.from} WHERE ${conds.join(' AND ')})`;
    };
    const parts: string[] = [];
    if (runs.length) {
      const head = `SELECT ${cols}, d.run AS coll FROM dataset d LEFT JOIN dataset_location l ON l.dataset_id = d.id WHERE d.dataset_type = ${p.add(type.name)} AND d.run IN (${p.list(runs)})`;
      parts.push(head + semi());
    }
    if (tagged.length) {
      const head = `SELECT ${cols}, t.collection AS coll FROM dataset d JOIN tagged t ON t.dataset_id = d.id LEFT JOIN dataset_location l ON l.dataset_id = d.id WHERE d.dataset_type = ${p.add(type.name)} AND t.collection IN (${p.list(tagged)})`;
      parts.push(head + semi());
    }
    const rows = await this.db.all<Record<string, unknown>>(parts.join(' UNION ALL '), p.values);
    let wanted: Set<string> | undefined;
    if (opts.dataIds) wanted = new Set(opts.dataIds.map((d) => this.normalise(type, d).key));
    const out: DatasetRef[] = [];
    for (const r of pickRows(rows, search, opts.findFirst ?? true)) {
      const k = r.data_id as string;
      if (wanted && !wanted.has(k)) continue;
      if (spatialKeys && !spatialKeys.has(k)) continue;
      out.push(this.toRef(type, r, [...req, ...implied]));
    }
    return out.sort(
      (a, b) => compareDataIds(a.dataId, b.dataId, req) || (a.run < b.run ? -1 : a.run > b.run ? 1 : 0),
    );
  }

  private toRef(type: DatasetType, r: Record<string, unknown>, dims: string[]): DatasetRef {
    const dataId: DataId = {};
    for (const d of dims) {
      const v = r[d];
      if (v !== null && v !== undefined) dataId[d] = v as string | number;
    }
    const ref: DatasetRef = {
      id: r.id as string,
      datasetType: type.name,
      run: r.run as string,
      dataId,
      storageClass: type.storageClass,
    };
    if (r.path !== null && r.path !== undefined) ref.path = r.path as string;
    return ref;
  }

  /** Delete RUN collections with their datasets; returns the datastore paths they held. */
  async removeRuns(names: string[]): Promise<string[]> {
    return this.db.transaction(async () => {
      for (const n of names) {
        const t = await this.collections.typeOf(n);
        if (!t) throw await this.collections.unknown(n);
        if (t !== 'RUN')
          throw new RegistryError(
            'REGISTRY_NOT_RUN',
            `Collection "${n}" is ${t}, not a RUN; only runs can be removed this way.`,
            {
              key: n,
            },
          );
      }
      if (names.length === 0) return [];
      const ph = names.map(() => '?').join(', ');
      const paths = await this.db.all<{ path: string }>(
        `SELECT l.path FROM dataset d JOIN dataset_location l ON l.dataset_id = d.id WHERE d.run IN (${ph})`,
        names,
      );
      await this.db.run(`DELETE FROM collection WHERE name IN (${ph})`, names);
      return paths.map((r) => r.path);
    });
  }
}

/**
 * Find-first: per data ID, the row of the earliest collection of the search path. Otherwise every
 * dataset once (a dataset in a run and in a tagged collection of the search is one dataset).
 */
function pickRows(
  rows: Record<string, unknown>[],
  search: string[],
  findFirst: boolean,
): Record<string, unknown>[] {
  const rank = new Map(search.map((c, i) => [c, i]));
  const best = new Map<string, { r: Record<string, unknown>; rank: number }>();
  for (const r of rows) {
    const k = findFirst ? (r.data_id as string) : (r.id as string);
    const rk = rank.get(r.coll as string) ?? Infinity;
    const b = best.get(k);
    if (!b || rk < b.rank) best.set(k, { r, rank: rk });
  }
  return [...best.values()].map((b) => b.r);
}

export function compareDataIds(a: DataId, b: DataId, dims: string[]): number {
  for (const d of dims) {
    const x = a[d];
    const y = b[d];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}
