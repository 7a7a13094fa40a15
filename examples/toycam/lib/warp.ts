/**
 * Warping a calibrated exposure onto a patch's pixel grid (TAN WCS of the patch) with
 * bilinear resampling, scaling the pixel values to a common photometric system (nJy, so
 * every warp of every visit adds up consistently: AB mag = 31.4 - 2.5 log10(flux)).
 */
import { MASK, type MaskedImage } from './image.js';
import { pixelToSky, skyToPixel, type TanWcs } from './wcs.js';

export const NJY_ZERO_POINT = 31.4;

export function warpExposure(
  src: MaskedImage,
  srcWcs: TanWcs,
  zeroPoint: number,
  dstWcs: TanWcs,
  width: number,
  height: number,
): MaskedImage {
  const n = width * height;
  const image = new Float32Array(n);
  const variance = new Float32Array(n);
  const mask = new Int32Array(n).fill(MASK.NO_DATA);
  const scale = 10 ** (0.4 * (NJY_ZERO_POINT - zeroPoint));
  const w = src.width;
  const bad = MASK.SAT | MASK.BAD | MASK.NO_DATA;
  // the map is smooth: evaluate it exactly on a coarse grid and interpolate in between (much faster)
  const step = 8;
  const gw = Math.ceil(width / step) + 1;
  const gh = Math.ceil(height / step) + 1;
  const gx = new Float64Array(gw * gh);
  const gy = new Float64Array(gw * gh);
  for (let j = 0; j < gh; j++)
    for (let i = 0; i < gw; i++) {
      const [ra, dec] = pixelToSky(dstWcs, i * step, j * step);
      [gx[j * gw + i], gy[j * gw + i]] = skyToPixel(srcWcs, ra, dec);
    }
  for (let y = 0; y < height; y++) {
    const j = Math.floor(y / step);
    const ty = y / step - j;
    for (let x = 0; x < width; x++) {
      const i = Math.floor(x / step);
      const tx = x / step - i;
      const k00 = j * gw + i;
      const sx =
        (1 - ty) * ((1 - tx) * gx[k00] + tx * gx[k00 + 1]) +
        ty * ((1 - tx) * gx[k00 + gw] + tx * gx[k00 + gw + 1]);
      const sy =
        (1 - ty) * ((1 - tx) * gy[k00] + tx * gy[k00 + 1]) +
        ty * ((1 - tx) * gy[k00 + gw] + tx * gy[k00 + gw + 1]);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= w || y0 + 1 >= src.height) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      const ks = [y0 * w + x0, y0 * w + x0 + 1, (y0 + 1) * w + x0, (y0 + 1) * w + x0 + 1];
      const ws = [(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy];
      let v = 0;
      let vv = 0;
      let m = 0;
      for (let q = 0; q < 4; q++) {
        v += ws[q] * src.image[ks[q]];
        vv += ws[q] * ws[q] * src.variance[ks[q]];
        if (ws[q] > 0.01) m |= src.mask[ks[q]];
      }
      const k = y * width + x;
      image[k] = v * scale;
      variance[k] = vv * scale * scale;
      mask[k] = m & (bad | MASK.CR);
    }
  }
  return { width, height, image, variance, mask };
}
