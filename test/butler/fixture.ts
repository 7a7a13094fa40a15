/** A small repository built by code: ToyCam with 4 detectors, 2 filters and 6 visits. */
import type { Butler } from '../../src/butler/index.js';

export const VISITS = [100, 101, 102, 103, 104, 105];
export const DETECTORS = [0, 1, 2, 3];

function square(ra: number, dec: number, h: number): { vertices: [number, number][] } {
  return {
    vertices: [
      [ra - h, dec - h],
      [ra + h, dec - h],
      [ra + h, dec + h],
      [ra - h, dec + h],
    ],
  };
}

export async function fillFixture(b: Butler): Promise<void> {
  const r = b.registry;
  await r.insertDimensionRecords('instrument', [{ name: 'ToyCam', detector_max: 4, visit_max: 1000 }]);
  await r.insertDimensionRecords('band', [{ name: 'g' }, { name: 'r' }]);
  await r.insertDimensionRecords('physical_filter', [
    { instrument: 'ToyCam', name: 'toy-g', band: 'g' },
    { instrument: 'ToyCam', name: 'toy-r', band: 'r' },
  ]);
  await r.insertDimensionRecords(
    'detector',
    DETECTORS.map((id) => ({ instrument: 'ToyCam', id, full_name: `R00_S0${id}`, raft: 'R00' })),
  );
  await r.insertDimensionRecords('day_obs', [
    { instrument: 'ToyCam', id: 20240101 },
    { instrument: 'ToyCam', id: 20240102 },
  ]);
  const common = (v: number) => ({
    instrument: 'ToyCam',
    id: v,
    physical_filter: v % 2 === 0 ? 'toy-g' : 'toy-r',
    day_obs: v < 103 ? 20240101 : 20240102,
    exposure_time: 30,
  });
  await r.insertDimensionRecords(
    'exposure',
    VISITS.map((v) => ({
      ...common(v),
      obs_id: `TC_${v}`,
      observation_type: 'science',
      timespan_begin: `2024-01-0${v < 103 ? 1 : 2}T05:00:00Z`,
    })),
  );
  await r.insertDimensionRecords(
    'visit',
    VISITS.map((v) => ({ ...common(v), name: `TC_${v}`, region: square(10 + (v - 100), 0, 0.6) })),
  );
  await r.insertDimensionRecords(
    'visit_definition',
    VISITS.map((v) => ({ instrument: 'ToyCam', exposure: v, visit: v })),
  );
  await r.insertDimensionRecords(
    'visit_detector_region',
    VISITS.flatMap((v) =>
      // visit 105 lacks detector 3 (vignetted): the join must drop it
      DETECTORS.filter((d) => !(v === 105 && d === 3)).map((d) => ({
        instrument: 'ToyCam',
        visit: v,
        detector: d,
        region: square(10 + (v - 100) + (d % 2) * 0.5 - 0.25, d < 2 ? -0.25 : 0.25, 0.25),
      })),
    ),
  );
}
