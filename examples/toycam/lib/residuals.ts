/**
 * Residual statistics against the truth: match measured sources to true stars, keep bright
 * isolated ones (no other true object within `isolationArcsec` that is less than 5 mag
 * fainter), and report photometric (mag) and astrometric (mas) residuals.
 */
import { median, rms } from './image.js';
import { matchSky } from './match.js';
import type { Band, SkyObject } from './sky.js';

export interface Residuals {
  truthId: Int32Array;
  mag: Float64Array;
  dmag: Float64Array;
  /** RA offset times cos(dec), mas */
  dra: Float64Array;
  ddec: Float64Array;
  n: number;
  dmagRms: number;
  dmagMedian: number;
  astromRmsMas: number;
}

/** Indices of true stars with no neighbour within `radiusArcsec` brighter than their mag + 5. */
export function isolatedStars(truth: SkyObject[], band: Band, radiusArcsec: number): number[] {
  const ra = truth.map((o) => o.ra);
  const dec = truth.map((o) => o.dec);
  const out: number[] = [];
  const cell = radiusArcsec / 3600;
  const grid = new Map<string, number[]>();
  const key = (a: number, b: number): string => `${Math.floor(a / cell)},${Math.floor(b / cell)}`;
  truth.forEach((o, k) => {
    const g = key(o.ra * Math.cos((o.dec * Math.PI) / 180), o.dec);
    grid.set(g, [...(grid.get(g) ?? []), k]);
  });
  truth.forEach((o, k) => {
    if (o.kind !== 0) return;
    const cx = Math.floor((o.ra * Math.cos((o.dec * Math.PI) / 180)) / cell);
    const cy = Math.floor(o.dec / cell);
    let ok = true;
    for (let dx = -1; dx <= 1 && ok; dx++)
      for (let dy = -1; dy <= 1 && ok; dy++)
        for (const j of grid.get(`${cx + dx},${cy + dy}`) ?? []) {
          if (j === k || truth[j].mag[band] > o.mag[band] + 5) continue;
          const d = Math.hypot((ra[j] - ra[k]) * Math.cos((dec[k] * Math.PI) / 180), dec[j] - dec[k]) * 3600;
          if (d < radiusArcsec) ok = false;
        }
    if (ok) out.push(k);
  });
  return out;
}

export interface ResidualOptions {
  band: Band;
  /** brightest and faintest true magnitudes kept */
  magRange?: [number, number];
  matchArcsec?: number;
  isolationArcsec?: number;
  /** only measured sources with good[i] true are used */
  good?: ArrayLike<boolean | number>;
}

export function residuals(
  ra: ArrayLike<number>,
  dec: ArrayLike<number>,
  mag: ArrayLike<number>,
  truth: SkyObject[],
  o: ResidualOptions,
): Residuals {
  const [lo, hi] = o.magRange ?? [17, 20.5];
  const stars = isolatedStars(truth, o.band, o.isolationArcsec ?? 5).filter(
    (k) => truth[k].mag[o.band] >= lo && truth[k].mag[o.band] <= hi,
  );
  const tra = stars.map((k) => truth[k].ra);
  const tdec = stars.map((k) => truth[k].dec);
  const rows: [number, number, number, number, number][] = [];
  for (const m of matchSky(ra, dec, tra, tdec, o.matchArcsec ?? 1)) {
    if (o.good && !o.good[m.i]) continue;
    if (!Number.isFinite(mag[m.i])) continue;
    const t = truth[stars[m.j]];
    const cosd = Math.cos((t.dec * Math.PI) / 180);
    rows.push([
      t.id,
      t.mag[o.band],
      mag[m.i] - t.mag[o.band],
      (ra[m.i] - t.ra) * cosd * 3.6e6,
      (dec[m.i] - t.dec) * 3.6e6,
    ]);
  }
  const col = (c: number): Float64Array => Float64Array.from(rows, (r) => r[c]);
  const dmag = col(2);
  const dra = col(3);
  const ddec = col(4);
  const pos = Float64Array.from(rows, (r) => Math.hypot(r[3], r[4]) / Math.SQRT2);
  return {
    truthId: Int32Array.from(rows, (r) => r[0]),
    mag: col(1),
    dmag,
    dra,
    ddec,
    n: rows.length,
    dmagRms: rms(dmag),
    dmagMedian: median(dmag),
    astromRmsMas: rms(pos),
  };
}
