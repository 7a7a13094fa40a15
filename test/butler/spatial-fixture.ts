/**
 * A small repository with known geometry where the observation and sky-map families meet:
 * Cam1 with 4 detectors (2 x 2 squares of 0.2 deg) and 3 visits, a sky map of 2 tracts of
 * 2 x 3 patches (0.25 deg squares). Plain records, so the same content can go into quanta and
 * into the real Butler (spatial-oracle.test.ts, through the shared oracle). Away from ra = 0 and
 * dec = 0 so that no edge lies on an HTM root boundary.
 */
import type { Registry } from '../../src/butler/registry/registry.js';

type V = [number, number];

export function square(ra: number, dec: number, w: number, h = w): { vertices: V[] } {
  return {
    vertices: [
      [ra, dec],
      [ra + w, dec],
      [ra + w, dec + h],
      [ra, dec + h],
    ],
  };
}

export const RA0 = 45.3;
export const DEC0 = 20.3;

/** visit centres (lower-left corner of the 0.4 deg camera footprint) */
export const VISIT_ORIGINS: Record<number, V> = {
  1: [RA0 + 0.05, DEC0 + 0.05],
  2: [RA0 + 0.22, DEC0 + 0.61],
  3: [RA0 + 2.0, DEC0 + 2.0], // far from every patch
};

export function spatialRecords(): Record<string, Record<string, unknown>[]> {
  const visits = Object.keys(VISIT_ORIGINS).map(Number);
  const detector = (d: number): V => [((d - 1) % 2) * 0.2, Math.floor((d - 1) / 2) * 0.2];
  const patches: Record<string, unknown>[] = [];
  for (const tract of [0, 1])
    for (let id = 0; id < 6; id++) {
      const x = id % 2;
      const y = Math.floor(id / 2);
      patches.push({
        skymap: 'SkyMap1',
        tract,
        id,
        cell_x: x,
        cell_y: y,
        region: square(RA0 + x * 0.25, DEC0 + tract * 0.75 + y * 0.25, 0.25),
      });
    }
  return {
    instrument: [{ name: 'Cam1', visit_max: 1024, detector_max: 5, exposure_max: 1024 }],
    physical_filter: [{ instrument: 'Cam1', name: 'Cam1-G', band: 'g' }],
    detector: [1, 2, 3, 4].map((id) => ({ instrument: 'Cam1', id, full_name: `D${id}` })),
    day_obs: [{ instrument: 'Cam1', id: 20210909 }],
    visit: visits.map((id) => ({
      instrument: 'Cam1',
      id,
      name: `v${id}`,
      physical_filter: 'Cam1-G',
      day_obs: 20210909,
      region: square(VISIT_ORIGINS[id][0], VISIT_ORIGINS[id][1], 0.4),
    })),
    visit_detector_region: visits.flatMap((visit) =>
      [1, 2, 3, 4].map((d) => ({
        instrument: 'Cam1',
        visit,
        detector: d,
        region: square(
          VISIT_ORIGINS[visit][0] + detector(d)[0] + 0.01,
          VISIT_ORIGINS[visit][1] + detector(d)[1] + 0.01,
          0.18,
        ),
      })),
    ),
    skymap: [{ name: 'SkyMap1', hash: 'aa', tract_max: 2, patch_nx_max: 2, patch_ny_max: 3 }],
    tract: [0, 1].map((id) => ({
      skymap: 'SkyMap1',
      id,
      region: square(RA0, DEC0 + id * 0.75, 0.5, 0.75),
    })),
    patch: patches,
  };
}

/** The elements of the spatial content, in insertion order (parents first). */
export const SPATIAL_ELEMENTS = [
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

export async function fillSpatial(r: Registry): Promise<void> {
  const recs = spatialRecords();
  await r.insertDimensionRecords('band', [{ name: 'g' }]);
  for (const el of SPATIAL_ELEMENTS) await r.insertDimensionRecords(el, recs[el]);
}
