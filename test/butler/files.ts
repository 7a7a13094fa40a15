/** Input files for the butler tests and the bench, written by code. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { stringify } from 'yaml';

/** ToyCam: an nx x ny grid of detectors of 2000x2000 0.2" pixels (0.111 deg each). */
export function instrumentYaml(dir: string, opts: { name?: string; nx?: number; ny?: number } = {}): string {
  const nx = opts.nx ?? 2;
  const ny = opts.ny ?? 2;
  const size = (2000 * 0.2) / 3600;
  const detectors = [];
  for (let y = 0; y < ny; y++)
    for (let x = 0; x < nx; x++)
      detectors.push({
        id: y * nx + x,
        full_name: `R00_S${y}${x}`,
        raft: 'R00',
        name_in_raft: `S${y}${x}`,
        offset: [(x - (nx - 1) / 2) * size, (y - (ny - 1) / 2) * size],
      });
  const file = join(dir, 'instrument.yaml');
  writeFileSync(
    file,
    stringify({
      name: opts.name ?? 'ToyCam',
      pixel_scale: 0.2,
      detector_size: [2000, 2000],
      detectors,
      physical_filters: [
        { name: 'toy-g', band: 'g' },
        { name: 'toy-r', band: 'r' },
      ],
    }),
  );
  return file;
}

export function skymapYaml(dir: string): string {
  const file = join(dir, 'skymap.yaml');
  writeFileSync(
    file,
    stringify({
      name: 'toy_skymap',
      pixel_scale: 0.2,
      patch_inner: [1000, 1000],
      patch_border: 50,
      patches: [4, 4],
      tract_grid: { ra: [10, 11], dec: [0, 0], step: 1 },
    }),
  );
  return file;
}

const uuidOf = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/**
 * A daf_butler-style export: ToyCam with `detectors` detectors and `visits` visits (one exposure
 * each), visit_detector_region for every pair, and one raw per exposure x detector.
 */
export function exportYaml(
  dir: string,
  opts: { visits: number; detectors: number; extras?: boolean },
): string {
  const { visits, detectors } = opts;
  const ids = Array.from({ length: visits }, (_, i) => 1000 + i);
  const dets = Array.from({ length: detectors }, (_, i) => i);
  const sq = (ra: number, dec: number, h: number) => ({
    vertices: [
      [ra - h, dec - h],
      [ra + h, dec - h],
      [ra + h, dec + h],
      [ra - h, dec + h],
    ],
  });
  const filt = (v: number) => (v % 2 ? 'toy-r' : 'toy-g');
  const data: unknown[] = [
    {
      type: 'dimension',
      element: 'instrument',
      records: [{ name: 'ToyCam', detector_max: detectors, visit_max: 100000, exposure_max: 100000 }],
    },
    { type: 'dimension', element: 'band', records: [{ name: 'g' }, { name: 'r' }] },
    {
      type: 'dimension',
      element: 'physical_filter',
      records: [
        { instrument: 'ToyCam', name: 'toy-g', band: 'g' },
        { instrument: 'ToyCam', name: 'toy-r', band: 'r' },
      ],
    },
    {
      type: 'dimension',
      element: 'detector',
      records: dets.map((d) => ({ instrument: 'ToyCam', id: d, full_name: `D${d}` })),
    },
    { type: 'dimension', element: 'day_obs', records: [{ instrument: 'ToyCam', id: 20240101 }] },
    {
      type: 'dimension',
      element: 'exposure',
      records: ids.map((v) => ({
        instrument: 'ToyCam',
        id: v,
        obs_id: `TC_${v}`,
        physical_filter: filt(v),
        day_obs: 20240101,
        observation_type: 'science',
        exposure_time: 30,
        tracking_ra: 10 + (v - 1000) * 0.01,
        tracking_dec: 0,
        ...(opts.extras
          ? {
              // not in any universe: the import reports it
              pressure_hpa: 1012.5,
              timespan: { begin: '2024-01-01 05:00:00.000000000', end: '2024-01-01 05:00:30.000000000' },
            }
          : {}),
      })),
    },
    {
      type: 'dimension',
      element: 'visit',
      records: ids.map((v) => ({
        instrument: 'ToyCam',
        id: v,
        name: `TC_${v}`,
        physical_filter: filt(v),
        day_obs: 20240101,
        region: sq(10 + (v - 1000) * 0.01, 0, 1),
      })),
    },
    {
      type: 'dimension',
      element: 'visit_definition',
      records: ids.map((v) => ({ instrument: 'ToyCam', exposure: v, visit: v })),
    },
    {
      type: 'dimension',
      element: 'visit_detector_region',
      records: ids.flatMap((v) =>
        dets.map((d) => ({
          instrument: 'ToyCam',
          visit: v,
          detector: d,
          region: sq(10 + (v - 1000) * 0.01, d * 0.01, 0.05),
        })),
      ),
    },
    {
      type: 'collection',
      collection_type: 'RUN',
      name: 'ToyCam/raw/all',
      host: null,
      timespan_begin: null,
      timespan_end: null,
    },
    { type: 'collection', collection_type: 'CHAINED', name: 'ToyCam/defaults', children: ['ToyCam/raw/all'] },
    {
      type: 'dataset_type',
      name: 'raw',
      dimensions: ['instrument', 'detector', 'exposure'],
      storage_class: 'Exposure',
      is_calibration: false,
    },
    {
      type: 'dataset',
      dataset_type: 'raw',
      run: 'ToyCam/raw/all',
      records: ids.flatMap((v, i) =>
        dets.map((d) => ({
          dataset_id: [`!uuid:${uuidOf(i * detectors + d + 1)}`],
          data_id: [{ instrument: 'ToyCam', detector: d, exposure: v }],
          path: `ToyCam/raw/all/raw/${v}/raw_${v}_${d}.fits`,
          formatter: 'lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter',
        })),
      ),
    },
  ];
  if (opts.extras)
    data.push({
      type: 'dimension',
      element: 'weather_station',
      records: [{ instrument: 'ToyCam', id: 0, name: 'one-to-one' }],
    });
  const text = dump(
    {
      description: 'Butler Data Repository Export',
      version: '1.0.2',
      universe_version: 7,
      universe_namespace: 'daf_butler',
      data,
    },
    { lineWidth: -1 },
  )
    // the Butler tags dataset ids: `- !uuid '...'`
    .replace(/["']?!uuid:([0-9a-f-]{36})["']?/g, "!uuid '$1'");
  const file = join(dir, 'export.yaml');
  writeFileSync(file, text);
  return file;
}
