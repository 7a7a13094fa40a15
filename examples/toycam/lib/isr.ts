/**
 * Instrument signature removal: subtract the master bias, divide by the master flat, mask
 * saturated pixels and build the variance plane (Poisson from the signal + read noise),
 * all in electrons.
 */
import { TOYCAM } from './camera.js';
import { MASK, type MaskedImage, type Plane } from './image.js';

export interface IsrOptions {
  gain?: number;
  readNoise?: number;
  saturation?: number;
}

export function runIsr(raw: Plane, bias: Plane, flat: Plane, o: IsrOptions = {}): MaskedImage {
  const gain = o.gain ?? TOYCAM.gain;
  const rn = o.readNoise ?? TOYCAM.readNoise;
  const sat = o.saturation ?? TOYCAM.saturation;
  const n = raw.width * raw.height;
  const image = new Float32Array(n);
  const variance = new Float32Array(n);
  const mask = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const e = (raw.image[i] - bias.image[i]) * gain;
    const f = flat.image[i];
    if (!(f > 0.05)) {
      mask[i] |= MASK.BAD;
      continue;
    }
    image[i] = e / f;
    variance[i] = (Math.max(e, 0) + rn * rn) / (f * f);
    if (raw.image[i] >= sat) mask[i] |= MASK.SAT;
  }
  // grow saturation by one pixel: bleed edges are not trustworthy either
  const w = raw.width;
  const sat0 = Uint8Array.from(mask, (m) => (m & MASK.SAT ? 1 : 0));
  for (let y = 0; y < raw.height; y++)
    for (let x = 0; x < w; x++)
      if (sat0[y * w + x])
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            const yy = y + dy;
            if (xx >= 0 && yy >= 0 && xx < w && yy < raw.height) mask[yy * w + xx] |= MASK.SAT;
          }
  return { width: raw.width, height: raw.height, image, variance, mask };
}
