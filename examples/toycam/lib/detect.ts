/**
 * Source detection: smooth with the PSF (a matched filter), threshold at n sigma of the
 * smoothed noise, label connected footprints (4-connectivity, union-find), and return the
 * peak of each footprint.
 */
import { MASK, type MaskedImage } from './image.js';

export interface Footprint {
  id: number;
  /** peak pixel in the smoothed image */
  x: number;
  y: number;
  npix: number;
  peak: number;
  /** true when the footprint touches a saturated or edge pixel */
  flagged: boolean;
}

function gaussKernel(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/** Separable Gaussian convolution (edges: renormalised over the pixels inside). */
export function smooth(img: Float32Array, w: number, h: number, sigma: number): Float32Array {
  const k = gaussKernel(sigma);
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      let ws = 0;
      for (let i = -r; i <= r; i++) {
        const xx = x + i;
        if (xx < 0 || xx >= w) continue;
        s += k[i + r] * img[y * w + xx];
        ws += k[i + r];
      }
      tmp[y * w + x] = s / ws;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      let ws = 0;
      for (let i = -r; i <= r; i++) {
        const yy = y + i;
        if (yy < 0 || yy >= h) continue;
        s += k[i + r] * tmp[yy * w + x];
        ws += k[i + r];
      }
      out[y * w + x] = s / ws;
    }
  return out;
}

export interface DetectOptions {
  psfSigma: number;
  nSigma?: number;
  minPix?: number;
}

/** Detect on a background-subtracted masked image; sets the DETECTED mask bit. */
export function detectSources(mi: MaskedImage, o: DetectOptions): Footprint[] {
  const { width: w, height: h } = mi;
  const sm = smooth(mi.image, w, h, o.psfSigma);
  // noise of the smoothed image: a Gaussian of sigma s reduces white noise by sqrt(4 pi s^2)
  const vars = Float64Array.from(mi.variance).sort();
  const medVar = vars[vars.length >> 1];
  const thresh = (o.nSigma ?? 5) * Math.sqrt(medVar / (4 * Math.PI * o.psfSigma * o.psfSigma));
  const parent = new Int32Array(w * h).fill(-1);
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  const bad = MASK.BAD | MASK.NO_DATA;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const k = y * w + x;
      if (sm[k] <= thresh || mi.mask[k] & bad) continue;
      parent[k] = k;
      if (x > 0 && parent[k - 1] >= 0) parent[find(k)] = find(k - 1);
      if (y > 0 && parent[k - w] >= 0) {
        const a = find(k);
        const b = find(k - w);
        if (a !== b) parent[a] = b;
      }
    }
  const byRoot = new Map<number, Footprint>();
  for (let k = 0; k < w * h; k++) {
    if (parent[k] < 0) continue;
    mi.mask[k] |= MASK.DETECTED;
    const r = find(k);
    let fp = byRoot.get(r);
    const x = k % w;
    const y = (k - x) / w;
    if (!fp) {
      fp = { id: 0, x, y, npix: 0, peak: -Infinity, flagged: false };
      byRoot.set(r, fp);
    }
    fp.npix++;
    if (sm[k] > fp.peak) {
      fp.peak = sm[k];
      fp.x = x;
      fp.y = y;
    }
    if (
      mi.mask[k] & (MASK.SAT | MASK.EDGE | MASK.NO_DATA) ||
      x === 0 ||
      y === 0 ||
      x === w - 1 ||
      y === h - 1
    )
      fp.flagged = true;
  }
  const out = [...byRoot.values()].filter((f) => f.npix >= (o.minPix ?? 3));
  out.sort((a, b) => b.peak - a.peak);
  out.forEach((f, i) => (f.id = i + 1));
  return out;
}
