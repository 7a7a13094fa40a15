import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { htmEnvelopeOf, htmIndex, htmTrixel, rangeIndices, rangesContain } from '../../src/butler/htm.js';
import { convexPolygon, polygonContainsVector, unitVector } from '../../src/butler/sphere.js';
import { describeWithService, probeService } from '../helpers/services.js';

describe('HTM pixelization', () => {
  it('numbers the root triangles 8..15 and level-L pixels in [8 * 4^L, 16 * 4^L)', () => {
    expect(htmIndex(0, 45, -45)).toBe(8); // S0: x, -z, y
    expect(htmIndex(0, 45, 45)).toBe(15); // N3: y, z, x
    for (const [ra, dec] of [
      [10, 20],
      [200, -70],
      [359, 1],
    ]) {
      const i = htmIndex(7, ra, dec);
      expect(i).toBeGreaterThanOrEqual(8 * 4 ** 7);
      expect(i).toBeLessThan(16 * 4 ** 7);
      expect(Math.floor(i / 4 ** 7)).toBe(htmIndex(0, ra, dec)); // children extend their parent
    }
  });

  it('puts a point inside the trixel of its index, and that trixel in the envelope of a polygon around it', () => {
    const i = htmIndex(9, 45.31, 20.32);
    const t = htmTrixel(i);
    expect(t.level).toBe(9);
    expect(polygonContainsVector(convexPolygon(t.vertices), unitVector(45.31, 20.32))).toBe(true);
    const env = htmEnvelopeOf(9, [
      [45.3, 20.3],
      [45.35, 20.3],
      [45.35, 20.35],
      [45.3, 20.35],
    ]);
    expect(rangesContain(env, i)).toBe(true);
    expect(rangesContain(env, htmIndex(9, 50, 20))).toBe(false);
  });
});

const lsst = probeService('lsst');
describeWithService('lsst', lsst, 'HTM against lsst.sphgeom', () => {
  it("gives sphgeom's pixel indices and envelopes", () => {
    const py = `
import json, random
from lsst.sphgeom import HtmPixelization, LonLat, UnitVector3d, ConvexPolygon
random.seed(7)
out = {"points": [], "env": []}
for _ in range(200):
    ra, dec, lvl = random.uniform(0, 360), random.uniform(-90, 90), random.choice([0, 2, 7, 13])
    out["points"].append([lvl, ra, dec, HtmPixelization(lvl).index(UnitVector3d(LonLat.fromDegrees(ra, dec)))])
for _ in range(40):
    ra, dec, h, lvl = random.uniform(0, 360), random.uniform(-88, 88), random.uniform(0.02, 2), random.choice([4, 7, 9])
    vs = [(ra - h, dec - h), (ra + h, dec - 0.7 * h), (ra + 1.2 * h, dec + h), (ra - h, dec + 0.8 * h)]
    poly = ConvexPolygon([UnitVector3d(LonLat.fromDegrees(a, b)) for a, b in vs])
    out["env"].append([lvl, vs, [[b, e] for b, e in HtmPixelization(lvl).envelope(poly)]])
print(json.dumps(out))
`;
    const ref = JSON.parse(
      execFileSync(`${lsst.env.QUANTA_LSST_VENV}/bin/python`, ['-c', py]).toString(),
    ) as {
      points: [number, number, number, number][];
      env: [number, [number, number][], [number, number][]][];
    };
    expect(ref.points.map(([l, ra, dec]) => htmIndex(l, ra, dec))).toEqual(ref.points.map((p) => p[3]));
    expect(ref.env.map(([l, vs]) => htmEnvelopeOf(l, vs))).toEqual(ref.env.map((e) => e[2]));
    expect([...rangeIndices(ref.env[0][2])].length).toBeGreaterThan(0);
  });
});
