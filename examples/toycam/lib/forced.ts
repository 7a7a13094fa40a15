/**
 * Coadd measurement: detection on coadds, merging detections across bands, and forced
 * aperture photometry at fixed sky positions through
 * a 4-sigma aperture so the coadd PSF (a mix of visits) is enclosed whatever its exact shape.
 */
import { adaptiveSigma, aperturePhotometry, centroid, gaussianEnclosed } from './measure.js';
import { MASK, median, type MaskedImage } from './image.js';
import { matchSky } from './match.js';
import { applyZeroPoint, FLAG, measureSources, type SourceTable } from './process.js';
import { skyToPixel, type TanWcs } from './wcs.js';
import { detectSources } from './detect.js';
import { NJY_ZERO_POINT } from './warp.js';

/** PSF sigma of a coadd from bright, isolated, unflagged detections. */
export function coaddPsfSigma(mi: MaskedImage, guess = 2): number {
  const fps = detectSources(mi, { psfSigma: guess, nSigma: 50 }).filter((f) => !f.flagged);
  for (let i = 0; i < mi.mask.length; i++) mi.mask[i] &= ~MASK.DETECTED;
  const s: number[] = [];
  for (const f of fps) {
    if (!fps.every((g) => g === f || Math.hypot(g.x - f.x, g.y - f.y) > 12 * guess)) continue;
    const c = centroid(mi, f.x, f.y, guess);
    if (c.ok) s.push(adaptiveSigma(mi, c.x, c.y, guess));
  }
  const good = s.filter(Number.isFinite);
  return good.length ? median(good) : guess;
}

/** Detect and measure on a coadd (fluxes in nJy, magnitudes AB). */
export function detectCoadd(
  mi: MaskedImage,
  wcs: TanWcs,
  nSigma = 5,
): { sources: SourceTable; psfSigma: number } {
  const psfSigma = coaddPsfSigma(mi);
  const sources = measureSources(mi, wcs, { psfSigma, nSigma });
  applyZeroPoint(sources, NJY_ZERO_POINT);
  return { sources, psfSigma };
}

export interface MergedDetections {
  id: Int32Array;
  ra: Float64Array;
  dec: Float64Array;
  /** index of the band the detection came from (first band that saw it) */
  band: Int32Array;
}

/** Union of per-band detections: a source counts once if detected within `radiusArcsec` in an earlier band. */
export function mergeDetections(
  perBand: { ra: ArrayLike<number>; dec: ArrayLike<number> }[],
  radiusArcsec = 1,
): MergedDetections {
  const ra: number[] = [];
  const dec: number[] = [];
  const band: number[] = [];
  perBand.forEach((cat, b) => {
    const matched = new Set(matchSky(cat.ra, cat.dec, ra, dec, radiusArcsec).map((m) => m.i));
    for (let k = 0; k < cat.ra.length; k++)
      if (!matched.has(k)) {
        ra.push(cat.ra[k]);
        dec.push(cat.dec[k]);
        band.push(b);
      }
  });
  return {
    id: Int32Array.from(ra, (_, k) => k + 1),
    ra: Float64Array.from(ra),
    dec: Float64Array.from(dec),
    band: Int32Array.from(band),
  };
}

export interface ForcedTable {
  id: Int32Array;
  ra: Float64Array;
  dec: Float64Array;
  x: Float64Array;
  y: Float64Array;
  flux: Float64Array;
  fluxErr: Float64Array;
  mag: Float64Array;
  flags: Int32Array;
}

/** Forced photometry at fixed sky positions on a coadd (nJy in, AB magnitudes out). */
export function forcedPhotometry(
  mi: MaskedImage,
  wcs: TanWcs,
  det: MergedDetections,
  psfSigma: number,
  apertureSigmas = 4,
): ForcedTable {
  const n = det.ra.length;
  const t: ForcedTable = {
    id: Int32Array.from(det.id),
    ra: Float64Array.from(det.ra),
    dec: Float64Array.from(det.dec),
    x: new Float64Array(n),
    y: new Float64Array(n),
    flux: new Float64Array(n),
    fluxErr: new Float64Array(n),
    mag: new Float64Array(n),
    flags: new Int32Array(n),
  };
  for (let k = 0; k < n; k++) [t.x[k], t.y[k]] = skyToPixel(wcs, det.ra[k], det.dec[k]);
  const r = Math.max(3, apertureSigmas * psfSigma);
  // at 4 sigma a Gaussian-like PSF is enclosed to 0.03%; a measured (big/small aperture) correction
  // was tried and is biased by neighbours' light, so the analytic one is used
  const apCorr = 1 / gaussianEnclosed(r, psfSigma);
  for (let k = 0; k < n; k++) {
    const inside = t.x[k] >= 0 && t.y[k] >= 0 && t.x[k] < mi.width && t.y[k] < mi.height;
    if (!inside) {
      t.flags[k] = FLAG.EDGE_OR_SAT;
      t.flux[k] = t.fluxErr[k] = t.mag[k] = NaN;
      continue;
    }
    const ap = aperturePhotometry(mi, t.x[k], t.y[k], r);
    t.flux[k] = ap.flux * apCorr;
    t.fluxErr[k] = ap.fluxErr * apCorr;
    t.mag[k] = t.flux[k] > 0 ? NJY_ZERO_POINT - 2.5 * Math.log10(t.flux[k]) : NaN;
    t.flags[k] = ap.flagged ? FLAG.APERTURE : 0;
  }
  return t;
}
