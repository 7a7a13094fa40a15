/**
 * The demo's science plots say what they show: a title with the band, axis labels with units and
 * tick values are drawn into the PNG. Each text is checked by drawing the plot twice, once with
 * a different text, and finding the pixels that differ exactly where that text belongs.
 */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { plotArea, scatterPlot, thumbnail, ticks, type ScatterOptions } from './plot.js';

const x = [17.2, 18.1, 19.4, 20.2];
const y = [0.01, -0.02, 0.005, 0.03];
const base: ScatterOptions = {
  xRange: [17, 20.5],
  yRange: [-0.1, 0.1],
  title: 'forced tract 0, g band: photometry',
  xLabel: 'true g magnitude (mag)',
  yLabel: 'measured - true (mag)',
};

/** Bounding box of the pixels that differ between two PNGs of one size (null: identical). */
function diffBox(a: Uint8Array, b: Uint8Array): { x0: number; x1: number; y0: number; y1: number } | null {
  const p = PNG.sync.read(Buffer.from(a));
  const q = PNG.sync.read(Buffer.from(b));
  expect([q.width, q.height]).toEqual([p.width, p.height]);
  let box: { x0: number; x1: number; y0: number; y1: number } | null = null;
  for (let yy = 0; yy < p.height; yy++)
    for (let xx = 0; xx < p.width; xx++) {
      const k = (yy * p.width + xx) * 4;
      if (p.data[k] === q.data[k] && p.data[k + 1] === q.data[k + 1] && p.data[k + 2] === q.data[k + 2])
        continue;
      box = box
        ? {
            x0: Math.min(box.x0, xx),
            x1: Math.max(box.x1, xx),
            y0: Math.min(box.y0, yy),
            y1: Math.max(box.y1, yy),
          }
        : { x0: xx, x1: xx, y0: yy, y1: yy };
    }
  return box;
}

describe('science plots', () => {
  const W = 480;
  const H = 320;
  const area = plotArea(W, H);

  it('draw the title with the band above the plot area', async () => {
    const g = await scatterPlot(x, y, base);
    const r = await scatterPlot(x, y, { ...base, title: 'forced tract 0, r band: photometry' });
    const box = diffBox(g, r);
    expect(box).not.toBeNull();
    expect(box?.y1).toBeLessThan(area.top);
  });

  it('draw the x-axis label with its unit below the tick labels', async () => {
    const a = await scatterPlot(x, y, base);
    const b = await scatterPlot(x, y, { ...base, xLabel: 'true g magnitude (AB mag)' });
    const box = diffBox(a, b);
    expect(box?.y0).toBeGreaterThan(area.bottom + 16);
    expect(box?.x0).toBeGreaterThan(area.left);
  });

  it('draw the y-axis label turned upright left of the tick labels', async () => {
    const a = await scatterPlot(x, y, base);
    const b = await scatterPlot(x, y, { ...base, yLabel: 'measured - true (mmag)' });
    const box = diffBox(a, b);
    expect(box?.x1).toBeLessThan(30);
    // turned: taller than wide
    expect((box?.y1 ?? 0) - (box?.y0 ?? 0)).toBeGreaterThan((box?.x1 ?? 0) - (box?.x0 ?? 0));
  });

  it('label round tick values on both axes', async () => {
    expect(ticks(17, 20.5)).toEqual([17, 18, 19, 20]);
    expect(ticks(0, 300, 4)).toEqual([0, 100, 200, 300]);
    expect(ticks(-0.1, 0.1)).toEqual([-0.1, -0.05, 0, 0.05, 0.1]);
    const a = await scatterPlot(x, y, base);
    const b = await scatterPlot(x, y, { ...base, yRange: [-0.2, 0.2] });
    // other y ticks: the labels left of the axis change (and the grid and points inside)
    const box = diffBox(a, b);
    expect(box?.x0).toBeLessThan(area.left);
    expect(box?.x0).toBeGreaterThan(30);
  });

  it('frame a coadd thumbnail with its title and pixel axes', async () => {
    const img = { width: 120, height: 100, image: Float32Array.from({ length: 12000 }, (_, k) => k % 97) };
    const a = await thumbnail(img, 400, { title: 'deepCoadd g band, tract 0 patch 1' });
    const b = await thumbnail(img, 400, { title: 'deepCoadd r band, tract 0 patch 1' });
    const p = PNG.sync.read(Buffer.from(a));
    expect(p.width).toBeGreaterThan(120);
    expect(p.height).toBeGreaterThan(100);
    expect(diffBox(a, b)?.y1).toBeLessThan(32);
  });
});
