/**
 * `quanta butler import`: a daf_butler export YAML (description, version, universe_version,
 * universe_namespace, data: [dimension | collection | run | dataset_type | dataset | associations]).
 * Unknown elements, fields and entry types are reported (and fail the import with `strict`).
 */
import { readFileSync } from 'node:fs';
import { CORE_SCHEMA, defineMappingTag, defineScalarTag, load } from 'js-yaml';
import { RegistryError } from '../errors.js';
import type { Butler } from './butler.js';
import { convertRecord } from './import-values.js';
import { elementColumns } from './registry/columns.js';
import type { CollectionType } from './registry/collections.js';
import type { DataId, NewDataset } from './registry/datasets.js';

export interface ImportReport {
  dimensions: Record<string, number>;
  collections: number;
  datasetTypes: number;
  datasets: number;
  warnings: string[];
}

/*
 * js-yaml rather than the `yaml` package here: exports of the seed's scale are tens of MB and
 * `yaml` needs ~30 s for 24 MB where js-yaml needs a few. Any local tag (`!uuid`,
 * `!butler_time/tai/iso`, `!<lsst.sphgeom.ConvexPolygon>`) resolves to its plain value.
 */
const anyScalarTag = defineScalarTag('!', {
  matchByTagPrefix: true,
  resolve: (s: string) => s,
  identify: () => false,
});
const anyMapTag = (prefix: string) =>
  defineMappingTag(prefix, {
    matchByTagPrefix: true,
    create: (): Record<string, unknown> => ({}),
    addPair: (c: Record<string, unknown>, k: unknown, v: unknown) => {
      c[String(k)] = v;
      return '';
    },
    has: (c: Record<string, unknown>, k: unknown) => String(k) in c,
    keys: (r: Record<string, unknown>) => Object.keys(r),
    get: (r: Record<string, unknown>, k: unknown) => r[String(k)],
    identify: () => false,
  });
const EXPORT_SCHEMA = CORE_SCHEMA.withTags(anyScalarTag, anyMapTag('!'), anyMapTag(''));

type Entry = Record<string, unknown>;

export async function importExport(
  butler: Butler,
  file: string,
  opts: { strict?: boolean } = {},
): Promise<ImportReport> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RegistryError('IMPORT_READ', `Cannot read export file ${file}: ${(e as Error).message}.`, {
      file,
    });
  }
  let top: Entry | null;
  try {
    top = load(text, { schema: EXPORT_SCHEMA, filename: file }) as Entry | null;
  } catch (e) {
    const mark = (e as { mark?: { line?: number; column?: number } }).mark;
    const line = mark?.line !== undefined ? mark.line + 1 : undefined;
    const column = mark?.column !== undefined ? mark.column + 1 : undefined;
    throw new RegistryError(
      'IMPORT_YAML',
      `${line ? '' : `${file}: `}not valid YAML: ${((e as { reason?: string }).reason ?? (e as Error).message).split('\n')[0]}`,
      { file, line, column },
    );
  }
  if (!top || typeof top !== 'object' || !Array.isArray(top.data))
    throw new RegistryError(
      'IMPORT_FORMAT',
      `${file} is not a butler export: it needs a top-level "data" list.`,
      { file, key: 'data' },
    );
  const warnings: string[] = [];
  const version = String(top.version ?? '');
  if (version && !version.startsWith('1.'))
    throw new RegistryError('IMPORT_VERSION', `Export format version ${version} is not supported (1.x is).`, {
      file,
      key: 'version',
    });
  if (top.universe_namespace && !['daf_butler', 'quanta'].includes(String(top.universe_namespace)))
    warnings.push(`universe_namespace "${String(top.universe_namespace)}" is neither daf_butler nor quanta`);

  const u = butler.universe;
  const r = butler.registry;
  const report: ImportReport = { dimensions: {}, collections: 0, datasetTypes: 0, datasets: 0, warnings };
  const byElement = new Map<string, Entry[]>();
  const unknownFields = new Map<string, Map<string, number>>();
  const entries = top.data as Entry[];
  const at = (i: number, key: string): string => `${file}: data[${i}] (${key})`;

  for (const [i, e] of entries.entries()) {
    if (e?.type !== 'dimension') continue;
    const el = String(e.element);
    const recs = Array.isArray(e.records) ? (e.records as Entry[]) : [];
    if (!u.elements.has(el)) {
      warnings.push(
        `${at(i, 'dimension')}: element "${el}" is not in the quanta universe; its ${recs.length} records were not imported`,
      );
      continue;
    }
    const known = new Map<string, string>(elementColumns(u, el).map((c) => [c.name, c.type]));
    const spec = u.element(el);
    if (spec.keys[0]) known.set(el, spec.keys[0].type);
    const list = byElement.get(el) ?? [];
    for (const rec of recs) {
      const c = convertRecord(rec, known);
      if (c.badRegion) warnings.push(`${at(i, el)}: a region that is not a ConvexPolygon was dropped`);
      for (const f of c.unknown) {
        const m = unknownFields.get(el) ?? new Map<string, number>();
        m.set(f, (m.get(f) ?? 0) + 1);
        unknownFields.set(el, m);
      }
      list.push(c.record);
    }
    byElement.set(el, list);
  }
  for (const [el, m] of unknownFields)
    warnings.push(
      `element "${el}": fields not in the quanta universe were not imported: ${[...m].map(([f, n]) => `${f} (${n})`).join(', ')}`,
    );
  if (opts.strict && warnings.length)
    throw new RegistryError(
      'IMPORT_UNKNOWN',
      `${warnings.join('; ')}. Import without --strict to skip them.`,
      { file },
    );

  await r.db.transaction(async () => {
    for (const el of u.topologicalOrder()) {
      const recs = byElement.get(el);
      if (!recs) continue;
      await r.insertDimensionRecords(el, recs, { skipExisting: true });
      report.dimensions[el] = recs.length;
    }
    const chains: [string, string[]][] = [];
    for (const [i, e] of entries.entries()) {
      if (e?.type === 'run' || (e?.type === 'collection' && e.collection_type === 'RUN')) {
        await r.registerRun(String(e.name));
        report.collections++;
      } else if (e?.type === 'collection') {
        const ct = String(e.collection_type);
        if (ct === 'CALIBRATION') {
          warnings.push(
            `${at(i, 'collection')}: CALIBRATION collection "${String(e.name)}" is not supported; registered as TAGGED`,
          );
          await r.registerCollection(String(e.name), 'TAGGED');
        } else await r.registerCollection(String(e.name), ct as CollectionType);
        if (ct === 'CHAINED') chains.push([String(e.name), ((e.children as unknown[]) ?? []).map(String)]);
        report.collections++;
      } else if (e?.type === 'dataset_type') {
        if (
          await r.registerDatasetType({
            name: String(e.name),
            dimensions: ((e.dimensions as unknown[]) ?? []).map(String),
            storageClass: String(e.storage_class),
            isCalibration: e.is_calibration === true,
          })
        )
          report.datasetTypes++;
      } else if (e?.type !== 'dimension' && e?.type !== 'dataset' && e?.type !== 'associations')
        warnings.push(
          `${at(i, String(e?.type))}: entry type "${String(e?.type)}" is not supported and was skipped`,
        );
    }
    for (const [parent, children] of chains) await r.setCollectionChain(parent, children);
    for (const [i, e] of entries.entries()) {
      if (e?.type === 'dataset') {
        const items: NewDataset[] = [];
        for (const rec of (e.records as Entry[]) ?? []) {
          const ids = ([] as unknown[]).concat(rec.dataset_id ?? []);
          const dataIds = ([] as unknown[]).concat(rec.data_id ?? []);
          if (ids.length !== dataIds.length)
            throw new RegistryError(
              'IMPORT_DATASET',
              `data[${i}] (dataset): ${ids.length} dataset_id values but ${dataIds.length} data_id values.`,
              {
                file,
              },
            );
          ids.forEach((id, k) =>
            items.push({
              id: String(id),
              dataId: dataIds[k] as DataId,
              path: rec.path ? String(rec.path) : undefined,
            }),
          );
        }
        await r.insertDatasets(String(e.dataset_type), String(e.run), items);
        report.datasets += items.length;
      } else if (e?.type === 'associations') {
        await r.associate(String(e.collection), ((e.dataset_ids as unknown[]) ?? []).map(String));
      }
    }
  });
  return report;
}
