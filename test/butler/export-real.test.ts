/**
 * Round trips through the real Butler: quanta's export imported by daf_butler, daf_butler's
 * export of that imported by quanta; the registry contents are the same at every step. For
 * daf_butler's own test exports (read from the installed package, never copied here) and for a
 * repository built by quanta's own code (times across a leap second, regions, a skymap hash,
 * chains, TAGGED members, exposures with groups).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { Butler } from '../../src/butler/index.js';
import { createButler } from '../../src/butler/index.js';
import { exportRepository } from '../../src/butler/export.js';
import { importExport } from '../../src/butler/import.js';
import { describeWithService, probeService } from '../helpers/services.js';
import type { Dump } from './transfer-dump.js';
import { quantaDump, realButler } from './transfer-dump.js';

const lsst = probeService('lsst');
const pg = probeService('postgres');
const venv = lsst.env.QUANTA_LSST_VENV ?? '';
const DATA = `${venv}/lib/python3.11/site-packages/lsst/daf/butler/tests/registry_data`;

const GROUPS: string[][] = [
  ['base.yaml', 'datasets.yaml'],
  ['base.yaml', 'spatial.yaml'],
  ['ci_hsc-subset.yaml', 'ci_hsc-subset-skymap.yaml'],
  ['hsc-rc2-subset-v0.yaml'],
  ['lsstcam-subset.yaml'],
];

/**
 * Dataset type dimensions without `group`: daf_butler's exposure implies group, quanta keeps
 * exposure.group as a field (docs/butler.md), so daf_butler lists group for raw and quanta not.
 */
const types = (d: Dump): Dump['dataset_types'] =>
  d.dataset_types.map((t) => ({ ...t, dimensions: t.dimensions.filter((x) => x !== 'group') }));

function sameContents(a: Dump, b: Dump, what: string): void {
  expect(a.records, `${what}: records`).toEqual(b.records);
  expect(a.collections, `${what}: collections`).toEqual(b.collections);
  expect(types(a), `${what}: dataset types`).toEqual(types(b));
  expect(a.datasets, `${what}: datasets`).toEqual(b.datasets);
  expect(a.tagged, `${what}: tagged`).toEqual(b.tagged);
}

/** A small repository written with quanta's registry API, covering what an export carries. */
async function buildRepo(b: Butler): Promise<void> {
  const r = b.registry;
  await r.insertDimensionRecords('instrument', [
    {
      name: 'ToyCam',
      visit_max: 100000,
      exposure_max: 100000,
      detector_max: 4,
      class_name: 'toy.ToyCam',
      visit_system: 0,
    },
  ]);
  await r.insertDimensionRecords('physical_filter', [
    { instrument: 'ToyCam', name: 'toy-y', band: 'y' },
    { instrument: 'ToyCam', name: 'toy-r', band: 'r' },
  ]);
  await r.insertDimensionRecords('detector', [
    { instrument: 'ToyCam', id: 0, full_name: '08', raft: 'R00', name_in_raft: 'S00', purpose: 'SCIENCE' },
    { instrument: 'ToyCam', id: 1, full_name: '1_53', raft: 'yes', name_in_raft: 'S01', purpose: 'SCIENCE' },
  ]);
  await r.insertDimensionRecords('day_obs', [
    {
      instrument: 'ToyCam',
      id: 20161231,
      timespan_begin: '2016-12-31T12:00:00.000Z',
      timespan_end: '2017-01-01T12:00:00.000Z',
    },
  ]);
  await r.insertDimensionRecords('group', [{ instrument: 'ToyCam', name: 'g-1' }]);
  // the first exposure spans the leap second at the end of 2016 (TAI-UTC 36 s -> 37 s)
  await r.insertDimensionRecords('exposure', [
    {
      instrument: 'ToyCam',
      id: 1,
      obs_id: 'TC_1',
      physical_filter: 'toy-y',
      day_obs: 20161231,
      group: 'g-1',
      exposure_time: 30.5,
      observation_type: 'science',
      tracking_ra: 359.9,
      tracking_dec: -30,
      has_simulated: false,
      can_see_sky: true,
      seq_num: 1,
      timespan_begin: '2016-12-31T23:59:45.125Z',
      timespan_end: '2017-01-01T00:00:15.125Z',
    },
    {
      instrument: 'ToyCam',
      id: 2,
      obs_id: 'TC_2',
      physical_filter: 'toy-r',
      day_obs: 20161231,
      group: 'g-2',
      exposure_time: 15,
    },
    // no group: daf_butler needs one, the export writes the exposure id
    { instrument: 'ToyCam', id: 3, obs_id: 'TC_3', physical_filter: 'toy-r', day_obs: 20161231 },
  ]);
  const square: [number, number][] = [
    [359.5, -30.5],
    [0.5, -30.5],
    [0.5, -29.5],
    [359.5, -29.5],
  ];
  await r.insertDimensionRecords('visit', [
    {
      instrument: 'ToyCam',
      id: 1,
      name: 'TC_1',
      physical_filter: 'toy-y',
      day_obs: 20161231,
      exposure_time: 30.5,
      timespan_begin: '2016-12-31T23:59:45.125Z',
      timespan_end: '2017-01-01T00:00:15.125Z',
      region: { vertices: square },
    },
  ]);
  await r.insertDimensionRecords('visit_system', [{ instrument: 'ToyCam', id: 0, name: 'one-to-one' }]);
  await r.insertDimensionRecords('visit_system_membership', [
    { instrument: 'ToyCam', visit_system: 0, visit: 1 },
  ]);
  await r.insertDimensionRecords('visit_definition', [{ instrument: 'ToyCam', exposure: 1, visit: 1 }]);
  // clockwise on purpose: the export winds it counter-clockwise as sphgeom needs
  await r.insertDimensionRecords('visit_detector_region', [
    {
      instrument: 'ToyCam',
      visit: 1,
      detector: 0,
      region: {
        vertices: [
          [359.5, -30.5],
          [359.5, -30],
          [0, -30],
          [0, -30.5],
        ],
      },
    },
  ]);
  await r.insertDimensionRecords('skymap', [
    {
      name: 'toy_skymap',
      hash: '00ff10aa00ff10aa00ff10aa00ff10aa',
      tract_max: 1,
      patch_nx_max: 1,
      patch_ny_max: 1,
    },
  ]);
  await r.insertDimensionRecords('tract', [{ skymap: 'toy_skymap', id: 0, region: { vertices: square } }]);
  await r.insertDimensionRecords('patch', [
    { skymap: 'toy_skymap', tract: 0, id: 0, cell_x: 0, cell_y: 0, region: { vertices: square } },
  ]);
  await r.registerDatasetType({
    name: 'raw',
    dimensions: ['instrument', 'exposure', 'detector'],
    storageClass: 'Exposure',
  });
  await r.registerDatasetType({
    name: 'calexp',
    dimensions: ['instrument', 'visit', 'detector'],
    storageClass: 'ExposureF',
  });
  await r.registerDatasetType({
    name: 'flat',
    dimensions: ['instrument', 'detector', 'physical_filter'],
    storageClass: 'Exposure',
    isCalibration: true,
  });
  await r.registerRun('ToyCam/raw/all');
  await r.registerRun('u/me/run1');
  await r.registerCollection('picked', 'TAGGED');
  await r.setCollectionChain('ToyCam/defaults', ['ToyCam/raw/all', 'picked']);
  await r.setCollectionChain('u/me/chain', ['u/me/run1', 'ToyCam/defaults']);
  const raws = await r.insertDatasets('raw', 'ToyCam/raw/all', [
    { dataId: { instrument: 'ToyCam', exposure: 1, detector: 0 }, path: 'raw/1_0.fits' },
    { dataId: { instrument: 'ToyCam', exposure: 2, detector: 1 }, path: 'raw/2_1.fits' },
  ]);
  await r.insertDatasets('calexp', 'u/me/run1', [
    { dataId: { instrument: 'ToyCam', visit: 1, detector: 0 } },
  ]);
  await r.insertDatasets('flat', 'u/me/run1', [
    { dataId: { instrument: 'ToyCam', detector: 1, physical_filter: 'toy-r' } },
  ]);
  await r.associate('picked', [raws[0].id]);
}

function suite(pgUrl?: string): void {
  const opts = pgUrl ? { registry: pgUrl } : {};
  let tmp: string;
  let n = 0;
  const path = (what: string) => join(tmp, `${what}-${n++}`);
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'quanta-export-real-'));
  });

  /**
   * quanta -> daf_butler -> quanta, checking the contents at each step: `before` in quanta,
   * `after` in daf_butler and back in quanta. daf_butler's export writes dataset types only with
   * datasets, so the last step expects only those.
   */
  const roundTrip = async (b: Butler, before: Dump, after: Dump = before): Promise<void> => {
    const ours = await quantaDump(b);
    sameContents(ours, before, 'quanta before export');
    const mine = `${path('quanta-export')}.yaml`;
    const summary = await exportRepository(b, mine, {});
    expect(summary.datasets).toBe(ours.datasets.length);
    expect(summary.datasetTypes).toBe(ours.dataset_types.length);
    const theirsFile = `${path('daf_butler-export')}.yaml`;
    const theirs = await realButler(venv, path('real'), [mine], theirsFile);
    sameContents(theirs, after, "daf_butler after importing quanta's export");
    const back = await createButler(path('quanta-back'), opts);
    try {
      await importExport(back, theirsFile);
      const used = new Set(after.datasets.map((d) => d.dataset_type));
      const expected = { ...after, dataset_types: after.dataset_types.filter((t) => used.has(t.name)) };
      sameContents(await quantaDump(back), expected, "quanta after importing daf_butler's export");
    } finally {
      await back.close();
    }
  };

  for (const group of GROUPS)
    it(`${group.join(' + ')}: quanta -> daf_butler -> quanta keeps the contents`, async () => {
      const files = group.map((f) => join(DATA, f));
      const expected = await realButler(venv, path('real-orig'), files);
      const b = await createButler(path('quanta'), opts);
      try {
        for (const f of files) await importExport(b, f);
        await roundTrip(b, expected);
      } finally {
        await b.close();
      }
    }, 180_000);

  it('a repository built by quanta: times across a leap second, regions, hash, chains, tags, groups', async () => {
    const b = await createButler(path('quanta-built'), opts);
    try {
      await buildRepo(b);
      const before = await quantaDump(b);
      expect(before.records.group).toHaveLength(1);
      // g-2 exists only as exposure.group in quanta: the export writes its group record too;
      // exposure 3 has no group and gets group "3"
      const group = [
        { instrument: 'ToyCam', name: '3' },
        ...before.records.group,
        { instrument: 'ToyCam', name: 'g-2' },
      ];
      const exposure = before.records.exposure.map((x) => (x.id === 3 ? { ...x, group: '3' } : x));
      await roundTrip(b, before, { ...before, records: { ...before.records, group, exposure } });
    } finally {
      await b.close();
    }
  }, 180_000);
}

describeWithService('lsst', lsst, 'exports round-trip through the real Butler (SQLite)', () => suite());

if (lsst.available)
  describeWithService('postgres', pg, 'exports round-trip through the real Butler (PostgreSQL)', () =>
    suite(pg.env.QUANTA_PG_URL),
  );
