/**
 * Positional matching: nearest neighbour within a radius using a grid of buckets in a
 * tangent plane (O(n) instead of O(n m)). Used for reference matching, merging detections
 * across bands and comparing to the truth.
 */
import { skyToTangent } from './wcs.js';

export interface Match {
  i: number;
  j: number;
  dist: number;
}

/** Match points (x1,y1) to (x2,y2) in a plane: for each i the nearest j within r, one-to-one by distance. */
export function matchXY(
  x1: ArrayLike<number>,
  y1: ArrayLike<number>,
  x2: ArrayLike<number>,
  y2: ArrayLike<number>,
  r: number,
): Match[] {
  const grid = new Map<string, number[]>();
  const key = (a: number, b: number): string => `${Math.floor(a / r)},${Math.floor(b / r)}`;
  for (let j = 0; j < x2.length; j++) {
    const k = key(x2[j], y2[j]);
    const l = grid.get(k);
    if (l) l.push(j);
    else grid.set(k, [j]);
  }
  const cands: Match[] = [];
  for (let i = 0; i < x1.length; i++) {
    const gx = Math.floor(x1[i] / r);
    const gy = Math.floor(y1[i] / r);
    let best: Match | undefined;
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++)
        for (const j of grid.get(`${gx + dx},${gy + dy}`) ?? []) {
          const d = Math.hypot(x1[i] - x2[j], y1[i] - y2[j]);
          if (d <= r && (!best || d < best.dist)) best = { i, j, dist: d };
        }
    if (best) cands.push(best);
  }
  cands.sort((a, b) => a.dist - b.dist);
  const usedJ = new Set<number>();
  return cands.filter((m) => (usedJ.has(m.j) ? false : (usedJ.add(m.j), true)));
}

/** Match on the sky (degrees in, radius in arcsec); distances in arcsec. */
export function matchSky(
  ra1: ArrayLike<number>,
  dec1: ArrayLike<number>,
  ra2: ArrayLike<number>,
  dec2: ArrayLike<number>,
  rArcsec: number,
): Match[] {
  if (ra1.length === 0 || ra2.length === 0) return [];
  const ra0 = ra1[0];
  const dec0 = dec1[0];
  const proj = (ra: ArrayLike<number>, dec: ArrayLike<number>): [Float64Array, Float64Array] => {
    const x = new Float64Array(ra.length);
    const y = new Float64Array(ra.length);
    for (let k = 0; k < ra.length; k++) {
      const [a, b] = skyToTangent(ra[k], dec[k], ra0, dec0);
      x[k] = a * 3600;
      y[k] = b * 3600;
    }
    return [x, y];
  };
  const [x1, y1] = proj(ra1, dec1);
  const [x2, y2] = proj(ra2, dec2);
  return matchXY(x1, y1, x2, y2, rArcsec);
}
