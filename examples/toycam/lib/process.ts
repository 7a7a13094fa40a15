/**
 * The single-frame steps as plain functions over typed arrays: characterize (background, cosmic
 * rays, PSF size) and measure/calibrate (detection, centroids, aperture photometry,
 * astrometric and photometric calibration). The pipeline tasks are thin wrappers around these.
 */
import { subtractBackground } from './background.js';
import { fitAstrometry, fitZeroPoint } from './calib.js';
import { maskCosmicRays } from './cosmic.js';
import { detectSources } from './detect.js';
import { MASK, median, type MaskedImage } from './image.js';
import { adaptiveSigma, aperturePhotometry, centroid, gaussianEnclosed } from './measure.js';
import type { Band, RefCatalog } from './sky.js';
import { pixelToSky, type TanWcs } from './wcs.js';

export const FLAG = { EDGE_OR_SAT: 1, BLENDED: 2, CENTROID: 4, APERTURE: 8 } as const;

export interface SourceTable {
  id: Int32Array;
  x: Float64Array;
  y: Float64Array;
  ra: Float64Array;
  dec: Float64Array;
  flux: Float64Array;
  fluxErr: Float64Array;
  mag: Float64Array;
  magErr: Float64Array;
  flags: Int32Array;
}

export interface CharacterizeResult {
  psfSigma: number;
  background: number;
  nCosmicRays: number;
  nPsfStars: number;
}

export interface CharacterizeOptions {
  backgroundCell?: number;
  psfGuess?: number;
}

/** Background subtraction, cosmic-ray masking and PSF size; modifies `mi` in place. */
export function characterize(mi: MaskedImage, o: CharacterizeOptions = {}): CharacterizeResult {
  const background = subtractBackground(mi, mi.mask, o.backgroundCell ?? 64);
  const guess = o.psfGuess ?? 2;
  // first CR pass with a narrow PSF guess catches the obvious hits before PSF stars are chosen
  let nCr = maskCosmicRays(mi, { psfSigma: Math.max(1, guess * 0.6) });
  const fps = detectSources(mi, { psfSigma: guess, nSigma: 30 }).filter((f) => !f.flagged);
  const sig: number[] = [];
  for (const f of fps) {
    const isolated = fps.every((g) => g === f || Math.hypot(g.x - f.x, g.y - f.y) > 12 * guess);
    if (!isolated) continue;
    const c = centroid(mi, f.x, f.y, guess);
    if (!c.ok) continue;
    const s = adaptiveSigma(mi, c.x, c.y, guess);
    if (Number.isFinite(s)) sig.push(s);
    if (sig.length >= 50) break;
  }
  const psfSigma = sig.length ? median(sig) : guess;
  nCr += maskCosmicRays(mi, { psfSigma });
  for (let i = 0; i < mi.mask.length; i++) mi.mask[i] &= ~MASK.DETECTED;
  return { psfSigma, background, nCosmicRays: nCr, nPsfStars: sig.length };
}

export interface MeasureOptions {
  psfSigma: number;
  nSigma?: number;
  /** aperture radius in units of the PSF sigma */
  apertureSigmas?: number;
}

/** Detect, centroid and measure aperture fluxes (aperture-corrected to total for point sources). */
export function measureSources(mi: MaskedImage, wcs: TanWcs, o: MeasureOptions): SourceTable {
  const fps = detectSources(mi, { psfSigma: o.psfSigma, nSigma: o.nSigma ?? 5 });
  const n = fps.length;
  const t = emptyTable(n);
  const r = Math.max(3, (o.apertureSigmas ?? 3) * o.psfSigma);
  const apCorr = 1 / gaussianEnclosed(r, o.psfSigma);
  fps.forEach((f, k) => {
    const c = centroid(mi, f.x, f.y, o.psfSigma);
    t.id[k] = f.id;
    t.x[k] = c.x;
    t.y[k] = c.y;
    [t.ra[k], t.dec[k]] = pixelToSky(wcs, c.x, c.y);
    const ap = aperturePhotometry(mi, c.x, c.y, r);
    t.flux[k] = ap.flux * apCorr;
    t.fluxErr[k] = ap.fluxErr * apCorr;
    let flags = 0;
    if (f.flagged) flags |= FLAG.EDGE_OR_SAT;
    if (!c.ok) flags |= FLAG.CENTROID;
    if (ap.flagged) flags |= FLAG.APERTURE;
    t.flags[k] = flags;
  });
  markBlended(t, r + 3 * o.psfSigma);
  return t;
}

/** Flag sources with a neighbour closer than `dist` pixels. */
export function markBlended(t: SourceTable, dist: number): void {
  const n = t.x.length;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      if (Math.abs(t.x[i] - t.x[j]) < dist && Math.hypot(t.x[i] - t.x[j], t.y[i] - t.y[j]) < dist) {
        t.flags[i] |= FLAG.BLENDED;
        t.flags[j] |= FLAG.BLENDED;
      }
}

export function emptyTable(n: number): SourceTable {
  return {
    id: new Int32Array(n),
    x: new Float64Array(n),
    y: new Float64Array(n),
    ra: new Float64Array(n),
    dec: new Float64Array(n),
    flux: new Float64Array(n),
    fluxErr: new Float64Array(n),
    mag: new Float64Array(n).fill(NaN),
    magErr: new Float64Array(n).fill(NaN),
    flags: new Int32Array(n),
  };
}

export interface CalibrateResult {
  wcs: TanWcs;
  zeroPoint: number;
  astromRmsArcsec: number;
  nAstromMatch: number;
  nPhotoMatch: number;
  sources: SourceTable;
}

/** Measure, fit the WCS, recompute sky positions, fit the zero point and fill calibrated magnitudes. */
export function calibrate(
  mi: MaskedImage,
  initialWcs: TanWcs,
  ref: RefCatalog,
  band: Band,
  o: MeasureOptions,
): CalibrateResult {
  const sources = measureSources(mi, initialWcs, o);
  const good = (k: number): boolean => sources.flags[k] === 0 && sources.flux[k] > 50 * sources.fluxErr[k];
  const idx = [...sources.x.keys()].filter(good);
  const astro = fitAstrometry(
    idx.map((k) => sources.x[k]),
    idx.map((k) => sources.y[k]),
    ref,
    initialWcs,
  );
  for (let k = 0; k < sources.x.length; k++)
    [sources.ra[k], sources.dec[k]] = pixelToSky(astro.wcs, sources.x[k], sources.y[k]);
  const goodArr = Uint8Array.from(sources.x, (_, k) => (good(k) ? 1 : 0));
  const zp = fitZeroPoint(sources.ra, sources.dec, sources.flux, goodArr, ref, band, astro.wcs);
  applyZeroPoint(sources, zp.zeroPoint);
  return {
    wcs: astro.wcs,
    zeroPoint: zp.zeroPoint,
    astromRmsArcsec: astro.rmsArcsec,
    nAstromMatch: astro.nMatch,
    nPhotoMatch: zp.nMatch,
    sources,
  };
}

export function applyZeroPoint(t: SourceTable, zp: number): void {
  for (let k = 0; k < t.flux.length; k++) {
    t.mag[k] = t.flux[k] > 0 ? zp - 2.5 * Math.log10(t.flux[k]) : NaN;
    t.magErr[k] = t.flux[k] > 0 ? (1.0857 * t.fluxErr[k]) / t.flux[k] : NaN;
  }
}

/** Columns for the Catalog storage class. */
export function tableToColumns(t: SourceTable): Record<string, Float64Array | Int32Array> {
  return { ...t };
}

export function tableFromColumns(c: Record<string, ArrayLike<number> | string[]>): SourceTable {
  const f = (k: string): Float64Array => Float64Array.from(c[k] as ArrayLike<number>);
  const i = (k: string): Int32Array => Int32Array.from(c[k] as ArrayLike<number>);
  return {
    id: i('id'),
    x: f('x'),
    y: f('y'),
    ra: f('ra'),
    dec: f('dec'),
    flux: f('flux'),
    fluxErr: f('fluxErr'),
    mag: f('mag'),
    magErr: f('magErr'),
    flags: i('flags'),
  };
}
