import { describe, expect, it } from 'vitest';
import { estimateBackground, backgroundImage } from './background.js';
import { makeRng } from './rng.js';
import { makeTanWcs, pixelToSky, separationArcsec, skyToPixel, wcsFromHeader, wcsToHeader } from './wcs.js';
import { newPlane } from './image.js';
import { addStar } from './render.js';
import { adaptiveSigma, centroid } from './measure.js';
import { detectorCount, detectorWcs, defaultGeometry } from './camera.js';

describe('seeded random numbers', () => {
  it('draw Poisson and normal deviates with the right mean and variance, reproducibly', () => {
    const a = makeRng(42);
    const b = makeRng(42);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = a.poisson(7.5);
      expect(v).toBe(b.poisson(7.5));
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    expect(mean).toBeCloseTo(7.5, 1);
    expect(s2 / n - mean * mean).toBeGreaterThan(7.0);
    expect(s2 / n - mean * mean).toBeLessThan(8.0);
    let g = 0;
    let g2 = 0;
    for (let i = 0; i < n; i++) {
      const v = a.normal();
      g += v;
      g2 += v * v;
    }
    expect(Math.abs(g / n)).toBeLessThan(0.03);
    expect(g2 / n).toBeGreaterThan(0.96);
    expect(g2 / n).toBeLessThan(1.04);
  });
});

describe('TAN WCS', () => {
  it('round-trips pixel -> sky -> pixel and has the requested pixel scale', () => {
    const w = makeTanWcs(150.1, -30.2, [200.5, 100.5], 0.4, 17);
    for (const [x, y] of [
      [0, 0],
      [399, 12],
      [-500, 800],
    ]) {
      const [ra, dec] = pixelToSky(w, x, y);
      const [x2, y2] = skyToPixel(w, ra, dec);
      expect(Math.abs(x2 - x)).toBeLessThan(1e-6);
      expect(Math.abs(y2 - y)).toBeLessThan(1e-6);
    }
    const [ra1, dec1] = pixelToSky(w, 10, 10);
    const [ra2, dec2] = pixelToSky(w, 11, 10);
    expect(separationArcsec(ra1, dec1, ra2, dec2)).toBeCloseTo(0.4, 4);
    expect(wcsFromHeader(wcsToHeader(w))).toEqual(w);
  });

  it('places the detectors of the mosaic side by side on the sky', () => {
    const g = defaultGeometry();
    expect(detectorCount(g)).toBeGreaterThanOrEqual(9);
    const w0 = detectorWcs(g, 0, 10, 0);
    const w1 = detectorWcs(g, 1, 10, 0);
    // the right edge of detector 0 is one gap away from the left edge of detector 1
    const [ra, dec] = pixelToSky(w0, g.size - 1 + g.gap + 1, 5);
    const [x, y] = skyToPixel(w1, ra, dec);
    expect(x).toBeCloseTo(0, 6);
    expect(y).toBeCloseTo(5, 6);
  });
});

describe('background and PSF measurement', () => {
  it('recovers a sloped background within 0.5%', () => {
    const p = newPlane(256, 256);
    const rng = makeRng(3);
    for (let y = 0; y < 256; y++)
      for (let x = 0; x < 256; x++) p.image[y * 256 + x] = 1000 + x + 0.5 * y + 10 * rng.normal();
    addStar(p, 100, 100, 2e5, 2);
    const model = backgroundImage(estimateBackground(p, undefined, 32), 256, 256);
    for (const [x, y] of [
      [40, 40],
      [100, 100],
      [200, 150],
    ])
      expect(Math.abs(model[y * 256 + x] - (1000 + x + 0.5 * y)) / 1000).toBeLessThan(0.005);
  });

  it('measures a Gaussian star: centroid to 0.01 px and sigma to 2%', () => {
    const p = newPlane(64, 64);
    addStar(p, 30.37, 31.81, 1e5, 1.7);
    const c = centroid(p, 30, 32, 1.7);
    expect(Math.abs(c.x - 30.37)).toBeLessThan(0.01);
    expect(Math.abs(c.y - 31.81)).toBeLessThan(0.01);
    expect(Math.abs(adaptiveSigma(p, c.x, c.y, 2.5) / 1.7 - 1)).toBeLessThan(0.02);
  });
});
