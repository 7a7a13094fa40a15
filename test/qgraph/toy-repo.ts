// A small ToyCam repository made with the registry API, for the qgraph end-to-end tests and the
// bench: visits (= exposures, one per visit) x detectors, bands alternating r/g, a 2x2 patch
// skymap, visit_detector_region boxes, raws in ToyCam/raw/all under the chain ToyCam/defaults.
import { createButler, type Butler } from '../../src/butler/index.js';
import type { Region } from '../../src/butler/region.js';

export interface ToyRepoOptions {
  visits: number[];
  detectors: number[];
  /** write real raw FITS files (needed to run quanta); otherwise only registry rows */
  rawFiles?: boolean;
  /** leave these (visit, detector) raws out */
  missing?: [number, number][];
  /** a postgresql://... registry (default: SQLite in the repo) */
  registry?: string;
}

export const RAW_RUN = 'ToyCam/raw/all';
export const DEFAULTS = 'ToyCam/defaults';

const box = (ra0: number, dec0: number, ra1: number, dec1: number): Region => ({
  vertices: [
    [ra0, dec0],
    [ra1, dec0],
    [ra1, dec1],
    [ra0, dec1],
  ],
});

/** Where visit i's detector d lands: visits step 0.5 deg in ra, detectors 0.1 deg in dec. */
export function detectorRegion(i: number, d: number): Region {
  const ra = 10.1 + 0.5 * i;
  const dec = 0.1 + 0.1 * (d % 8);
  return box(ra, dec, ra + 0.08, dec + 0.08);
}

/** The box around all of visit i's detectors (real visits have a region: the spatial joins use it). */
export function visitRegion(i: number, detectors: number[]): Region {
  const vs = detectors.flatMap((d) => detectorRegion(i, d).vertices);
  const ras = vs.map((v) => v[0]);
  const decs = vs.map((v) => v[1]);
  return box(Math.min(...ras), Math.min(...decs), Math.max(...ras), Math.max(...decs));
}

export async function makeToyRepo(
  root: string,
  o: ToyRepoOptions,
): Promise<{ butler: Butler; raws: number }> {
  const butler = await createButler(root, o.registry ? { registry: o.registry } : {});
  const r = butler.registry;
  const instrument = 'ToyCam';
  await r.insertDimensionRecords('instrument', [
    {
      name: instrument,
      visit_max: 10_000_000,
      exposure_max: 10_000_000,
      detector_max: 1000,
      class_name: 'ToyCam',
    },
  ]);
  await r.insertDimensionRecords('band', [{ name: 'r' }, { name: 'g' }]);
  await r.insertDimensionRecords('physical_filter', [
    { instrument, name: 'ToyCam-r', band: 'r' },
    { instrument, name: 'ToyCam-g', band: 'g' },
  ]);
  await r.insertDimensionRecords(
    'detector',
    o.detectors.map((id) => ({ instrument, id, full_name: `D${id}` })),
  );
  await r.insertDimensionRecords('day_obs', [{ instrument, id: 20240101 }]);
  const filter = (i: number): string => (i % 2 === 0 ? 'ToyCam-r' : 'ToyCam-g');
  await r.insertDimensionRecords(
    'exposure',
    o.visits.map((id, i) => ({
      instrument,
      id,
      obs_id: `E${id}`,
      physical_filter: filter(i),
      day_obs: 20240101,
      observation_type: 'science',
    })),
  );
  await r.insertDimensionRecords(
    'visit',
    o.visits.map((id, i) => ({
      instrument,
      id,
      name: `V${id}`,
      physical_filter: filter(i),
      day_obs: 20240101,
      region: visitRegion(i, o.detectors),
    })),
  );
  await r.insertDimensionRecords(
    'visit_definition',
    o.visits.map((id) => ({ instrument, exposure: id, visit: id })),
  );
  const vdr = o.visits.flatMap((visit, i) =>
    o.detectors.map((detector) => ({ instrument, visit, detector, region: detectorRegion(i, detector) })),
  );
  for (let k = 0; k < vdr.length; k += 5000)
    await r.insertDimensionRecords('visit_detector_region', vdr.slice(k, k + 5000));
  // skymap: 2x2 patches of 1 deg in tract 0, ra 10..12, dec 0..2
  await r.insertDimensionRecords('skymap', [{ name: 'toy' }]);
  await r.insertDimensionRecords('tract', [{ skymap: 'toy', id: 0, region: box(10, 0, 12, 2) }]);
  await r.insertDimensionRecords(
    'patch',
    [0, 1, 2, 3].map((id) => ({
      skymap: 'toy',
      tract: 0,
      id,
      cell_x: id % 2,
      cell_y: Math.floor(id / 2),
      region: box(10 + (id % 2), Math.floor(id / 2), 11 + (id % 2), 1 + Math.floor(id / 2)),
    })),
  );

  const dims = ['instrument', 'exposure', 'detector'];
  await r.registerDatasetType({ name: 'raw', dimensions: dims, storageClass: 'Exposure' });
  await r.registerRun(RAW_RUN);
  await r.registerCollection(DEFAULTS, 'CHAINED');
  await r.setCollectionChain(DEFAULTS, [RAW_RUN]);
  const missing = new Set((o.missing ?? []).map(([v, d]) => `${v}.${d}`));
  const raws: { dataId: Record<string, string | number>; path: string }[] = [];
  for (const exposure of o.visits) {
    for (const detector of o.detectors) {
      if (missing.has(`${exposure}.${detector}`)) continue;
      const dataId = { instrument, exposure, detector };
      const ref = { datasetType: 'raw', run: RAW_RUN, dataId, storageClass: 'Exposure' };
      let path = butler.datastore.pathFor(ref);
      if (o.rawFiles) {
        const image = Float32Array.from({ length: 16 }, (_, k) => 100 + k + detector);
        path = (
          await butler.datastore.put(
            { width: 4, height: 4, image, header: { EXPID: exposure, DETECTOR: detector } },
            { ...ref, path },
          )
        ).path;
      }
      raws.push({ dataId, path });
    }
  }
  for (let k = 0; k < raws.length; k += 5000) await r.insertDatasets('raw', RAW_RUN, raws.slice(k, k + 5000));
  return { butler, raws: raws.length };
}
