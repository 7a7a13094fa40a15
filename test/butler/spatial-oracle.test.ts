/**
 * Spatial joins against the real Butler: the same dimension records (daf_butler's own
 * spatial.yaml test content, and spatial-fixture.ts) in both, the same queries, the same rows.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createButler } from '../../src/butler/index.js';
import type { Butler } from '../../src/butler/index.js';
import { elementColumns, identifyingDimensions } from '../../src/butler/registry/columns.js';
import { elementDimensions } from '../../src/butler/registry/spatial-join.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { spatialRecords } from './spatial-fixture.js';

type Records = Record<string, Record<string, unknown>[]>;
type Query =
  | { kind: 'dataIds'; dims: string[]; where?: string; datasets?: string[] }
  | { kind: 'records'; element: string; where?: string }
  | { kind: 'datasets'; type: string; where?: string };
type Answer = string[] | { error: string; message: string };

const script = fileURLToPath(new URL('./spatial-oracle.py', import.meta.url));
const ELEMENTS = [
  'instrument',
  'physical_filter',
  'detector',
  'day_obs',
  'visit',
  'visit_detector_region',
  'skymap',
  'tract',
  'patch',
];
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

interface OracleAnswer {
  records: Records;
  results: Answer[];
}

function pviIds(records: Records): Record<string, unknown>[] {
  return records.visit_detector_region.map((r) => ({
    instrument: r.instrument,
    visit: r.visit,
    detector: r.detector,
  }));
}

const MIXED = [
  { instrument: 'Cam1', visit: 1, skymap: 'SkyMap1', tract: 1 },
  { instrument: 'Cam1', visit: 2, skymap: 'SkyMap1', tract: 0 },
];

function askOracle(
  venv: string,
  records: Records | null,
  db?: { url: string; namespace: string },
): OracleAnswer {
  // the dataset data IDs need the records: daf_butler's content has visits 1-2, detectors 1-4
  const content = records ?? {
    visit_detector_region: [1, 2].flatMap((visit) =>
      [1, 2, 3, 4].map((detector) => ({ instrument: 'Cam1', visit, detector })),
    ),
  };
  const req = {
    db: db?.url ?? null,
    namespace: db?.namespace,
    records,
    queries: QUERIES,
    datasets: [
      { type: 'pvi', dims: ['visit', 'detector'], dataIds: pviIds(content) },
      { type: 'mixed', dims: ['visit', 'tract'], dataIds: MIXED },
    ],
  };
  const out = execFileSync(`${venv}/bin/python`, [script], {
    input: JSON.stringify(req),
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out.toString()) as OracleAnswer;
}

/** The oracle's records restricted to the fields quanta's universe has. */
function forQuanta(b: Butler, records: Records): Records {
  const out: Records = {};
  for (const el of ELEMENTS) {
    const names = new Set(elementColumns(b.registry.universe, el).map((c) => c.name));
    out[el] = records[el].map((r) =>
      Object.fromEntries(Object.entries(r).filter(([k, v]) => names.has(k) && v !== null)),
    );
  }
  return out;
}

async function fill(b: Butler, records: Records): Promise<void> {
  const r = b.registry;
  const bands = new Set(records.physical_filter.map((p) => String(p.band)));
  await r.insertDimensionRecords(
    'band',
    [...bands].map((name) => ({ name })),
  );
  for (const el of ELEMENTS) await r.insertDimensionRecords(el, records[el]);
  await r.registerRun('run');
  await r.registerDatasetType({
    name: 'pvi',
    dimensions: ['visit', 'detector'],
    storageClass: 'StructuredDataDict',
  });
  await r.registerDatasetType({
    name: 'mixed',
    dimensions: ['visit', 'tract'],
    storageClass: 'StructuredDataDict',
  });
  await r.insertDatasets(
    'pvi',
    'run',
    pviIds(records).map((d) => ({ dataId: d as Record<string, string | number> })),
  );
  await r.insertDatasets(
    'mixed',
    'run',
    MIXED.map((d) => ({ dataId: d })),
  );
}

function canonical(rows: Record<string, unknown>[], dims: string[]): string[] {
  const keys = [
    ...new Set(rows.map((r) => JSON.stringify(Object.fromEntries(dims.sort().map((d) => [d, r[d]]))))),
  ];
  return keys.sort();
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
      return canonical(rows, identifyingDimensions(u, q.dims));
    }
    if (q.kind === 'records') {
      const dims = elementDimensions(u, q.element);
      const key = u.element(q.element).keys[0]?.name;
      const recs = await r.queryDimensionRecords(q.element, { where: q.where });
      return canonical(
        recs.map((x) => ({ ...x, ...(key ? { [q.element]: x[key] } : {}) })),
        dims,
      );
    }
    const type = await r.getDatasetType(q.type);
    const refs = await r.findDatasets(q.type, { collections: ['run'], where: q.where });
    return canonical(
      refs.map((x) => x.dataId),
      identifyingDimensions(u, type.dimensions),
    );
  } catch (e) {
    return { error: (e as Error).name, message: (e as Error).message };
  }
}

const lsst = probeService('lsst');
const pg = probeService('postgres');
const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'quanta-spatial-')), 'repo');

function differential(backend: 'sqlite' | 'postgres'): void {
  for (const [name, content] of [
    ["daf_butler's spatial.yaml", null],
    ['spatial-fixture.ts', spatialRecords()],
  ] as const) {
    describe(`${name} on ${backend}`, () => {
      let oracle: OracleAnswer;
      let b: Butler;
      beforeAll(async () => {
        const registry = backend === 'postgres' ? pg.env.QUANTA_PG_URL : undefined;
        b = await createButler(tmp(), registry ? { registry } : {});
        const ns = backend === 'postgres' ? `spatial_oracle_${process.pid}_${Date.now()}` : '';
        oracle = askOracle(
          lsst.env.QUANTA_LSST_VENV,
          content as Records | null,
          registry ? { url: registry, namespace: ns } : undefined,
        );
        await fill(b, forQuanta(b, content ?? oracle.records));
      }, 120_000);
      afterAll(async () => {
        await b?.close();
      });

      it("gives the real Butler's rows for every query", async () => {
        const got: Answer[] = [];
        for (const q of QUERIES) got.push(await askQuanta(b, q));
        const ok = (a: Answer): string[] | string => (Array.isArray(a) ? a : `error ${a.error}`);
        expect(QUERIES.map((q, i) => [q, ok(got[i])])).toEqual(
          QUERIES.map((q, i) => [q, ok(oracle.results[i])]),
        );
      });

      it('is not trivial: the tract/patch constraint drops visits', () => {
        const all = oracle.results[1] as string[];
        const patch4 = oracle.results[0] as string[];
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
