/**
 * Cosmic-ray masking with a sharpness test: a cosmic ray is sharper than any star can be
 * through the PSF, so a pixel well above the noise whose 4-neighbour mean is much lower than
 * it (more than a Gaussian PSF of the measured width allows) is flagged and replaced by the
 * median of its unflagged neighbours. Repeated so 2-3 pixel tracks are found whole.
 */
import { MASK, median, type MaskedImage } from './image.js';

export interface CrOptions {
  psfSigma: number;
  nSigma?: number;
  iterations?: number;
}

export function maskCosmicRays(mi: MaskedImage, o: CrOptions): number {
  const { width: w, height: h, image, variance, mask } = mi;
  const nSig = o.nSigma ?? 6;
  // Peak-to-neighbour ratio of a pixelated Gaussian: neighbours keep exp(-1/(2 s^2)) of the peak.
  const psfKeep = Math.exp(-1 / (2 * o.psfSigma * o.psfSigma));
  // allow a generous margin (x0.5) for noise and sub-pixel offsets
  const minSharp = 1 - 0.5 * psfKeep;
  let total = 0;
  for (let it = 0; it < (o.iterations ?? 3); it++) {
    const found: number[] = [];
    for (let y = 1; y < h - 1; y++)
      for (let x = 1; x < w - 1; x++) {
        const k = y * w + x;
        if (mask[k] & (MASK.SAT | MASK.CR | MASK.BAD)) continue;
        const v = image[k];
        const s = Math.sqrt(variance[k]);
        if (!(v > nSig * s)) continue;
        const nb = (image[k - 1] + image[k + 1] + image[k - w] + image[k + w]) / 4;
        if (v - nb > nSig * s && (v - nb) / v > minSharp) found.push(k);
      }
    if (found.length === 0) break;
    for (const k of found) mask[k] |= MASK.CR;
    for (const k of found) {
      const nbs = [k - 1, k + 1, k - w, k + w, k - w - 1, k - w + 1, k + w - 1, k + w + 1].filter(
        (j) => !(mask[j] & MASK.CR),
      );
      image[k] = nbs.length ? median(nbs.map((j) => image[j])) : 0;
    }
    total += found.length;
  }
  return total;
}
