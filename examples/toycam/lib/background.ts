/**
 * Background: the clipped median of each mesh cell of unmasked pixels, bilinearly
 * interpolated between cell centres (what afw's background does with its default settings).
 */
import { median, type Plane } from './image.js';

export interface Background {
  nx: number;
  ny: number;
  cell: number;
  values: Float32Array;
}

export function estimateBackground(
  img: Plane,
  mask: Int32Array | undefined,
  cell = 64,
  badMask = ~0,
): Background {
  const nx = Math.max(1, Math.round(img.width / cell));
  const ny = Math.max(1, Math.round(img.height / cell));
  const values = new Float32Array(nx * ny);
  const cw = img.width / nx;
  const ch = img.height / ny;
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      const px: number[] = [];
      for (let y = Math.floor(j * ch); y < Math.floor((j + 1) * ch); y++)
        for (let x = Math.floor(i * cw); x < Math.floor((i + 1) * cw); x++) {
          const k = y * img.width + x;
          if (!mask || (mask[k] & badMask) === 0) px.push(img.image[k]);
        }
      // one 3-sigma clip around the median keeps stars out of the estimate
      let m = median(px);
      const sorted = Float64Array.from(px).sort();
      const iqr =
        sorted.length > 4
          ? sorted[Math.floor(0.75 * sorted.length)] - sorted[Math.floor(0.25 * sorted.length)]
          : 0;
      const s = 0.7413 * iqr;
      if (s > 0) m = median(px.filter((v) => Math.abs(v - m) < 3 * s));
      values[j * nx + i] = Number.isFinite(m) ? m : 0;
    }
  return { nx, ny, cell: cw, values };
}

/** Evaluate the background model at every pixel. */
export function backgroundImage(bg: Background, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const cw = width / bg.nx;
  const ch = height / bg.ny;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) / ch - 0.5, 0), bg.ny - 1);
    const j0 = Math.min(Math.floor(fy), bg.ny - 1);
    const j1 = Math.min(j0 + 1, bg.ny - 1);
    const ty = fy - j0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) / cw - 0.5, 0), bg.nx - 1);
      const i0 = Math.min(Math.floor(fx), bg.nx - 1);
      const i1 = Math.min(i0 + 1, bg.nx - 1);
      const tx = fx - i0;
      const v = bg.values;
      out[y * width + x] =
        (1 - ty) * ((1 - tx) * v[j0 * bg.nx + i0] + tx * v[j0 * bg.nx + i1]) +
        ty * ((1 - tx) * v[j1 * bg.nx + i0] + tx * v[j1 * bg.nx + i1]);
    }
  }
  return out;
}

/** Subtract the background in place and return the model's mean level. */
export function subtractBackground(img: Plane, mask?: Int32Array, cell = 64): number {
  const bg = estimateBackground(img, mask, cell);
  const model = backgroundImage(bg, img.width, img.height);
  let s = 0;
  for (let i = 0; i < model.length; i++) {
    img.image[i] -= model[i];
    s += model[i];
  }
  return s / model.length;
}
