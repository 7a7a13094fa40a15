/**
 * `quanta butler export`: the registry as a daf_butler export file (format 1.0.2, universe
 * daf_butler 8) that the real `Butler.import_` loads: dimension records (times as
 * `!butler_time/tai/iso`, regions as sphgeom ConvexPolygon bytes, the skymap hash as `!!binary`),
 * collections (runs before chains, children before parents), dataset types, datasets (`!uuid`
 * ids, required data IDs, datastore paths) and TAGGED memberships.
 *
 * Without options everything is exported. `collections` (names or globs; chains bring their
 * children), `datasetTypes` (names or globs) and `where` (the query language, on the datasets' data IDs) select
 * datasets; then only the dimension records their data IDs need are written, as daf_butler does.
 */
import { writeFileSync } from 'node:fs';
import { dump } from 'js-yaml';
import { RegistryError } from '../errors.js';
import type { Butler } from './butler.js';
import { isGlob, matchNames } from './glob.js';
import { identifyingDimensions } from './registry/columns.js';
import type { CollectionInfo } from './registry/collections.js';
import type { DatasetType } from './registry/dataset-types.js';
import type { DatasetRef } from './registry/datasets.js';
import type { DimensionRecord } from './registry/records.js';
import { RecordClosure } from './transfer/closure.js';
import {
  exportedElements,
  exportStorageClass,
  missingGroups,
  toExportRecord,
} from './transfer/export-records.js';
import { EXPORT_FORMAT_VERSION } from './transfer/read.js';
import { DUMP_SCHEMA, Uuid } from './transfer/tags.js';
import { quantaCommand } from '../util/cli-hint.js';

export interface ExportOptions {
  collections?: string[];
  datasetTypes?: string[];
  where?: string;
}

export interface ExportSummary {
  dimensions: Record<string, number>;
  collections: number;
  datasetTypes: number;
  datasets: number;
}

/** daf_butler's universe that quanta's elements and fields follow. */
const UNIVERSE = { version: 8, namespace: 'daf_butler' };

type Entry = Record<string, unknown>;

/** The selected collections (chains with their children, recursively), in import order. */
async function selectCollections(butler: Butler, patterns: string[] | undefined): Promise<CollectionInfo[]> {
  const all = await butler.registry.queryCollections();
  const byName = new Map(all.map((c) => [c.name, c]));
  if (!patterns) return order(all, byName);
  const picked = new Set<string>();
  const visit = (c: CollectionInfo): void => {
    if (picked.has(c.name)) return;
    picked.add(c.name);
    for (const child of c.children) visit(byName.get(child)!);
  };
  for (const p of patterns) {
    const hits = await butler.registry.queryCollections(p);
    if (hits.length === 0)
      throw new RegistryError(
        'EXPORT_COLLECTION',
        `No collection matches "${p}"; list them with ${quantaCommand('butler query-collections', butler.root)}.`,
        {
          key: p,
        },
      );
    hits.forEach(visit);
  }
  return order(
    all.filter((c) => picked.has(c.name)),
    byName,
  );
}

/** Non-chains first, then chains after their children (daf_butler imports them in file order). */
function order(cs: CollectionInfo[], byName: Map<string, CollectionInfo>): CollectionInfo[] {
  const out: CollectionInfo[] = cs.filter((c) => c.type !== 'CHAINED');
  const done = new Set(out.map((c) => c.name));
  const want = new Set(cs.map((c) => c.name));
  const visit = (c: CollectionInfo): void => {
    if (done.has(c.name)) return;
    done.add(c.name);
    for (const child of c.children) if (want.has(child)) visit(byName.get(child)!);
    out.push(c);
  };
  cs.filter((c) => c.type === 'CHAINED').forEach(visit);
  return out;
}

/** Dataset types by name or glob; a plain name must be registered. */
function selectTypes(all: DatasetType[], patterns: string[]): DatasetType[] {
  for (const p of patterns)
    if (!isGlob(p) && !all.some((t) => t.name === p))
      throw new RegistryError('EXPORT_DATASET_TYPE', `Dataset type "${p}" is not registered.`, { key: p });
  const wanted = new Set(
    matchNames(
      patterns,
      all.map((t) => t.name),
    ),
  );
  return all.filter((t) => wanted.has(t.name));
}

export async function exportRepository(
  butler: Butler,
  file: string,
  opts: ExportOptions,
): Promise<ExportSummary> {
  const r = butler.registry;
  const u = butler.universe;
  const filtered =
    opts.collections !== undefined || opts.datasetTypes !== undefined || opts.where !== undefined;
  const collections = await selectCollections(butler, opts.collections);
  const allTypes = await r.queryDatasetTypes();
  const types = opts.datasetTypes ? selectTypes(allTypes, opts.datasetTypes) : allTypes;

  // datasets: those of the selected runs, and those tagged in the selected TAGGED collections
  const tagged = new Map<string, string[]>();
  for (const c of collections.filter((x) => x.type === 'TAGGED'))
    tagged.set(
      c.name,
      (
        await r.db.all<{ dataset_id: string }>(
          'SELECT dataset_id FROM tagged WHERE collection = ? ORDER BY dataset_id',
          [c.name],
        )
      ).map((x) => x.dataset_id),
    );
  const refs = new Map<string, DatasetRef>();
  const searched = collections.filter((c) => c.type === 'RUN' || c.type === 'TAGGED').map((c) => c.name);
  for (const t of types)
    for (const c of searched)
      for (const ref of await r.findDatasets(t.name, { collections: [c], where: opts.where }))
        refs.set(ref.id, ref);
  const runs = new Set([...refs.values()].map((x) => x.run));
  const byName = new Map((await r.queryCollections()).map((c) => [c.name, c]));
  const outCollections = order(
    [
      ...collections,
      ...[...runs].filter((n) => !collections.some((c) => c.name === n)).map((n) => byName.get(n)!),
    ],
    byName,
  );

  const data: Entry[] = [];
  const summary: ExportSummary = { dimensions: {}, collections: 0, datasetTypes: 0, datasets: 0 };
  const closure = new RecordClosure(u);
  for (const ref of refs.values()) closure.addDataId(ref.dataId);
  const exposures: DimensionRecord[] = [];
  for (const el of exportedElements(u)) {
    let recs = await r.queryDimensionRecords(el);
    if (filtered) recs = closure.select(el, recs);
    if (el === 'exposure') exposures.push(...recs);
    if (el === 'group') continue; // written after the exposures are known
    if (recs.length) writeDimension(data, u, el, recs, summary);
  }
  const groups = filtered
    ? closure.select('group', await r.queryDimensionRecords('group'))
    : await r.queryDimensionRecords('group');
  const allGroups = [...groups, ...missingGroups(exposures, groups)];
  if (allGroups.length) {
    const at = data.findIndex((e) => e.element === 'exposure');
    const entry: Entry[] = [];
    writeDimension(entry, u, 'group', allGroups, summary);
    data.splice(at < 0 ? data.length : at, 0, ...entry);
  }

  for (const c of outCollections) {
    const e: Entry = { type: 'collection', collection_type: c.type, name: c.name };
    if (c.type === 'RUN') Object.assign(e, { host: null, timespan_begin: null, timespan_end: null });
    if (c.type === 'CHAINED') e.children = c.children;
    data.push(e);
    summary.collections++;
  }
  for (const t of types) {
    const mine = [...refs.values()].filter((x) => x.datasetType === t.name);
    if (opts.datasetTypes === undefined && filtered && mine.length === 0) continue;
    data.push({
      type: 'dataset_type',
      name: t.name,
      dimensions: t.dimensions,
      storage_class: exportStorageClass(t.storageClass),
      is_calibration: t.isCalibration ?? false,
    });
    summary.datasetTypes++;
    const required = identifyingDimensions(u, t.dimensions);
    for (const run of [...new Set(mine.map((x) => x.run))].sort()) {
      const records = mine
        .filter((x) => x.run === run)
        .map((x) => ({
          dataset_id: [new Uuid(x.id)],
          data_id: [Object.fromEntries(required.map((d) => [d, x.dataId[d]]))],
          path: x.path ?? templatePath(butler, x),
        }));
      data.push({ type: 'dataset', dataset_type: t.name, run, records });
      summary.datasets += records.length;
    }
  }
  for (const [name, ids] of tagged) {
    const kept = ids.filter((id) => refs.has(id));
    if (kept.length)
      data.push({
        type: 'associations',
        collection: name,
        collection_type: 'TAGGED',
        dataset_ids: kept.map((id) => new Uuid(id)),
      });
  }
  const doc = {
    description: 'Butler Data Repository Export',
    version: EXPORT_FORMAT_VERSION,
    universe_version: UNIVERSE.version,
    universe_namespace: UNIVERSE.namespace,
    data,
  };
  try {
    writeFileSync(file, dump(doc, { schema: DUMP_SCHEMA, lineWidth: -1, noRefs: true }));
  } catch (e) {
    throw new RegistryError('EXPORT_WRITE', `Cannot write export file ${file}: ${(e as Error).message}.`, {
      file,
    });
  }
  return summary;
}

/**
 * daf_butler needs a path for every dataset; one without a file in quanta's datastore gets the
 * path the datastore's template gives it (or run/type/id when the template cannot be filled).
 */
function templatePath(butler: Butler, ref: DatasetRef): string {
  try {
    return butler.datastore.pathFor(ref);
  } catch {
    return `${ref.run}/${ref.datasetType}/${ref.id}`;
  }
}

function writeDimension(
  data: Entry[],
  u: Butler['universe'],
  element: string,
  recs: DimensionRecord[],
  summary: ExportSummary,
): void {
  data.push({ type: 'dimension', element, records: recs.map((x) => toExportRecord(u, element, x)) });
  summary.dimensions[element] = (summary.dimensions[element] ?? 0) + recs.length;
}
