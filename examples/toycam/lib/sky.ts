/**
 * The synthetic sky: stars (point sources) and exponential-profile galaxies with known
 * positions and g/r/i magnitudes, and a reference catalog drawn from the truth with small
 * errors, as a survey would take from Gaia/PS1 for calibration.
 */
import { makeRng } from './rng.js';
import { tangentToSky } from './wcs.js';

export const BANDS = ['g', 'r', 'i'] as const;
export type Band = (typeof BANDS)[number];

export interface SkyObject {
  id: number;
  ra: number;
  dec: number;
  /** 0 = star, 1 = galaxy */
  kind: number;
  mag: Record<Band, number>;
  /** galaxy half-light radius (arcsec), 0 for stars */
  radius: number;
  /** galaxy axis ratio and position angle (deg) */
  q: number;
  pa: number;
}

export interface SkyOptions {
  seed: number;
  ra: number;
  dec: number;
  /** half-width of the square field in degrees */
  halfWidth: number;
  nStars: number;
  nGalaxies: number;
  magMin?: number;
  magMax?: number;
}

/** Magnitudes with a rising count towards faint stars (N(<m) ~ 10^(0.3 m)). */
function drawMag(u: number, lo: number, hi: number): number {
  const a = 0.3 * Math.LN10;
  const e0 = Math.exp(a * lo);
  const e1 = Math.exp(a * hi);
  return Math.log(e0 + u * (e1 - e0)) / a;
}

export function makeSky(o: SkyOptions): SkyObject[] {
  const rng = makeRng(o.seed);
  const out: SkyObject[] = [];
  const lo = o.magMin ?? 16;
  const hi = o.magMax ?? 23;
  const n = o.nStars + o.nGalaxies;
  for (let i = 0; i < n; i++) {
    const xi = (2 * rng.uniform() - 1) * o.halfWidth;
    const eta = (2 * rng.uniform() - 1) * o.halfWidth;
    const [ra, dec] = tangentToSky(xi, eta, o.ra, o.dec);
    const isGal = i >= o.nStars;
    const r = drawMag(rng.uniform(), isGal ? lo + 2 : lo, hi);
    // colours: stars along a rough main-sequence locus, galaxies redder
    const gr = isGal ? 0.6 + 0.3 * rng.uniform() : 0.2 + 1.0 * rng.uniform();
    const ri = 0.4 * gr + 0.05 * rng.normal();
    out.push({
      id: i + 1,
      ra,
      dec,
      kind: isGal ? 1 : 0,
      mag: { g: r + gr, r, i: r - ri },
      radius: isGal ? 0.8 + 1.5 * rng.uniform() : 0,
      q: isGal ? 0.4 + 0.6 * rng.uniform() : 1,
      pa: isGal ? 180 * rng.uniform() : 0,
    });
  }
  return out;
}

export interface RefCatalog {
  id: Int32Array;
  ra: Float64Array;
  dec: Float64Array;
  mag: Record<Band, Float64Array>;
}

/**
 * Reference catalog: the stars brighter than `magLimit` (in r), with positions perturbed by
 * `posErrArcsec` and magnitudes by `magErr` (rms), so calibration does not fit the truth exactly.
 */
export function makeRefCatalog(
  sky: SkyObject[],
  seed: number,
  magLimit = 21,
  posErrArcsec = 0.01,
  magErr = 0.005,
): RefCatalog {
  const rng = makeRng(seed);
  const stars = sky.filter((s) => s.kind === 0 && s.mag.r < magLimit);
  const n = stars.length;
  const cat: RefCatalog = {
    id: new Int32Array(n),
    ra: new Float64Array(n),
    dec: new Float64Array(n),
    mag: { g: new Float64Array(n), r: new Float64Array(n), i: new Float64Array(n) },
  };
  stars.forEach((s, k) => {
    cat.id[k] = s.id;
    const cosd = Math.cos((s.dec * Math.PI) / 180);
    cat.ra[k] = s.ra + (rng.normal() * posErrArcsec) / 3600 / cosd;
    cat.dec[k] = s.dec + (rng.normal() * posErrArcsec) / 3600;
    for (const b of BANDS) cat.mag[b][k] = s.mag[b] + rng.normal() * magErr;
  });
  return cat;
}

/** The truth table as catalog columns (for the `truth_summary` dataset). */
export function skyToColumns(sky: SkyObject[]): Record<string, Float64Array | Int32Array> {
  const n = sky.length;
  const cols = {
    id: new Int32Array(n),
    ra: new Float64Array(n),
    dec: new Float64Array(n),
    kind: new Int32Array(n),
    mag_g: new Float64Array(n),
    mag_r: new Float64Array(n),
    mag_i: new Float64Array(n),
    radius: new Float64Array(n),
    q: new Float64Array(n),
    pa: new Float64Array(n),
  };
  sky.forEach((s, k) => {
    cols.id[k] = s.id;
    cols.ra[k] = s.ra;
    cols.dec[k] = s.dec;
    cols.kind[k] = s.kind;
    cols.mag_g[k] = s.mag.g;
    cols.mag_r[k] = s.mag.r;
    cols.mag_i[k] = s.mag.i;
    cols.radius[k] = s.radius;
    cols.q[k] = s.q;
    cols.pa[k] = s.pa;
  });
  return cols;
}

export function skyFromColumns(c: Record<string, ArrayLike<number> | string[]>): SkyObject[] {
  const col = (k: string): ArrayLike<number> => c[k] as ArrayLike<number>;
  const out: SkyObject[] = [];
  for (let k = 0; k < col('id').length; k++) {
    out.push({
      id: col('id')[k],
      ra: col('ra')[k],
      dec: col('dec')[k],
      kind: col('kind')[k],
      mag: { g: col('mag_g')[k], r: col('mag_r')[k], i: col('mag_i')[k] },
      radius: col('radius')[k],
      q: col('q')[k],
      pa: col('pa')[k],
    });
  }
  return out;
}

export function refToColumns(r: RefCatalog): Record<string, Float64Array | Int32Array> {
  return { id: r.id, ra: r.ra, dec: r.dec, mag_g: r.mag.g, mag_r: r.mag.r, mag_i: r.mag.i };
}

export function refFromColumns(c: Record<string, ArrayLike<number> | string[]>): RefCatalog {
  const f = (k: string): Float64Array => Float64Array.from(c[k] as ArrayLike<number>);
  return {
    id: Int32Array.from(c.id as ArrayLike<number>),
    ra: f('ra'),
    dec: f('dec'),
    mag: { g: f('mag_g'), r: f('mag_r'), i: f('mag_i') },
  };
}
