import { describe, expect, it } from 'vitest';
import { makeFrame, makeTestSky } from './fixture.testkit.js';
import { MASK, rms } from './image.js';
import { calibrate, characterize, FLAG } from './process.js';
import { isolatedStars, residuals } from './residuals.js';
import { skyToPixel } from './wcs.js';
import { matchSky } from './match.js';

describe('single-frame processing of a synthetic ToyCam frame', () => {
  const skyRefs = makeTestSky(1, 384);
  const frame = makeFrame({ seed: 11, psfSigma: 1.6, skyRefs });
  const ch = characterize(frame.post);
  const cal = calibrate(frame.post, frame.headerWcs, frame.ref, frame.band, { psfSigma: ch.psfSigma });
  const s = cal.sources;
  const good = Uint8Array.from(s.flags, (f, k) => (f === 0 && s.flux[k] > 100 * s.fluxErr[k] ? 1 : 0));

  it('measures the PSF width of the visit within 3%', () => {
    expect(ch.nPsfStars).toBeGreaterThanOrEqual(5);
    expect(Math.abs(ch.psfSigma / 1.6 - 1)).toBeLessThan(0.03);
  });

  it('masks the cosmic rays', () => {
    const hits = frame.cosmicRays.filter(
      (c) => frame.post.mask[c.y * frame.post.width + c.x] & MASK.CR,
    ).length;
    expect(hits / frame.cosmicRays.length).toBeGreaterThan(0.8);
  });

  it('matches the reference catalog and fits the WCS to better than 30 mas', () => {
    expect(cal.nAstromMatch).toBeGreaterThanOrEqual(8);
    const r = residuals(s.ra, s.dec, s.mag, frame.sky, { band: 'r', good });
    expect(r.n).toBeGreaterThanOrEqual(6);
    expect(r.astromRmsMas).toBeLessThan(30);
  });

  it('centroids bright isolated stars within 0.1 pixel rms of the truth', () => {
    const iso = isolatedStars(frame.sky, 'r', 5).filter((k) => frame.sky[k].mag.r < 20.5);
    const m = matchSky(
      s.ra,
      s.dec,
      iso.map((k) => frame.sky[k].ra),
      iso.map((k) => frame.sky[k].dec),
      1,
    );
    const d: number[] = [];
    for (const mm of m) {
      if (!good[mm.i]) continue;
      const t = frame.sky[iso[mm.j]];
      const [tx, ty] = skyToPixel(frame.trueWcs, t.ra, t.dec);
      d.push(s.x[mm.i] - tx, s.y[mm.i] - ty);
    }
    expect(d.length).toBeGreaterThanOrEqual(12);
    expect(rms(d)).toBeLessThan(0.1);
  });

  it('calibrates aperture magnitudes of bright isolated stars to 2% rms', () => {
    const r = residuals(s.ra, s.dec, s.mag, frame.sky, { band: 'r', good, magRange: [17, 20.5] });
    expect(r.n).toBeGreaterThanOrEqual(6);
    expect(r.dmagRms).toBeLessThan(0.02);
    expect(Math.abs(r.dmagMedian)).toBeLessThan(0.01);
  });

  it('flags saturated stars instead of calibrating with them', () => {
    const sat = [...s.flags.keys()].filter((k) => s.flags[k] & FLAG.EDGE_OR_SAT);
    expect(sat.length).toBeGreaterThan(0);
  });
});
