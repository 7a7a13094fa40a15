/**
 * define-visits: one visit per science exposure (visit id = exposure id), its visit_definition
 * row, the visit region (convex hull of all detectors) and one visit_detector_region per
 * detector, projected from the detectors' focal-plane corners at the exposure's pointing
 * (tracking_ra/dec, rotated by sky_angle).
 */
import { RegistryError } from '../errors.js';
import type { Butler } from './butler.js';
import { detectorCorners, loadRegisteredInstrument } from './instrument.js';
import type { Region } from './region.js';
import { tangentToSky } from './region.js';

type P = [number, number];

/** Convex hull (monotone chain), counter-clockwise. */
export function convexHull(points: P[]): P[] {
  const ps = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (ps.length < 3) return ps;
  const crossZ = (o: P, a: P, b: P): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: P[] = [];
  for (const p of ps) {
    while (lower.length >= 2 && crossZ(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: P[] = [];
  for (const p of ps.reverse()) {
    while (upper.length >= 2 && crossZ(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

export function projectCorners(ra: number, dec: number, skyAngle: number, corners: P[]): Region {
  const t = (skyAngle * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  return { vertices: corners.map(([x, y]) => tangentToSky(ra, dec, x * c - y * s, x * s + y * c)) };
}

export interface DefineVisitsResult {
  visits: number;
  visitDetectorRegions: number;
  skipped: number;
}

export async function defineVisits(butler: Butler, instrument: string): Promise<DefineVisitsResult> {
  const spec = loadRegisteredInstrument(butler.root, instrument);
  const corners = detectorCorners(spec);
  const hull = convexHull([...corners.values()].flat());
  const r = butler.registry;
  const exposures = await r.queryDimensionRecords('exposure', { dataId: { instrument } });
  const defined = new Set(
    (await r.queryDimensionRecords('visit_definition', { dataId: { instrument } })).map((d) =>
      Number(d.exposure),
    ),
  );
  const visits: Record<string, unknown>[] = [];
  const defs: Record<string, unknown>[] = [];
  const vdr: Record<string, unknown>[] = [];
  let skipped = 0;
  for (const e of exposures) {
    const type = String(e.observation_type ?? 'science').toLowerCase();
    if (type !== 'science' || defined.has(Number(e.id))) {
      skipped++;
      continue;
    }
    if (typeof e.tracking_ra !== 'number' || typeof e.tracking_dec !== 'number')
      throw new RegistryError(
        'DEFINE_VISITS_NO_POINTING',
        `Exposure ${String(e.id)} of ${instrument} has no tracking_ra/tracking_dec, so its visit region cannot be computed; fix the exposure record (FITS RA/DEC or import).`,
        { key: `exposure=${String(e.id)}` },
      );
    const angle = typeof e.sky_angle === 'number' ? e.sky_angle : 0;
    visits.push({
      instrument,
      id: e.id,
      name: e.obs_id,
      physical_filter: e.physical_filter,
      day_obs: e.day_obs,
      exposure_time: e.exposure_time,
      target_name: e.target_name,
      observation_reason: e.observation_reason,
      science_program: e.science_program,
      zenith_angle: e.zenith_angle,
      timespan_begin: e.timespan_begin,
      timespan_end: e.timespan_end,
      region: projectCorners(e.tracking_ra, e.tracking_dec, angle, hull),
    });
    defs.push({ instrument, exposure: e.id, visit: e.id });
    for (const [det, cs] of corners)
      vdr.push({
        instrument,
        visit: e.id,
        detector: det,
        region: projectCorners(e.tracking_ra, e.tracking_dec, angle, cs),
      });
  }
  await r.db.transaction(async () => {
    await r.insertDimensionRecords('visit', visits);
    await r.insertDimensionRecords('visit_definition', defs);
    await r.insertDimensionRecords('visit_detector_region', vdr);
  });
  return { visits: visits.length, visitDetectorRegions: vdr.length, skipped };
}
