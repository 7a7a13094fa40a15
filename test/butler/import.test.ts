import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSphgeom } from '../../src/butler/import-values.js';
import { importExport } from '../../src/butler/import.js';
import { createButler } from '../../src/butler/index.js';
import { toVector } from '../../src/butler/region.js';
import { exportYaml } from './files.js';

/** sphgeom's ConvexPolygon encoding: 'p' + unit vectors as little-endian float64. */
function encode(vertices: [number, number][]): string {
  const buf = Buffer.alloc(1 + 24 * vertices.length);
  buf[0] = 0x70;
  vertices.forEach(([ra, dec], i) =>
    toVector(ra, dec).forEach((x, k) => buf.writeDoubleLE(x, 1 + 24 * i + 8 * k)),
  );
  return buf.toString('hex');
}

describe('import of a daf_butler export', () => {
  it('decodes sphgeom ConvexPolygons', () => {
    const r = decodeSphgeom(
      encode([
        [10, 0],
        [11, 0],
        [11, 1],
      ]),
    )!;
    expect(r.vertices.map(([a, d]) => [Number(a.toFixed(9)), Number(d.toFixed(9))])).toEqual([
      [10, 0],
      [11, 0],
      [11, 1],
    ]);
    expect(decodeSphgeom('63ff')).toBeUndefined();
  });

  it('imports records, chains, tagged associations, times and encoded regions; reports unknowns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-import-'));
    const file = join(dir, 'small.yaml');
    writeFileSync(
      file,
      `description: Butler Data Repository Export
version: 1.0.2
universe_version: 6
universe_namespace: daf_butler
data:
- type: dimension
  element: instrument
  records:
  - {name: HSC, visit_max: 21474800, visit_system: 0, exposure_max: 21474800, detector_max: 200, class_name: lsst.obs.subaru.HyperSuprimeCam}
- type: dimension
  element: physical_filter
  records:
  - {instrument: HSC, name: HSC-R, band: r}
- type: dimension
  element: band
  records:
  - {name: r}
- type: dimension
  element: day_obs
  records:
  - {instrument: HSC, id: 20130617}
- type: dimension
  element: exposure
  records:
  - instrument: HSC
    id: 903334
    physical_filter: HSC-R
    obs_id: HSCA90333400
    day_obs: 20130617
    group_name: '903334'
    azimuth: 12.5
    timespan: !butler_timespan
      begin: !butler_time/tai/iso '2013-06-17 13:36:12.123456789'
      end: !butler_time/tai/iso '2013-06-17 13:36:42.123456789'
- type: dimension
  element: visit
  records:
  - instrument: HSC
    id: 903334
    name: HSCA90333400
    physical_filter: HSC-R
    day_obs: 20130617
    region: !<lsst.sphgeom.ConvexPolygon>
      encoded: ${encode([
        [320, -0.5],
        [321, -0.5],
        [321, 0.5],
        [320, 0.5],
      ])}
- type: run
  name: HSC/raw/all
- type: collection
  collection_type: TAGGED
  name: picked
- type: collection
  collection_type: CHAINED
  name: HSC/defaults
  children: [HSC/raw/all]
- type: dataset_type
  name: raw
  dimensions: [band, instrument, detector, physical_filter, exposure]
  storage_class: Exposure
  is_calibration: false
- type: dimension
  element: detector
  records:
  - {instrument: HSC, id: 50, full_name: '1_53', raft: '1', name_in_raft: '53', purpose: SCIENCE}
- type: dataset
  dataset_type: raw
  run: HSC/raw/all
  records:
  - dataset_id: [!uuid '6b9a5f2e-4bd0-4b41-9a8e-0a7b3f9c6c11']
    data_id: [{instrument: HSC, detector: 50, exposure: 903334}]
    path: HSC/raw/all/raw/r/HSC-R/903334/raw_903334_1_53.fits
    formatter: lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter
- type: associations
  collection: picked
  collection_type: TAGGED
  dataset_ids: [!uuid '6b9a5f2e-4bd0-4b41-9a8e-0a7b3f9c6c11']
- type: dimension
  element: visit_system
  records:
  - {instrument: HSC, id: 0, name: one-to-one}
`,
    );
    const b = await createButler(join(dir, 'repo'));
    try {
      const rep = await importExport(b, file);
      expect(rep).toMatchObject({ datasets: 1, datasetTypes: 1, collections: 3 });
      expect(rep.warnings.join('\n')).toMatch(/element "visit_system" is not in the quanta universe/);
      expect(rep.warnings.join('\n')).toMatch(/element "exposure": .*azimuth \(1\)/);
      const [e] = await b.registry.queryDimensionRecords('exposure');
      expect(e).toMatchObject({
        group: '903334',
        timespan_begin: '2013-06-17T13:36:12.123Z',
        timespan_end: '2013-06-17T13:36:42.123Z',
      });
      const [v] = await b.registry.queryDimensionRecords('visit');
      expect((v.region as { vertices: number[][] }).vertices[0].map((x) => Number(x.toFixed(6)))).toEqual([
        320, -0.5,
      ]);
      expect(await b.registry.resolveCollections(['HSC/defaults'])).toEqual(['HSC/raw/all']);
      const tagged = await b.registry.findDatasets('raw', { collections: ['picked'] });
      expect(tagged.map((t) => t.id)).toEqual(['6b9a5f2e-4bd0-4b41-9a8e-0a7b3f9c6c11']);
      // importing again skips existing records and is idempotent for the same dataset ids
      expect((await importExport(b, file)).datasets).toBe(1);
      await expect(importExport(b, file, { strict: true })).rejects.toThrow(/visit_system.*without --strict/);
    } finally {
      await b.close();
    }
  });

  it('imports the bench-shaped export with datasets found through the chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-import-'));
    const b = await createButler(join(dir, 'repo'));
    try {
      await importExport(b, exportYaml(dir, { visits: 4, detectors: 3 }));
      expect(
        await b.registry.queryDataIds(['visit', 'detector'], { where: 'visit in (1000, 1003)' }),
      ).toHaveLength(6);
      expect(
        await b.registry.findDatasets('raw', { collections: ['ToyCam/defaults'], where: 'detector = 2' }),
      ).toHaveLength(4);
    } finally {
      await b.close();
    }
  });
});
