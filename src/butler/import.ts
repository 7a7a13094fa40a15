/**
 * `quanta butler import`: a daf_butler export YAML (description, version, universe_version,
 * universe_namespace, data: [dimension | collection | run | dataset_type | dataset | associations]).
 * Older universes are migrated as daf_butler migrates them (transfer/migrate.ts). Unknown
 * elements, fields, tags and entry types are reported with file:line (and fail the import with
 * `strict`); nothing is dropped silently.
 */
import { RegistryError } from '../errors.js';
import type { Butler } from './butler.js';
import { convertRecord } from './import-values.js';
import { elementColumns } from './registry/columns.js';
import type { CollectionType } from './registry/collections.js';
import type { DataId, NewDataset } from './registry/datasets.js';
import { datasetId } from './transfer/ids.js';
import { migrateOldUniverse } from './transfer/migrate.js';
import type { Entry, ExportFile } from './transfer/read.js';
import { readExportFile } from './transfer/read.js';
import type { DimensionUniverse } from './universe.js';

export interface ImportReport {
  dimensions: Record<string, number>;
  collections: number;
  datasetTypes: number;
  datasets: number;
  warnings: string[];
}

function knownFields(u: DimensionUniverse, element: string): Map<string, string> {
  const known = new Map<string, string>(elementColumns(u, element).map((c) => [c.name, c.type]));
  const key = u.element(element).keys[0];
  if (key) known.set(element, key.type);
  return known;
}

/** Dimension records per element in our field names; what cannot be imported goes to `warnings`. */
function convertDimensions(u: DimensionUniverse, f: ExportFile, warnings: string[]): Map<string, Entry[]> {
  const { extra, notes } = migrateOldUniverse(f.entries, f.universeVersion, f.universeNamespace);
  warnings.push(...notes.map((n) => `${f.file}: ${n}`));
  const byElement = new Map<string, Entry[]>();
  for (const [i, e] of f.entries.entries()) {
    if (e.type !== 'dimension') continue;
    const el = String(e.element);
    const recs = Array.isArray(e.records) ? (e.records as Entry[]) : [];
    if (!u.elements.has(el)) {
      warnings.push(
        `${f.lines.at(i, 'element')}: element "${el}" is not in the quanta universe; its ${recs.length} records were not imported`,
      );
      continue;
    }
    const known = knownFields(u, el);
    const list = byElement.get(el) ?? [];
    const unknown = new Map<string, number>();
    // per problem: how often, and which occurrence of the field's key in the text is the first
    const problems = new Map<string, { message: string; n: number; nth: number }>();
    const seen = new Map<string, number>();
    for (const rec of recs) {
      const c = convertRecord(rec, known);
      for (const k of c.unknown) unknown.set(k, (unknown.get(k) ?? 0) + 1);
      for (const p of c.problems) {
        const key = `${p.field}\0${p.message}`;
        const nth = problems.get(key)?.nth ?? (seen.get(p.field) ?? 0) + 1;
        problems.set(key, { message: p.message, n: (problems.get(key)?.n ?? 0) + 1, nth });
      }
      for (const k of Object.keys(rec)) seen.set(k, (seen.get(k) ?? 0) + 1);
      list.push(c.record);
    }
    byElement.set(el, list);
    for (const [k, n] of unknown)
      warnings.push(
        `${f.lines.at(i, k)}: field "${k}" of element "${el}" is not in the quanta universe; it was not imported (${n} record${n === 1 ? '' : 's'})`,
      );
    for (const [key, p] of problems) {
      const field = key.split('\0')[0];
      warnings.push(
        `${f.lines.at(i, field, p.nth)}: field "${field}" of element "${el}": ${p.message}; the value was not imported (${p.n} record${p.n === 1 ? '' : 's'})`,
      );
    }
  }
  for (const [el, recs] of extra) {
    if (!u.elements.has(el)) continue;
    const known = knownFields(u, el);
    byElement.set(el, [...(byElement.get(el) ?? []), ...recs.map((r) => convertRecord(r, known).record)]);
  }
  return byElement;
}

/** Non-null keys of an entry that quanta does not keep (run host and timespan, collection doc). */
function unkept(e: Entry, keys: string[]): string[] {
  return keys.filter((k) => e[k] !== undefined && e[k] !== null);
}

export async function importExport(
  butler: Butler,
  file: string,
  opts: { strict?: boolean } = {},
): Promise<ImportReport> {
  const f = readExportFile(file);
  const warnings: string[] = [];
  if (!['daf_butler', 'quanta'].includes(f.universeNamespace))
    warnings.push(`${file}: universe_namespace "${f.universeNamespace}" is neither daf_butler nor quanta`);
  const u = butler.universe;
  const r = butler.registry;
  const report: ImportReport = { dimensions: {}, collections: 0, datasetTypes: 0, datasets: 0, warnings };
  const byElement = convertDimensions(u, f, warnings);
  const known = new Set(['dimension', 'collection', 'run', 'dataset_type', 'dataset', 'associations']);
  for (const [i, e] of f.entries.entries()) {
    if (!known.has(String(e.type)))
      warnings.push(`${f.lines.at(i)}: entry type "${String(e.type)}" is not supported and was skipped`);
    if (e.type === 'collection') {
      const lost = unkept(e, ['doc', 'host', 'timespan_begin', 'timespan_end']);
      if (lost.length)
        warnings.push(
          `${f.lines.at(i)}: collection "${String(e.name)}": ${lost.join(', ')} not kept by quanta`,
        );
      if (e.collection_type === 'CALIBRATION')
        warnings.push(
          `${f.lines.at(i)}: CALIBRATION collection "${String(e.name)}" is not supported; registered as TAGGED`,
        );
    }
    if (e.type === 'associations' && e.collection_type === 'CALIBRATION')
      warnings.push(
        `${f.lines.at(i)}: validity ranges of CALIBRATION collection "${String(e.collection)}" are not kept; its datasets are tagged`,
      );
  }
  if (opts.strict && warnings.length)
    throw new RegistryError(
      'IMPORT_UNKNOWN',
      `${warnings.join('; ')}. Import without --strict to skip them.`,
      {
        file,
      },
    );

  await r.db.transaction(async () => {
    for (const el of u.topologicalOrder()) {
      const recs = byElement.get(el);
      if (!recs) continue;
      await r.insertDimensionRecords(el, recs, { skipExisting: true });
      report.dimensions[el] = recs.length;
    }
    const chains: [string, string[]][] = [];
    for (const e of f.entries) {
      if (e.type === 'run' || (e.type === 'collection' && e.collection_type === 'RUN')) {
        await r.registerRun(String(e.name));
        report.collections++;
      } else if (e.type === 'collection') {
        const ct = String(e.collection_type);
        await r.registerCollection(String(e.name), (ct === 'CALIBRATION' ? 'TAGGED' : ct) as CollectionType);
        // old exports wrote [child, dataset-type restriction] pairs; daf_butler keeps the child
        if (ct === 'CHAINED')
          chains.push([
            String(e.name),
            ((e.children as unknown[]) ?? []).map((c) => String(Array.isArray(c) ? c[0] : c)),
          ]);
        report.collections++;
      } else if (e.type === 'dataset_type') {
        const registered = await r.registerDatasetType({
          name: String(e.name),
          dimensions: datasetTypeDimensions(e.dimensions),
          storageClass: String(e.storage_class),
          isCalibration: e.is_calibration === true,
        });
        if (registered) report.datasetTypes++;
      }
    }
    for (const [parent, children] of chains) await r.setCollectionChain(parent, children);
    for (const [i, e] of f.entries.entries()) {
      if (e.type === 'dataset') report.datasets += await importDatasets(butler, f, i, e);
      else if (e.type === 'associations') {
        const ids =
          e.collection_type === 'CALIBRATION'
            ? ((e.validity_ranges as Entry[]) ?? []).flatMap((v) => (v.dataset_ids as unknown[]) ?? [])
            : ((e.dataset_ids as unknown[]) ?? []);
        await r.associate(String(e.collection), ids.map(datasetId));
      }
    }
  });
  return report;
}

/**
 * A dataset type's dimensions in quanta's universe. daf_butler lists implied dimensions too, and
 * its exposure implies group; quanta's exposure holds the group as a field, so `group` next to
 * `exposure` is dropped (it would otherwise become a required dimension of the type).
 */
function datasetTypeDimensions(v: unknown): string[] {
  const dims = ((v as unknown[]) ?? []).map(String);
  return dims.includes('exposure') ? dims.filter((d) => d !== 'group') : dims;
}

async function importDatasets(butler: Butler, f: ExportFile, i: number, e: Entry): Promise<number> {
  const items: NewDataset[] = [];
  for (const rec of (e.records as Entry[]) ?? []) {
    const ids = ([] as unknown[]).concat(rec.dataset_id ?? []);
    const dataIds = ([] as unknown[]).concat(rec.data_id ?? []);
    if (ids.length !== dataIds.length)
      throw new RegistryError(
        'IMPORT_DATASET',
        `${f.lines.at(i)}: ${ids.length} dataset_id values but ${dataIds.length} data_id values.`,
        { file: f.file, line: f.lines.entry(i) },
      );
    ids.forEach((id, k) =>
      items.push({
        id: datasetId(id),
        dataId: dataIds[k] as DataId,
        path: rec.path ? String(rec.path) : undefined,
      }),
    );
  }
  await butler.registry.insertDatasets(String(e.dataset_type), String(e.run), items);
  return items.length;
}
