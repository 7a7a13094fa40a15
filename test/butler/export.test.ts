/**
 * exportRepository on its own: the file daf_butler's importer expects (format and universe
 * versions, tags, TAI times, sphgeom bytes, PyYAML-safe scalars), selections by collection,
 * dataset type and where clause with the records their data IDs need, and quanta -> quanta.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportRepository } from '../../src/butler/export.js';
import { decodeSphgeom } from '../../src/butler/import-values.js';
import { importExport } from '../../src/butler/import.js';
import type { Butler } from '../../src/butler/index.js';
import { createButler } from '../../src/butler/index.js';
import { quantaDump } from './transfer-dump.js';

const open: Butler[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

async function repo(): Promise<{ b: Butler; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-export-'));
  const b = await createButler(join(dir, 'repo'));
  open.push(b);
  return { b, dir };
}

const SQUARE: [number, number][] = [
  [10, -1],
  [11, -1],
  [11, 0],
  [10, 0],
];

/** Two exposures/visits, two detectors, raws in a run, calexps of visit 1 in another, a tag. */
async function fill(b: Butler): Promise<void> {
  const r = b.registry;
  await r.insertDimensionRecords('instrument', [{ name: 'ToyCam', detector_max: 2 }]);
  await r.insertDimensionRecords('physical_filter', [
    { instrument: 'ToyCam', name: 'toy-y', band: 'y' },
    { instrument: 'ToyCam', name: 'toy-r', band: 'r' },
  ]);
  await r.insertDimensionRecords('detector', [
    { instrument: 'ToyCam', id: 0, full_name: '08' },
    { instrument: 'ToyCam', id: 1, full_name: 'yes' },
  ]);
  await r.insertDimensionRecords('day_obs', [{ instrument: 'ToyCam', id: 20240101 }]);
  await r.insertDimensionRecords('exposure', [
    {
      instrument: 'ToyCam',
      id: 1,
      obs_id: 'TC_1',
      physical_filter: 'toy-y',
      day_obs: 20240101,
      group: 'g1',
      exposure_time: 1e-7,
      timespan_begin: '2024-01-01T03:00:00.000Z',
      timespan_end: '2024-01-01T03:00:30.250Z',
    },
    { instrument: 'ToyCam', id: 2, obs_id: 'TC_2', physical_filter: 'toy-r', day_obs: 20240101 },
  ]);
  await r.insertDimensionRecords('visit', [
    {
      instrument: 'ToyCam',
      id: 1,
      name: 'v1',
      physical_filter: 'toy-y',
      day_obs: 20240101,
      region: { vertices: SQUARE },
    },
    { instrument: 'ToyCam', id: 2, name: 'v2', physical_filter: 'toy-r', day_obs: 20240101 },
  ]);
  await r.insertDimensionRecords('visit_detector_region', [
    { instrument: 'ToyCam', visit: 1, detector: 0, region: { vertices: SQUARE } },
    { instrument: 'ToyCam', visit: 2, detector: 1, region: { vertices: SQUARE } },
  ]);
  await r.insertDimensionRecords('skymap', [{ name: 'sky', hash: 'deadbeef', tract_max: 1 }]);
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
  await r.registerRun('raw/all');
  await r.registerRun('proc');
  await r.registerCollection('best', 'TAGGED');
  await r.setCollectionChain('all', ['proc', 'raw/all']);
  await r.insertDatasets('raw', 'raw/all', [
    { dataId: { instrument: 'ToyCam', exposure: 1, detector: 0 }, path: 'raw/1_0.fits' },
    { dataId: { instrument: 'ToyCam', exposure: 2, detector: 1 }, path: 'raw/2_1.fits' },
  ]);
  const [c] = await r.insertDatasets('calexp', 'proc', [
    { dataId: { instrument: 'ToyCam', visit: 1, detector: 0 } },
  ]);
  await r.associate('best', [c.id]);
}

describe('exportRepository', () => {
  it("writes daf_butler's format: version 1.0.2, universe 8, !uuid, TAI times, sphgeom bytes, !!binary", async () => {
    const { b, dir } = await repo();
    await fill(b);
    const file = join(dir, 'out.yaml');
    const summary = await exportRepository(b, file, {});
    expect(summary).toEqual({
      dimensions: {
        instrument: 1,
        physical_filter: 2,
        detector: 2,
        group: 2,
        day_obs: 1,
        exposure: 2,
        visit: 2,
        visit_detector_region: 2,
        skymap: 1,
      },
      collections: 4,
      datasetTypes: 2,
      datasets: 3,
    });
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(
      /^description: Butler Data Repository Export\nversion: 1\.0\.2\nuniverse_version: 8\nuniverse_namespace: daf_butler\n/,
    );
    // 03:00:00 UTC is 03:00:37 TAI in 2024
    expect(text).toContain('datetime_begin: !butler_time/tai/iso 2024-01-01 03:00:37.000000000');
    expect(text).toContain('datetime_end: !butler_time/tai/iso 2024-01-01 03:01:07.250000000');
    expect(text).toMatch(/hash: !!binary 3q2\+7w==/);
    expect(text).toMatch(/dataset_id:\n\s+- !uuid [0-9a-f-]{36}/);
    // strings PyYAML would read as numbers or bools are quoted; floats have a dot
    expect(text).toContain("full_name: '08'");
    expect(text).toContain("full_name: 'yes'");
    expect(text).toContain('exposure_time: 1.0e-7');
    // exposure 2 has no group: daf_butler needs one, the exposure id is written
    expect(text).toMatch(/name: '2'/);
    const enc = /region: !<lsst\.sphgeom\.ConvexPolygon>\n\s+encoded: ([0-9a-f]+)/.exec(text)![1];
    expect(
      decodeSphgeom(enc)!.vertices.map(([a, d]) => [Number(a.toFixed(9)), Number(d.toFixed(9))]),
    ).toEqual(SQUARE);
    // children before the chain that holds them
    expect(text.indexOf('name: all')).toBeGreaterThan(text.indexOf('name: raw/all'));
  });

  it('exports and re-imports into quanta with the same contents', async () => {
    const { b, dir } = await repo();
    await fill(b);
    const file = join(dir, 'out.yaml');
    await exportRepository(b, file, {});
    const { b: b2 } = await repo();
    const report = await importExport(b2, file, { strict: true });
    expect(report.warnings).toEqual([]);
    const before = await quantaDump(b);
    const after = await quantaDump(b2);
    // the group daf_butler needs for exposure 2 comes back as a record and a field
    expect(after.records.group.map((g) => g.name)).toEqual(['2', 'g1']);
    const exposure = before.records.exposure.map((x) => (x.id === 2 ? { ...x, group: '2' } : x));
    expect(after.records).toEqual({ ...before.records, group: after.records.group, exposure });
    expect(after.collections).toEqual(before.collections);
    expect(after.datasets).toEqual(before.datasets);
    expect(after.tagged).toEqual(before.tagged);
  });

  it('selects datasets by collection, dataset type and where, with only the records their data IDs need', async () => {
    const { b, dir } = await repo();
    await fill(b);
    const file = join(dir, 'calexp.yaml');
    const s = await exportRepository(b, file, { collections: ['best'] });
    // the tagged calexp, its run, and the records of {instrument, visit 1, detector 0}
    expect(s).toEqual({
      dimensions: {
        instrument: 1,
        physical_filter: 1,
        detector: 1,
        day_obs: 1,
        visit: 1,
        visit_detector_region: 1,
      },
      collections: 2,
      datasetTypes: 1,
      datasets: 1,
    });
    const raw = await exportRepository(b, join(dir, 'raw.yaml'), {
      datasetTypes: ['raw'],
      where: "instrument = 'ToyCam' and exposure = 1",
    });
    expect(raw).toMatchObject({ datasets: 1, datasetTypes: 1 });
    expect(raw.dimensions).toEqual({
      instrument: 1,
      physical_filter: 1,
      detector: 1,
      group: 1,
      day_obs: 1,
      exposure: 1,
    });
    const { b: b2 } = await repo();
    await importExport(b2, join(dir, 'raw.yaml'));
    const refs = await b2.registry.findDatasets('raw', { collections: ['raw/all'] });
    expect(refs.map((x) => x.dataId)).toEqual([
      expect.objectContaining({ exposure: 1, detector: 0, band: 'y' }),
    ]);
  });

  it("writes quanta's StructuredData as daf_butler's StructuredDataDict, which quanta reads as the same", async () => {
    const { b, dir } = await repo();
    await b.registry.registerDatasetType({ name: 'metrics', dimensions: [], storageClass: 'StructuredData' });
    await exportRepository(b, join(dir, 'm.yaml'), {});
    expect(readFileSync(join(dir, 'm.yaml'), 'utf8')).toContain('storage_class: StructuredDataDict');
  });

  it('names an unknown collection or dataset type', async () => {
    const { b, dir } = await repo();
    await fill(b);
    await expect(exportRepository(b, join(dir, 'x.yaml'), { collections: ['nope*'] })).rejects.toMatchObject({
      code: 'EXPORT_COLLECTION',
    });
    await expect(exportRepository(b, join(dir, 'x.yaml'), { datasetTypes: ['flat'] })).rejects.toMatchObject({
      code: 'EXPORT_DATASET_TYPE',
      message: expect.stringContaining('"flat"'),
    });
  });
});
