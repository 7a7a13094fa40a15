/**
 * PNG plots in pure JavaScript (no native dependencies): scatter plots with axes, tick labels, axis
 * labels with units and a title, and an asinh-stretched image thumbnail with its title and pixel
 * axes. Points and lines are drawn straight into the RGBA bitmap; text is printed by jimp with
 * the bitmap fonts it ships (Open Sans), so every plot says what it shows.
 */
import { Jimp, loadFont } from 'jimp';
import { SANS_12_BLACK, SANS_16_BLACK } from 'jimp/fonts';

type Rgb = [number, number, number];
type Image = InstanceType<typeof Jimp>;
type Font = Awaited<ReturnType<typeof loadFont>>;

const fonts = new Map<string, Promise<Font>>();
/** Each font is parsed once per process. */
function font(file: string): Promise<Font> {
  let f = fonts.get(file);
  if (!f) {
    f = loadFont(file);
    fonts.set(file, f);
  }
  return f;
}

class Canvas {
  readonly img: Image;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.img = new Jimp({ width, height, color: 0xffffffff });
  }
  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const d = this.img.bitmap.data;
    const k = (y * this.width + x) * 4;
    d[k] = c[0];
    d[k + 1] = c[1];
    d[k + 2] = c[2];
    d[k + 3] = 255;
  }
  hline(x0: number, x1: number, y: number, c: Rgb): void {
    for (let x = x0; x <= x1; x++) this.set(x, y, c);
  }
  vline(x: number, y0: number, y1: number, c: Rgb): void {
    for (let y = y0; y <= y1; y++) this.set(x, y, c);
  }
  /** Text with its top-left corner at (x, y); `align` centres or right-aligns it on x. */
  text(f: Font, s: string, x: number, y: number, align: 'left' | 'center' | 'right' = 'left'): void {
    const w = textWidth(f, s);
    const left = align === 'center' ? x - w / 2 : align === 'right' ? x - w : x;
    this.img.print({ font: f, x: Math.round(left), y: Math.round(y), text: s });
  }
  /** Text turned a quarter to the left (read bottom to top), centred on (x, y). */
  verticalText(f: Font, s: string, x: number, y: number): void {
    const w = Math.ceil(textWidth(f, s)) + 4;
    const h = f.common.lineHeight;
    const t = new Jimp({ width: w, height: h, color: 0x00000000 });
    t.print({ font: f, x: 2, y: 0, text: s });
    t.rotate(90);
    this.img.composite(t, Math.round(x - t.bitmap.width / 2), Math.round(y - t.bitmap.height / 2));
  }
  async png(): Promise<Uint8Array> {
    return new Uint8Array(await this.img.getBuffer('image/png'));
  }
}

function textWidth(f: Font, s: string): number {
  let w = 0;
  for (const ch of s) w += f.chars[ch]?.xadvance ?? f.common.lineHeight / 2;
  return w;
}

function fmt(v: number, step: number): string {
  const digits = Math.max(0, Math.min(4, -Math.floor(Math.log10(Math.abs(step) || 1) + 1e-9)));
  return v.toFixed(digits);
}

/** About five round tick values (1, 2, 5 x 10^k apart) inside [lo, hi]. */
export function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const out: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let i = first; i * step <= hi + step * 1e-9; i++) out.push(Number((i * step).toPrecision(12)) || 0);
  return out;
}

export interface PlotText {
  /** drawn centred above the plot, e.g. `forced photometry, tract 0, r band` */
  title?: string;
  /** axis labels with their units, e.g. `true r magnitude (mag)` */
  xLabel?: string;
  yLabel?: string;
}

export interface ScatterOptions extends PlotText {
  width?: number;
  height?: number;
  xRange?: [number, number];
  yRange?: [number, number];
  color?: Rgb;
}

/** The plot area inside a `width` x `height` picture: room for the title, ticks and axis labels. */
export function plotArea(
  width: number,
  height: number,
): { left: number; right: number; top: number; bottom: number } {
  return { left: 78, right: width - 16, top: 34, bottom: height - 50 };
}

/** Scatter plot of (x, y) points with ticks, a y=0 reference line, axis labels and a title. */
export async function scatterPlot(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  o: ScatterOptions = {},
): Promise<Uint8Array> {
  const W = o.width ?? 480;
  const H = o.height ?? 320;
  const cv = new Canvas(W, H);
  const [small, big] = await Promise.all([font(SANS_12_BLACK), font(SANS_16_BLACK)]);
  const { left, right, top, bottom } = plotArea(W, H);
  const finite = (a: ArrayLike<number>): number[] => Array.from(a).filter(Number.isFinite);
  const xs = finite(x);
  const ys = finite(y);
  const xr = o.xRange ?? [Math.min(...xs, 0), Math.max(...xs, 1)];
  const yr = o.yRange ?? [Math.min(...ys, -1e-3), Math.max(...ys, 1e-3)];
  const px = (v: number): number => left + ((v - xr[0]) / (xr[1] - xr[0] || 1)) * (right - left);
  const py = (v: number): number => bottom - ((v - yr[0]) / (yr[1] - yr[0] || 1)) * (bottom - top);
  const axis: Rgb = [0, 0, 0];
  const grid: Rgb = [228, 228, 228];
  const xt = ticks(xr[0], xr[1]);
  const yt = ticks(yr[0], yr[1]);
  for (const t of xt) cv.vline(Math.round(px(t)), top, bottom - 1, grid);
  for (const t of yt) cv.hline(left + 1, right, Math.round(py(t)), grid);
  if (yr[0] < 0 && yr[1] > 0) cv.hline(left, right, Math.round(py(0)), [150, 150, 150]);
  cv.hline(left, right, bottom, axis);
  cv.vline(left, top, bottom, axis);
  const xStep = xt.length > 1 ? xt[1] - xt[0] : 1;
  const yStep = yt.length > 1 ? yt[1] - yt[0] : 1;
  for (const t of xt) {
    cv.vline(Math.round(px(t)), bottom, bottom + 4, axis);
    cv.text(small, fmt(t, xStep), px(t), bottom + 6, 'center');
  }
  for (const t of yt) {
    cv.hline(left - 4, left, Math.round(py(t)), axis);
    cv.text(small, fmt(t, yStep), left - 7, py(t) - small.common.lineHeight / 2, 'right');
  }
  const c = o.color ?? [30, 90, 200];
  for (let k = 0; k < x.length; k++) {
    if (!Number.isFinite(x[k]) || !Number.isFinite(y[k])) continue;
    const cx = px(Math.min(Math.max(x[k], xr[0]), xr[1]));
    const cy = py(Math.min(Math.max(y[k], yr[0]), yr[1]));
    for (let i = -1; i <= 1; i++) for (let j = -1; j <= 1; j++) cv.set(cx + i, cy + j, c);
  }
  if (o.title) cv.text(big, o.title, W / 2, 8, 'center');
  if (o.xLabel) cv.text(small, o.xLabel, (left + right) / 2, H - 22, 'center');
  if (o.yLabel) cv.verticalText(small, o.yLabel, 14, (top + bottom) / 2);
  return cv.png();
}

/**
 * Grey-scale thumbnail with an asinh stretch, binned down to at most `maxSize` pixels per side,
 * framed with the title above and the image's pixel coordinates on both axes.
 */
export async function thumbnail(
  img: { width: number; height: number; image: Float32Array },
  maxSize = 400,
  o: PlotText = {},
): Promise<Uint8Array> {
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
  const [small, big] = await Promise.all([font(SANS_12_BLACK), font(SANS_16_BLACK)]);
  const m = { left: 64, right: 14, top: 32, bottom: 48 };
  const cv = new Canvas(W + m.left + m.right, H + m.top + m.bottom);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const v = Math.asinh(Math.max(0, vals[y * W + x] - lo) / soft) / norm;
      const g = Math.round(255 * Math.min(1, v));
      // FITS images have y up; PNG rows go down
      cv.set(m.left + x, m.top + H - 1 - y, [g, g, g]);
    }
  const axis: Rgb = [0, 0, 0];
  const bottom = m.top + H;
  cv.hline(m.left - 1, m.left + W, bottom, axis);
  cv.vline(m.left - 1, m.top, bottom, axis);
  const xt = ticks(0, img.width, 4);
  const yt = ticks(0, img.height, 4);
  for (const t of xt) {
    const x = m.left + t / bin;
    cv.vline(Math.round(x), bottom, bottom + 4, axis);
    cv.text(small, String(Math.round(t)), x, bottom + 6, 'center');
  }
  for (const t of yt) {
    const y = bottom - t / bin;
    cv.hline(m.left - 5, m.left - 1, Math.round(y), axis);
    cv.text(small, String(Math.round(t)), m.left - 8, y - small.common.lineHeight / 2, 'right');
  }
  if (o.title) cv.text(big, o.title, (m.left + W + m.right) / 2, 7, 'center');
  cv.text(small, o.xLabel ?? 'x (pixel)', m.left + W / 2, bottom + 24, 'center');
  cv.verticalText(small, o.yLabel ?? 'y (pixel)', 12, m.top + H / 2);
  return cv.png();
}
