/**
 * PNG plots drawn by hand into an RGBA buffer (no native dependencies): scatter plots with
 * axes, a zero line and tick labels in a 3x5 bitmap font, and an asinh-stretched image thumbnail.
 */
import { PNG } from 'pngjs';

type Rgb = [number, number, number];

class Canvas {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 4).fill(255);
  }
  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const k = (y * this.width + x) * 4;
    this.data[k] = c[0];
    this.data[k + 1] = c[1];
    this.data[k + 2] = c[2];
    this.data[k + 3] = 255;
  }
  hline(x0: number, x1: number, y: number, c: Rgb): void {
    for (let x = x0; x <= x1; x++) this.set(x, y, c);
  }
  vline(x: number, y0: number, y1: number, c: Rgb): void {
    for (let y = y0; y <= y1; y++) this.set(x, y, c);
  }
  png(): Uint8Array {
    const p = new PNG({ width: this.width, height: this.height });
    p.data = Buffer.from(this.data);
    return new Uint8Array(PNG.sync.write(p));
  }
}

// 3x5 glyphs, rows top to bottom, 3 bits each (MSB = left)
const FONT: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 1, 1],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  '-': [0, 0, 7, 0, 0],
  '.': [0, 0, 0, 0, 2],
  ' ': [0, 0, 0, 0, 0],
};

function text(cv: Canvas, s: string, x: number, y: number, scale = 2, c: Rgb = [0, 0, 0]): void {
  for (const ch of s) {
    const g = FONT[ch] ?? FONT[' '];
    for (let r = 0; r < 5; r++)
      for (let b = 0; b < 3; b++)
        if (g[r] & (4 >> b))
          for (let i = 0; i < scale; i++)
            for (let j = 0; j < scale; j++) cv.set(x + b * scale + i, y + r * scale + j, c);
    x += 4 * scale;
  }
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(1) : v.toFixed(3);
}

export interface ScatterOptions {
  width?: number;
  height?: number;
  xRange?: [number, number];
  yRange?: [number, number];
  color?: Rgb;
}

/** Scatter plot of (x, y) points with a y=0 reference line and range labels. */
export function scatterPlot(x: ArrayLike<number>, y: ArrayLike<number>, o: ScatterOptions = {}): Uint8Array {
  const W = o.width ?? 480;
  const H = o.height ?? 320;
  const cv = new Canvas(W, H);
  const left = 60;
  const bottom = H - 30;
  const right = W - 10;
  const top = 10;
  const finite = (a: ArrayLike<number>): number[] => Array.from(a).filter(Number.isFinite);
  const xs = finite(x);
  const ys = finite(y);
  const xr = o.xRange ?? [Math.min(...xs, 0), Math.max(...xs, 1)];
  const yr = o.yRange ?? [Math.min(...ys, -1e-3), Math.max(...ys, 1e-3)];
  const px = (v: number): number => left + ((v - xr[0]) / (xr[1] - xr[0] || 1)) * (right - left);
  const py = (v: number): number => bottom - ((v - yr[0]) / (yr[1] - yr[0] || 1)) * (bottom - top);
  const axis: Rgb = [0, 0, 0];
  cv.hline(left, right, bottom, axis);
  cv.vline(left, top, bottom, axis);
  for (let t = 0; t <= 4; t++) {
    cv.vline(Math.round(left + (t * (right - left)) / 4), bottom, bottom + 4, axis);
    cv.hline(left - 4, left, Math.round(top + (t * (bottom - top)) / 4), axis);
  }
  if (yr[0] < 0 && yr[1] > 0) cv.hline(left, right, Math.round(py(0)), [160, 160, 160]);
  text(cv, fmt(yr[1]), 2, top);
  text(cv, fmt(yr[0]), 2, bottom - 10);
  text(cv, fmt(xr[0]), left, bottom + 8);
  text(cv, fmt(xr[1]), right - 8 * fmt(xr[1]).length, bottom + 8);
  const c = o.color ?? [30, 90, 200];
  for (let k = 0; k < x.length; k++) {
    if (!Number.isFinite(x[k]) || !Number.isFinite(y[k])) continue;
    const cx = px(Math.min(Math.max(x[k], xr[0]), xr[1]));
    const cy = py(Math.min(Math.max(y[k], yr[0]), yr[1]));
    for (let i = -1; i <= 1; i++) for (let j = -1; j <= 1; j++) cv.set(cx + i, cy + j, c);
  }
  return cv.png();
}

/** Grey-scale thumbnail with an asinh stretch, binned down to at most `maxSize` pixels per side. */
export function thumbnail(
  img: { width: number; height: number; image: Float32Array },
  maxSize = 400,
): Uint8Array {
  const bin = Math.max(1, Math.ceil(Math.max(img.width, img.height) / maxSize));
  const W = Math.floor(img.width / bin);
  const H = Math.floor(img.height / bin);
  const vals = new Float32Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let s = 0;
      for (let j = 0; j < bin; j++)
        for (let i = 0; i < bin; i++) s += img.image[(y * bin + j) * img.width + x * bin + i];
      vals[y * W + x] = s / (bin * bin);
    }
  const sorted = Float32Array.from(vals).sort();
  const lo = sorted[Math.floor(0.25 * sorted.length)];
  const hi = sorted[Math.floor(0.999 * sorted.length)];
  const soft = Math.max((sorted[Math.floor(0.75 * sorted.length)] - lo) * 2, 1e-6);
  const norm = Math.asinh((hi - lo) / soft) || 1;
  const cv = new Canvas(W, H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const v = Math.asinh(Math.max(0, vals[y * W + x] - lo) / soft) / norm;
      const g = Math.round(255 * Math.min(1, v));
      // FITS images have y up; PNG rows go down
      cv.set(x, H - 1 - y, [g, g, g]);
    }
  return cv.png();
}
