/** The in-memory image planes shared by the numeric code (row-major, index y*width+x). */
export interface Plane {
  width: number;
  height: number;
  image: Float32Array;
}

export interface MaskedImage extends Plane {
  mask: Int32Array;
  variance: Float32Array;
}

/** Mask bits (same meaning as the LSST afw mask planes of the same names). */
export const MASK = {
  BAD: 1,
  SAT: 2,
  CR: 4,
  DETECTED: 8,
  EDGE: 16,
  NO_DATA: 32,
} as const;

export function newPlane(width: number, height: number): Plane {
  return { width, height, image: new Float32Array(width * height) };
}

/** Median of a numeric array (copies; NaN-free input expected). */
export function median(values: ArrayLike<number>): number {
  const a = Float64Array.from(values);
  if (a.length === 0) return NaN;
  a.sort();
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : 0.5 * (a[m - 1] + a[m]);
}

/** Robust sigma from the interquartile range (0.7413 IQR for a normal distribution). */
export function robustSigma(values: ArrayLike<number>): number {
  const a = Float64Array.from(values);
  if (a.length < 4) return NaN;
  a.sort();
  const q = (p: number): number => a[Math.min(a.length - 1, Math.floor(p * (a.length - 1)))];
  return 0.7413 * (q(0.75) - q(0.25));
}

export function rms(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return Math.sqrt(s / Math.max(1, values.length));
}

/** Error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-ax * ax);
  return s * y;
}
