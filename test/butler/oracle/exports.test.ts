/**
 * Differential exports: daf_butler's own test exports (installed with daf_butler, never copied
 * here), in the groups its tests load them, imported into quanta and into the real Butler; then
 * every dimension record, collection, dataset type and dataset compared. Then the round trip:
 * quanta's export imported by the real Butler, and the real Butler's export of that imported by
 * quanta, with the same contents at each step. On SQLite and on PostgreSQL.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createButler, type Butler } from '../../../src/butler/index.js';
import { exportRepository } from '../../../src/butler/export.js';
import { importExport } from '../../../src/butler/import.js';
import { Oracle, registryDataDir } from '../../helpers/oracle.js';
import { describeWithService, probeService } from '../../helpers/services.js';
import { recordDifferences, sortRows, stableJson } from './canonical.js';
import { quantaAnswer, toTaiNs } from './quanta-side.js';

const lsst = probeService('lsst');
const pg = probeService('postgres');

/** The groups daf_butler's registry tests load together (a later file needs the earlier ones). */
const GROUPS: string[][] = [
  ['base.yaml'],
  ['base.yaml', 'datasets.yaml'],
  ['base.yaml', 'spatial.yaml'],
  ['hsc-rc2-subset-v0.yaml'],
  ['ci_hsc-subset-skymap.yaml', 'ci_hsc-subset.yaml'],
  ['lsstcam-subset.yaml'],
];

/** Everything in a repository, read through both sides and compared; returns the differences. */
async function contentDifferences(oracle: Oracle, root: string, butler: Butler): Promise<string[]> {
  const diffs: string[] = [];
  const counts = await oracle.call<Record<string, number>>('element_counts', { root });
  for (const [element, n] of Object.entries(counts)) {
    if (!butler.universe.elements.has(element)) {
      diffs.push(`${element}: ${n} records in daf_butler, the element is not in quanta's universe`);
      continue;
    }
    const theirs = await oracle.call<Record<string, unknown>[]>('query_dimension_records', { root, element });
    const ours = await quantaAnswer(butler, { kind: 'records', element });
    if ('error' in ours) {
      diffs.push(`${element}: quanta failed (${ours.error})`);
      continue;
    }
    const u = butler.universe;
    const keyOf = (r: Record<string, unknown>) =>
      stableJson(u.required([element]).map((d) => (d === element ? r[u.primaryKey(element).name] : r[d])));
    const mine = new Map((ours.ok as Record<string, unknown>[]).map((r) => [keyOf(r), r]));
    if (mine.size !== theirs.length)
      diffs.push(`${element}: ${theirs.length} records in daf_butler, ${mine.size} in quanta`);
    for (const r of theirs) {
      const m = mine.get(keyOf(r));
      if (!m) diffs.push(`${element} ${keyOf(r)}: missing in quanta`);
      else diffs.push(...recordDifferences(r, m, toTaiNs).map((d) => `${element} ${keyOf(r)}: ${d}`));
    }
  }
  const collections = await oracle.call<{ name: string; type: string; children?: string[] }[]>(
    'query_collections',
    { root },
  );
  const ourCollections = (await butler.registry.queryCollections()).map((c) =>
    c.type === 'CHAINED'
      ? { name: c.name, type: c.type, children: c.children }
      : { name: c.name, type: c.type },
  );
  if (stableJson(sortRows(ourCollections)) !== stableJson(sortRows(collections)))
    diffs.push(
      `collections: daf_butler ${stableJson(collections)} vs quanta ${stableJson(sortRows(ourCollections))}`,
    );
  const types = await oracle.call<
    { name: string; dimensions: string[]; storage_class: string; is_calibration: boolean }[]
  >('query_dataset_types', { root });
  const ourTypes = (await butler.registry.queryDatasetTypes()).map((t) => ({
    name: t.name,
    dimensions: [...butler.universe.expand(t.dimensions)].sort(),
    storage_class: t.storageClass,
    is_calibration: t.isCalibration ?? false,
  }));
  if (stableJson(sortRows(ourTypes)) !== stableJson(sortRows(types)))
    diffs.push(`dataset types: daf_butler ${stableJson(types)} vs quanta ${stableJson(sortRows(ourTypes))}`);
  const allCollections = collections.map((c) => c.name);
  for (const t of types) {
    if (!allCollections.length) break;
    const theirs = await oracle.call<unknown[]>('query_datasets', {
      root,
      dataset_type: t.name,
      collections: allCollections,
    });
    const ours = await quantaAnswer(butler, {
      kind: 'datasets',
      dataset_type: t.name,
      collections: allCollections,
    });
    const a = 'ok' in ours ? stableJson(sortRows(ours.ok)) : ours.error;
    if (a !== stableJson(sortRows(theirs)))
      diffs.push(
        `datasets of ${t.name}: daf_butler ${stableJson(sortRows(theirs)).slice(0, 400)} vs quanta ${a.slice(0, 400)}`,
      );
  }
  return diffs;
}

function exportSuite(backend: 'sqlite' | 'postgres', pgUrl?: string): void {
  let oracle: Oracle;
  const open: Butler[] = [];
  let tmp: string;
  let n = 0;

  const newOracleRepo = async (): Promise<string> => {
    const root = join(tmp, `daf_butler-${n++}`);
    const ns = `oracle_${process.pid}_${Date.now()}_${n}`;
    await oracle.call('create', { root, ...(pgUrl ? { db: pgUrl, namespace: ns } : {}) });
    return root;
  };
  const newButler = async (): Promise<Butler> => {
    const b = await createButler(join(tmp, `quanta-${n++}`), pgUrl ? { registry: pgUrl } : {});
    open.push(b);
    return b;
  };

  beforeAll(() => {
    oracle = new Oracle(lsst.env.QUANTA_LSST_VENV);
    tmp = mkdtempSync(join(tmpdir(), `quanta-exports-${backend}-`));
  });
  afterAll(async () => {
    for (const b of open) await b.close();
    await oracle?.close();
  });

  for (const group of GROUPS)
    it(`${backend}: ${group.join(' + ')} imports with the same contents, and round-trips`, async () => {
      const dir = registryDataDir(lsst.env.QUANTA_LSST_VENV);
      const root = await newOracleRepo();
      const butler = await newButler();
      for (const f of group) {
        await oracle.call('import', { root, file: join(dir, f) });
        await importExport(butler, join(dir, f));
      }
      expect(await contentDifferences(oracle, root, butler), "after importing daf_butler's files").toEqual(
        [],
      );

      // quanta's export, read by the real Butler
      const ours = join(tmp, `quanta-export-${n++}.yaml`);
      await exportRepository(butler, ours, {});
      const root2 = await newOracleRepo();
      await oracle.call('import', { root: root2, file: ours });
      expect(await contentDifferences(oracle, root2, butler), "daf_butler importing quanta's export").toEqual(
        [],
      );

      // and the real Butler's export of that, read by quanta
      const theirs = join(tmp, `daf_butler-export-${n++}.yaml`);
      await oracle.call('export', { root: root2, file: theirs });
      const butler2 = await newButler();
      await importExport(butler2, theirs);
      expect(
        await contentDifferences(oracle, root2, butler2),
        "quanta importing daf_butler's export",
      ).toEqual([]);
    }, 120_000);
}

describeWithService('lsst', lsst, 'daf_butler exports in quanta and in the real Butler (SQLite)', () =>
  exportSuite('sqlite'),
);

if (lsst.available)
  describeWithService(
    'postgres',
    pg,
    'daf_butler exports in quanta and in the real Butler (PostgreSQL)',
    () => exportSuite('postgres', pg.env.QUANTA_PG_URL),
  );
