/**
 * The ToyCam survey plan: the field, the sky seed and one pointing per visit (band cycling
 * g, r, i; dithers; seeing that varies per visit). Shared by the data generator and the docs.
 */
import { defaultGeometry, detectorOrigin, fieldHalfWidthDeg, type CameraGeometry } from './camera.js';
import { hashSeed, makeRng } from './rng.js';
import { BANDS, type Band } from './sky.js';

export const FIELD = { ra: 150.0, dec: 2.0 };

export interface VisitPlan {
  id: number;
  band: Band;
  ra: number;
  dec: number;
  psfSigma: number;
  exptime: number;
  dateObs: string;
  mjd: number;
}

export function planVisits(n: number, seed: number): VisitPlan[] {
  const rng = makeRng(hashSeed(seed, 31));
  const out: VisitPlan[] = [];
  const t0 = Date.UTC(2026, 0, 10, 3, 0, 0);
  for (let i = 0; i < n; i++) {
    const dra = ((2 * rng.uniform() - 1) * 40) / 3600;
    const ddec = ((2 * rng.uniform() - 1) * 40) / 3600;
    const t = t0 + i * 90_000;
    out.push({
      id: 1000 + i,
      band: BANDS[i % 3],
      ra: FIELD.ra + dra / Math.cos((FIELD.dec * Math.PI) / 180),
      dec: FIELD.dec + ddec,
      // seeing 0.55"-0.9" FWHM-ish: sigma 1.4-2.2 pixels of 0.4"
      psfSigma: 1.4 + 0.8 * rng.uniform(),
      exptime: 30,
      dateObs: new Date(t).toISOString().replace('Z', ''),
      mjd: 40587 + t / 86_400_000,
    });
  }
  return out;
}

/** Instrument YAML for `quanta butler register-instrument` (detector centres in focal-plane degrees, x east). */
export function instrumentYaml(g: CameraGeometry = defaultGeometry()): string {
  const s = g.pixelScale / 3600;
  const lines = [
    '# ToyCam: a 3x3 mosaic of 400x400 detectors at 0.4"/pixel, filters g, r, i.',
    '# Written by examples/toycam/lib/survey.ts (instrumentYaml); regenerate rather than edit.',
    'name: ToyCam',
    'class_name: examples.toycam.ToyCam',
    `pixel_scale: ${g.pixelScale}`,
    `detector_size: [${g.size}, ${g.size}]`,
    'physical_filters:',
    ...BANDS.map((b) => `  - { name: ${b}_toy, band: ${b} }`),
    'detectors:',
  ];
  for (let d = 0; d < g.side * g.side; d++) {
    const [ox, oy] = detectorOrigin(g, d);
    const cx = -(ox + (g.size - 1) / 2) * s;
    const cy = (oy + (g.size - 1) / 2) * s;
    lines.push(
      `  - { id: ${d}, full_name: R00_S${Math.floor(d / g.side)}${d % g.side}, offset: [${cx.toFixed(7)}, ${cy.toFixed(7)}] }`,
    );
  }
  return lines.join('\n') + '\n';
}

export function fieldHalfWidth(): number {
  return fieldHalfWidthDeg(defaultGeometry());
}
