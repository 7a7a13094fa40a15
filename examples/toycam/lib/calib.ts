/**
 * Astrometric and photometric calibration against the reference catalog: match detected
 * sources to reference stars projected through the initial WCS, fit an affine correction of
 * the WCS (new CD matrix and CRPIX) by least squares, and take the photometric zero point as
 * the clipped median of (reference mag - instrumental mag) over good matches.
 */
import { median } from './image.js';
import { matchXY, type Match } from './match.js';
import type { RefCatalog, Band } from './sky.js';
import { skyToPixel, skyToTangent, type TanWcs } from './wcs.js';

export interface AstrometryResult {
  wcs: TanWcs;
  nMatch: number;
  /** rms of the fit residuals in arcsec */
  rmsArcsec: number;
}

/** Solve the 3x3 normal equations (A^T A) p = A^T b for rows [1, dx, dy]. */
function fitPlane(dx: number[], dy: number[], v: number[]): [number, number, number] {
  const m = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const r = [0, 0, 0];
  for (let k = 0; k < v.length; k++) {
    const row = [1, dx[k], dy[k]];
    for (let i = 0; i < 3; i++) {
      r[i] += row[i] * v[k];
      for (let j = 0; j < 3; j++) m[i][j] += row[i] * row[j];
    }
  }
  // Gaussian elimination with partial pivoting
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let i = c + 1; i < 3; i++) if (Math.abs(m[i][c]) > Math.abs(m[p][c])) p = i;
    [m[c], m[p]] = [m[p], m[c]];
    [r[c], r[p]] = [r[p], r[c]];
    for (let i = c + 1; i < 3; i++) {
      const f = m[i][c] / m[c][c];
      for (let j = c; j < 3; j++) m[i][j] -= f * m[c][j];
      r[i] -= f * r[c];
    }
  }
  const p = [0, 0, 0];
  for (let i = 2; i >= 0; i--) {
    let s = r[i];
    for (let j = i + 1; j < 3; j++) s -= m[i][j] * p[j];
    p[i] = s / m[i][i];
  }
  return [p[0], p[1], p[2]];
}

function refPixels(ref: RefCatalog, wcs: TanWcs): [Float64Array, Float64Array] {
  const x = new Float64Array(ref.ra.length);
  const y = new Float64Array(ref.ra.length);
  for (let k = 0; k < x.length; k++) [x[k], y[k]] = skyToPixel(wcs, ref.ra[k], ref.dec[k]);
  return [x, y];
}

export function fitAstrometry(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  ref: RefCatalog,
  initial: TanWcs,
  matchRadiusPix = 10,
): AstrometryResult {
  let wcs = initial;
  let rmsArcsec = NaN;
  let matches: Match[] = [];
  let radius = matchRadiusPix;
  for (let it = 0; it < 4; it++) {
    const [rx, ry] = refPixels(ref, wcs);
    matches = matchXY(x, y, rx, ry, radius);
    if (matches.length < 4) break;
    if (it === 0) {
      // coarse step: remove the median offset before fitting, so wrong nearest neighbours drop out
      const ox = median(matches.map((m) => rx[m.j] - x[m.i]));
      const oy = median(matches.map((m) => ry[m.j] - y[m.i]));
      wcs = { ...wcs, crpix: [wcs.crpix[0] - ox, wcs.crpix[1] - oy] };
      radius = 2;
      continue;
    }
    const dx = matches.map((m) => x[m.i] + 1 - wcs.crpix[0]);
    const dy = matches.map((m) => y[m.i] + 1 - wcs.crpix[1]);
    const xi: number[] = [];
    const eta: number[] = [];
    for (const m of matches) {
      const [a, b] = skyToTangent(ref.ra[m.j], ref.dec[m.j], wcs.crval[0], wcs.crval[1]);
      xi.push(a);
      eta.push(b);
    }
    const [a0, a1, a2] = fitPlane(dx, dy, xi);
    const [b0, b1, b2] = fitPlane(dx, dy, eta);
    const det = a1 * b2 - a2 * b1;
    // xi = a0 + CD.(p - crpix)  =>  crpix' = crpix - CD^-1 (a0, b0)
    const sx = (b2 * a0 - a2 * b0) / det;
    const sy = (-b1 * a0 + a1 * b0) / det;
    wcs = {
      crval: wcs.crval,
      crpix: [wcs.crpix[0] - sx, wcs.crpix[1] - sy],
      cd: [
        [a1, a2],
        [b1, b2],
      ],
    };
    let ss = 0;
    for (let k = 0; k < matches.length; k++) {
      const rx2 = a0 + a1 * dx[k] + a2 * dy[k] - xi[k];
      const ry2 = b0 + b1 * dx[k] + b2 * dy[k] - eta[k];
      ss += rx2 * rx2 + ry2 * ry2;
    }
    rmsArcsec = Math.sqrt(ss / matches.length) * 3600;
    radius = 1.5;
  }
  return { wcs, nMatch: matches.length, rmsArcsec };
}

export interface PhotoCalibResult {
  zeroPoint: number;
  nMatch: number;
  /** robust scatter of the matches in mag */
  scatter: number;
}

/**
 * Zero point from sources with sky positions (ra, dec) and instrumental fluxes; only matches
 * with `good[i]` (unsaturated, isolated, high S/N) are used.
 */
export function fitZeroPoint(
  ra: ArrayLike<number>,
  dec: ArrayLike<number>,
  flux: ArrayLike<number>,
  good: ArrayLike<boolean | number>,
  ref: RefCatalog,
  band: Band,
  wcs: TanWcs,
  radiusPix = 1.5,
): PhotoCalibResult {
  const [rx, ry] = refPixels(ref, wcs);
  const sx = new Float64Array(ra.length);
  const sy = new Float64Array(ra.length);
  for (let k = 0; k < ra.length; k++) [sx[k], sy[k]] = skyToPixel(wcs, ra[k], dec[k]);
  const d: number[] = [];
  for (const m of matchXY(sx, sy, rx, ry, radiusPix)) {
    if (!good[m.i] || !(flux[m.i] > 0)) continue;
    d.push(ref.mag[band][m.j] + 2.5 * Math.log10(flux[m.i]));
  }
  if (d.length === 0) return { zeroPoint: NaN, nMatch: 0, scatter: NaN };
  let zp = median(d);
  const mad = median(d.map((v) => Math.abs(v - zp))) * 1.4826;
  const kept = d.filter((v) => Math.abs(v - zp) < Math.max(3 * mad, 0.01));
  zp = median(kept);
  return { zeroPoint: zp, nMatch: kept.length, scatter: mad };
}
