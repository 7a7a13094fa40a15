import { describe, expect, it } from 'vitest';
import { assembleCoadd } from './coadd.js';
import { makeFrame, makeTestSky, RA0, DEC0 } from './fixture.testkit.js';
import { MASK, robustSigma, type MaskedImage } from './image.js';
import { calibrate, characterize } from './process.js';
import { detectCoadd, forcedPhotometry, mergeDetections } from './forced.js';
import { residuals } from './residuals.js';
import { makeTanWcs } from './wcs.js';
import { warpExposure } from './warp.js';
import { scatterPlot, thumbnail } from './plot.js';
import { PNG } from 'pngjs';

const skyRefs = makeTestSky(1, 384);
const patchWcs = makeTanWcs(RA0, DEC0, [150.5, 150.5], 0.4, 0);
const PATCH = 300;

/** Process one visit through single-frame steps and warp it onto the test patch. */
function warpedVisit(seed: number, band: 'g' | 'r' = 'r'): MaskedImage {
  const dither: [number, number] = [((seed * 7.3) % 11) - 5, ((seed * 3.1) % 9) - 4];
  const f = makeFrame({ seed, band, psfSigma: 1.4 + 0.1 * (seed % 4), ditherPix: dither, skyRefs });
  const ch = characterize(f.post);
  const cal = calibrate(f.post, f.headerWcs, f.ref, band, { psfSigma: ch.psfSigma });
  return warpExposure(f.post, cal.wcs, cal.zeroPoint, patchWcs, PATCH, PATCH);
}

function backgroundNoise(mi: MaskedImage): number {
  const v: number[] = [];
  for (let k = 0; k < mi.image.length; k++)
    if (!(mi.mask[k] & (MASK.NO_DATA | MASK.SAT))) v.push(mi.image[k]);
  return robustSigma(v);
}

describe('warping, coaddition and forced photometry', () => {
  const warps = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => warpedVisit(s));

  it('the coadd background noise falls like 1/sqrt(visits)', () => {
    const single = Math.sqrt(
      warps.map((w) => backgroundNoise(w) ** 2).reduce((a, b) => a + b, 0) / warps.length,
    );
    for (const n of [4, 9]) {
      const ratio = backgroundNoise(assembleCoadd(warps.slice(0, n))) / single;
      expect(Math.abs(ratio * Math.sqrt(n) - 1)).toBeLessThan(0.15);
    }
  });

  it('forced photometry on the coadds recovers the true magnitudes of bright isolated stars', () => {
    const coaddR = assembleCoadd(warps);
    const coaddG = assembleCoadd([11, 12, 13].map((s) => warpedVisit(s, 'g')));
    const detR = detectCoadd(coaddR, patchWcs);
    const detG = detectCoadd(coaddG, patchWcs);
    const merged = mergeDetections([detG.sources, detR.sources]);
    expect(merged.ra.length).toBeGreaterThan(detR.sources.ra.length * 0.9);
    expect(merged.ra.length).toBeLessThan(detR.sources.ra.length + detG.sources.ra.length);
    for (const [band, coadd, psf] of [
      ['r', coaddR, detR.psfSigma],
      ['g', coaddG, detG.psfSigma],
    ] as const) {
      const forced = forcedPhotometry(coadd, patchWcs, merged, psf);
      const good = Uint8Array.from(forced.flags, (f) => (f === 0 ? 1 : 0));
      const r = residuals(forced.ra, forced.dec, forced.mag, skyRefs.sky, { band, good, magRange: [17, 21] });
      expect(r.n).toBeGreaterThanOrEqual(8);
      expect(r.dmagRms).toBeLessThan(0.03);
      expect(Math.abs(r.dmagMedian)).toBeLessThan(0.01);
    }
  });

  it('draws residual plots and a coadd thumbnail as PNG files', async () => {
    const png = await scatterPlot([17, 18, 19, 20], [0.01, -0.02, 0.005, 0.03], { yRange: [-0.1, 0.1] });
    const img = PNG.sync.read(Buffer.from(png));
    expect(img.width).toBe(480);
    // some pixels are drawn in the point colour
    let blue = 0;
    for (let k = 0; k < img.data.length; k += 4) if (img.data[k] === 30 && img.data[k + 2] === 200) blue++;
    expect(blue).toBeGreaterThanOrEqual(4 * 9 - 4);
    const th = PNG.sync.read(Buffer.from(await thumbnail(assembleCoadd(warps.slice(0, 2)), 150)));
    // the image (150 px) framed by its pixel axes
    expect(th.width).toBeGreaterThan(150);
    expect(th.width).toBeLessThan(260);
  });
});
