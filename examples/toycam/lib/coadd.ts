/**
 * Coaddition: the inverse-variance weighted mean of warps, one weight per warp (1 / its median
 * variance, as LSST's assembleCoadd does, so bright pixels are not down-weighted by their own
 * Poisson noise), skipping pixels a warp does not cover or marks saturated/bad.
 */
import { MASK, median, type MaskedImage } from './image.js';

export function assembleCoadd(warps: MaskedImage[]): MaskedImage & { nImages: Int32Array } {
  if (warps.length === 0) throw new Error('assembleCoadd needs at least one warp');
  const { width, height } = warps[0];
  const n = width * height;
  const reject = MASK.NO_DATA | MASK.SAT | MASK.BAD;
  const weights = warps.map((w) => {
    const vs: number[] = [];
    for (let k = 0; k < n; k += 7) if (!(w.mask[k] & reject) && w.variance[k] > 0) vs.push(w.variance[k]);
    const mv = median(vs);
    return mv > 0 ? 1 / mv : 0;
  });
  const image = new Float32Array(n);
  const variance = new Float32Array(n);
  const mask = new Int32Array(n);
  const nImages = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let sw = 0;
    let s = 0;
    let sv = 0;
    let m = 0;
    for (let q = 0; q < warps.length; q++) {
      const w = warps[q];
      if (w.mask[k] & reject || weights[q] === 0) {
        m |= w.mask[k] & MASK.SAT;
        continue;
      }
      sw += weights[q];
      s += weights[q] * w.image[k];
      sv += weights[q] * weights[q] * w.variance[k];
      m |= w.mask[k] & MASK.CR;
      nImages[k]++;
    }
    if (sw > 0) {
      image[k] = s / sw;
      variance[k] = sv / (sw * sw);
      mask[k] = m;
    } else mask[k] = MASK.NO_DATA | m;
  }
  return { width, height, image, variance, mask, nImages };
}
