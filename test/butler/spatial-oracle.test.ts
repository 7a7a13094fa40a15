/**
 * Spatial joins against the real Butler (the shared oracle, python/quanta_lsst/oracle.py): the
 * same dimension records in both (daf_butler's own base.yaml + spatial.yaml, imported into each;
 * and spatial-fixture.ts, inserted into each), the same datasets, the same queries, the same rows.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createButler } from '../../src/butler/index.js';
import type { Butler } from '../../src/butler/index.js';
import { importExport } from '../../src/butler/import.js';
import { identifyingDimensions } from '../../src/butler/registry/columns.js';
import { elementDimensions } from '../../src/butler/registry/spatial-join.js';
import type { DimensionUniverse } from '../../src/butler/universe.js';
import { Oracle, OracleError, registryDataDir } from '../helpers/oracle.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { spatialRecords, SPATIAL_ELEMENTS } from './spatial-fixture.js';

type Records = Record<string, Record<string, unknown>[]>;
type Query =
  | { kind: 'dataIds'; dims: string[]; where?: string; datasets?: string[] }
  | { kind: 'records'; element: string; where?: string }
  | { kind: 'datasets'; type: string; where?: string };
/** sorted data IDs as JSON, or the failure */
type Answer = string[] | { error: string };

const ELEMENTS = SPATIAL_ELEMENTS;
const T0 = "skymap='SkyMap1' AND tract=0";
const QUERIES: Query[] = [
  { kind: 'dataIds', dims: ['visit', 'detector'], where: `${T0} AND patch=4` },
  { kind: 'dataIds', dims: ['visit', 'detector'] },
  { kind: 'dataIds', dims: ['patch', 'visit', 'detector'] },
  { kind: 'dataIds', dims: ['tract', 'visit'] },
  { kind: 'dataIds', dims: ['patch', 'visit'] },
  { kind: 'dataIds', dims: ['tract', 'visit', 'detector'] },
  { kind: 'dataIds', dims: ['patch'], where: "instrument='Cam1' AND visit=1 AND detector=2" },
  { kind: 'dataIds', dims: ['visit'], where: "skymap='SkyMap1' AND tract=1" },
  { kind: 'dataIds', dims: ['tract'], where: "instrument='Cam1' AND visit=2" },
  { kind: 'dataIds', dims: ['patch', 'visit'], where: `instrument='Cam1' AND visit=1 AND ${T0}` },
  { kind: 'dataIds', dims: ['visit', 'detector'], where: `${T0} AND patch=2`, datasets: ['pvi'] },
  { kind: 'dataIds', dims: ['visit', 'tract'], datasets: ['mixed'] },
  { kind: 'records', element: 'patch', where: "instrument='Cam1' AND visit=1 AND detector=3" },
  { kind: 'records', element: 'visit_detector_region', where: `${T0} AND patch IN (0, 1)` },
  { kind: 'records', element: 'visit', where: `${T0} AND patch=5` },
  { kind: 'datasets', type: 'pvi', where: `${T0} AND patch=4` },
  { kind: 'datasets', type: 'mixed', where: `${T0} AND patch=4` },
];

const MIXED = [
  { instrument: 'Cam1', visit: 1, skymap: 'SkyMap1', tract: 1 },
  { instrument: 'Cam1', visit: 2, skymap: 'SkyMap1', tract: 0 },
];
const DATASET_TYPES = [
  { name: 'pvi', dimensions: ['visit', 'detector'] },
  { name: 'mixed', dimensions: ['visit', 'tract'] },
];

/** The pvi data IDs: one per visit_detector_region (daf_butler's content: visits 1-2, detectors 1-4). */
function pviIds(records: Records | null): Record<string, string | number>[] {
  if (!records)
    return [1, 2].flatMap((visit) =>
      [1, 2, 3, 4].map((detector) => ({ instrument: 'Cam1', visit, detector })),
    );
  return records.visit_detector_region.map((r) => ({
    instrument: r.instrument as string,
    visit: r.visit as number,
    detector: r.detector as number,
  }));
}

/** The fixture's records as the oracle takes them: binary values as `{hex}`, no band table. */
function forOracle(element: string, records: Record<string, unknown>[]): Record<string, unknown>[] {
  if (element !== 'skymap') return records;
  return records.map((r) => ({ ...r, hash: { hex: r.hash } }));
}

/** Sorted data IDs (of `dims`' required dimensions) as JSON strings. */
function keys(universe: DimensionUniverse, rows: Record<string, unknown>[], dims: string[]): string[] {
  const req = identifyingDimensions(universe, dims).sort();
  const out = new Set(rows.map((r) => JSON.stringify(Object.fromEntries(req.map((d) => [d, r[d]])))));
  return [...out].sort();
}

/** A record's data ID: its own key under the element's name (both sides spell records so). */
function recordIds(universe: DimensionUniverse, element: string, recs: Record<string, unknown>[]): string[] {
  const key = universe.element(element).keys[0]?.name;
  const rows = recs.map((x) => ({ ...x, ...(key ? { [element]: x[key] } : {}) }));
  return keys(universe, rows, elementDimensions(universe, element));
}

async function askOracle(o: Oracle, root: string, universe: DimensionUniverse, q: Query): Promise<Answer> {
  try {
    if (q.kind === 'dataIds') {
      const rows = await o.call<Record<string, unknown>[]>('query_data_ids', {
        root,
        dimensions: q.dims,
        where: q.where,
        ...(q.datasets ? { datasets: q.datasets, collections: ['run'] } : {}),
      });
      return keys(universe, rows, q.dims);
    }
    if (q.kind === 'records') {
      const recs = await o.call<Record<string, unknown>[]>('query_dimension_records', {
        root,
        element: q.element,
        where: q.where,
      });
      return recordIds(universe, q.element, recs);
    }
    const refs = await o.call<{ data_id: Record<string, unknown> }[]>('query_datasets', {
      root,
      dataset_type: q.type,
      collections: ['run'],
      where: q.where,
      find_first: true,
    });
    const type = DATASET_TYPES.find((t) => t.name === q.type)!;
    return keys(
      universe,
      refs.map((r) => r.data_id),
      type.dimensions,
    );
  } catch (e) {
    if (e instanceof OracleError) return { error: e.type };
    throw e;
  }
}

async function askQuanta(b: Butler, q: Query): Promise<Answer> {
  const r = b.registry;
  const u = r.universe;
  try {
    if (q.kind === 'dataIds') {
      const rows = await r.queryDataIds(q.dims, {
        where: q.where,
        datasets: q.datasets,
        collections: q.datasets ? ['run'] : undefined,
      });
      return keys(u, rows, q.dims);
    }
    if (q.kind === 'records')
      return recordIds(u, q.element, await r.queryDimensionRecords(q.element, { where: q.where }));
    const type = await r.getDatasetType(q.type);
    const refs = await r.findDatasets(q.type, { collections: ['run'], where: q.where });
    return keys(
      u,
      refs.map((x) => x.dataId),
      type.dimensions,
    );
  } catch (e) {
    return { error: (e as Error).name };
  }
}

/** The same records, dataset types and datasets into both sides. */
async function fill(
  o: Oracle,
  root: string,
  b: Butler,
  records: Records | null,
  venv: string,
): Promise<void> {
  const r = b.registry;
  if (records) {
    await r.insertDimensionRecords(
      'band',
      [...new Set(records.physical_filter.map((p) => String(p.band)))].map((name) => ({ name })),
    );
    for (const el of ELEMENTS) {
      await r.insertDimensionRecords(el, records[el]);
      await o.call('insert_dimension_data', { root, element: el, records: forOracle(el, records[el]) });
    }
  } else {
    for (const f of ['base.yaml', 'spatial.yaml']) {
      const file = join(registryDataDir(venv), f);
      await o.call('import', { root, file });
      await importExport(b, file);
    }
  }
  await r.registerRun('run');
  const data: Record<string, Record<string, string | number>[]> = { pvi: pviIds(records), mixed: MIXED };
  for (const t of DATASET_TYPES) {
    await o.call('register_dataset_type', { root, name: t.name, dimensions: t.dimensions });
    await o.call('insert_datasets', { root, dataset_type: t.name, run: 'run', data_ids: data[t.name] });
    await r.registerDatasetType({ ...t, storageClass: 'StructuredDataDict' });
    await r.insertDatasets(
      t.name,
      'run',
      data[t.name].map((dataId) => ({ dataId })),
    );
  }
}

const lsst = probeService('lsst');
const pg = probeService('postgres');

function differential(backend: 'sqlite' | 'postgres'): void {
  let oracle: Oracle;
  beforeAll(() => {
    oracle = new Oracle(lsst.env.QUANTA_LSST_VENV);
  });
  afterAll(async () => {
    await oracle?.close();
  });
  for (const [name, content] of [
    ["daf_butler's spatial.yaml", null],
    ['spatial-fixture.ts', spatialRecords()],
  ] as const) {
    describe(`${name} on ${backend}`, () => {
      const theirs: Answer[] = [];
      let b: Butler;
      beforeAll(async () => {
        const tmp = mkdtempSync(join(tmpdir(), 'quanta-spatial-'));
        const registry = backend === 'postgres' ? pg.env.QUANTA_PG_URL : undefined;
        const root = join(tmp, 'daf_butler');
        const ns = `spatial_oracle_${process.pid}_${Date.now()}`;
        await oracle.call('create', { root, ...(registry ? { db: registry, namespace: ns } : {}) });
        b = await createButler(join(tmp, 'quanta'), registry ? { registry } : {});
        await fill(oracle, root, b, content as Records | null, lsst.env.QUANTA_LSST_VENV);
        for (const q of QUERIES) theirs.push(await askOracle(oracle, root, b.universe, q));
      }, 120_000);
      afterAll(async () => {
        await b?.close();
      });

      it("gives the real Butler's rows for every query", async () => {
        const ours: Answer[] = [];
        for (const q of QUERIES) ours.push(await askQuanta(b, q));
        const shown = (a: Answer): string[] | string => (Array.isArray(a) ? a : 'an error');
        expect(QUERIES.map((q, i) => [q, shown(ours[i])])).toEqual(
          QUERIES.map((q, i) => [q, shown(theirs[i])]),
        );
      });

      it('is not trivial: the tract/patch constraint drops visits', () => {
        const all = theirs[1] as string[];
        const patch4 = theirs[0] as string[];
        expect(patch4.length).toBeGreaterThan(0);
        expect(patch4.length).toBeLessThan(all.length);
      });
    });
  }
}

describeWithService('lsst', lsst, 'spatial joins against the real Butler (SQLite)', () => {
  differential('sqlite');
});

describeWithService('postgres', pg, 'spatial joins against the real Butler (PostgreSQL)', () => {
  describeWithService('lsst', lsst, 'with the LSST middleware', () => {
    differential('postgres');
  });
});
