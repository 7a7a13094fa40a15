/**
 * Measurement: Gaussian-weighted centroids (iterated; unbiased for symmetric sources),
 * adaptive second moments (PSF size), and circular aperture photometry with sub-pixel
 * edges and a local sky from an annulus.
 */
import { MASK, median, type MaskedImage, type Plane } from './image.js';

export interface Centroid {
  x: number;
  y: number;
  ok: boolean;
}

export function centroid(img: Plane, x0: number, y0: number, sigma: number, iterations = 10): Centroid {
  let cx = x0;
  let cy = y0;
  const r = Math.ceil(3 * sigma);
  for (let it = 0; it < iterations; it++) {
    let sw = 0;
    let sx = 0;
    let sy = 0;
    const xa = Math.max(0, Math.round(cx) - r);
    const xb = Math.min(img.width - 1, Math.round(cx) + r);
    const ya = Math.max(0, Math.round(cy) - r);
    const yb = Math.min(img.height - 1, Math.round(cy) + r);
    for (let y = ya; y <= yb; y++)
      for (let x = xa; x <= xb; x++) {
        const wgt =
          Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma)) * img.image[y * img.width + x];
        sw += wgt;
        sx += wgt * (x - cx);
        sy += wgt * (y - cy);
      }
    if (!(sw > 0)) return { x: x0, y: y0, ok: false };
    // weighting by a Gaussian of the same width halves the shift (moments of a product of Gaussians)
    const dx = (2 * sx) / sw;
    const dy = (2 * sy) / sw;
    cx += dx;
    cy += dy;
    if (Math.abs(cx - x0) > r || Math.abs(cy - y0) > r) return { x: x0, y: y0, ok: false };
    if (dx * dx + dy * dy < 1e-8) break;
  }
  return { x: cx, y: cy, ok: true };
}

/** Adaptive (Gaussian-weighted) moments: returns the Gaussian sigma that best matches the source. */
export function adaptiveSigma(img: Plane, cx: number, cy: number, guess = 2): number {
  let s2 = guess * guess;
  for (let it = 0; it < 30; it++) {
    const r = Math.ceil(4 * Math.sqrt(s2));
    let sw = 0;
    let sr = 0;
    for (let y = Math.max(0, Math.floor(cy) - r); y <= Math.min(img.height - 1, Math.floor(cy) + r); y++)
      for (let x = Math.max(0, Math.floor(cx) - r); x <= Math.min(img.width - 1, Math.floor(cx) + r); x++) {
        const d2 = (x - cx) ** 2 + (y - cy) ** 2;
        const wgt = Math.exp(-d2 / (2 * s2)) * img.image[y * img.width + x];
        sw += wgt;
        sr += wgt * d2;
      }
    if (!(sw > 0)) return NaN;
    // for a Gaussian of variance v weighted by one of variance s2: <r^2>/2 = v s2/(v+s2); at the fixed point s2 = v
    const m = sr / sw / 2;
    const next = 2 * m;
    if (!(next > 0)) return NaN;
    if (Math.abs(next - s2) < 1e-6 * s2) {
      s2 = next;
      break;
    }
    s2 = next;
  }
  // correct for the pixel's top-hat (variance 1/12)
  return Math.sqrt(Math.max(s2 - 1 / 12, 1e-6));
}

export interface ApertureResult {
  flux: number;
  fluxErr: number;
  sky: number;
  flagged: boolean;
}

/** Fraction of pixel (x, y) inside the circle, by 5x5 sub-sampling near the edge. */
function coverage(x: number, y: number, cx: number, cy: number, r: number): number {
  const d = Math.hypot(x - cx, y - cy);
  if (d < r - 0.75) return 1;
  if (d > r + 0.75) return 0;
  let n = 0;
  for (let i = 0; i < 5; i++)
    for (let j = 0; j < 5; j++) if (Math.hypot(x - 0.4 + 0.2 * i - cx, y - 0.4 + 0.2 * j - cy) <= r) n++;
  return n / 25;
}

export function aperturePhotometry(
  mi: MaskedImage,
  cx: number,
  cy: number,
  r: number,
  annulus: [number, number] = [r + 3, r + 8],
): ApertureResult {
  let flux = 0;
  let v = 0;
  let area = 0;
  let flagged = false;
  const skyPix: number[] = [];
  const R = Math.ceil(annulus[1]) + 1;
  for (let y = Math.floor(cy) - R; y <= Math.floor(cy) + R; y++)
    for (let x = Math.floor(cx) - R; x <= Math.floor(cx) + R; x++) {
      const inside = x >= 0 && y >= 0 && x < mi.width && y < mi.height;
      const c = coverage(x, y, cx, cy, r);
      if (!inside) {
        if (c > 0) flagged = true;
        continue;
      }
      const k = y * mi.width + x;
      if (c > 0) {
        if (mi.mask[k] & (MASK.SAT | MASK.BAD | MASK.NO_DATA)) flagged = true;
        flux += c * mi.image[k];
        v += c * mi.variance[k];
        area += c;
      } else {
        const d = Math.hypot(x - cx, y - cy);
        if (
          d >= annulus[0] &&
          d <= annulus[1] &&
          !(mi.mask[k] & (MASK.DETECTED | MASK.SAT | MASK.BAD | MASK.CR | MASK.NO_DATA))
        )
          skyPix.push(mi.image[k]);
      }
    }
  const sky = skyPix.length > 10 ? median(skyPix) : 0;
  return { flux: flux - sky * area, fluxErr: Math.sqrt(v), sky, flagged };
}

/** Fraction of a Gaussian PSF's flux inside radius r (the aperture correction is its inverse). */
export function gaussianEnclosed(r: number, sigma: number): number {
  return 1 - Math.exp((-r * r) / (2 * sigma * sigma));
}
