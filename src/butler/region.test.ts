import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boxAround, containsPoint, convexHull, overlaps, type Region, type SkyRegion } from './region.js';

const square = (ra: number, dec: number, half: number): Region => ({
  vertices: [
    [ra - half, dec - half],
    [ra + half, dec - half],
    [ra + half, dec + half],
    [ra - half, dec + half],
  ],
});

describe('overlaps', () => {
  it('tests points against every kind of region, boundary included', () => {
    expect(overlaps({ point: [10, 10] }, square(10, 10, 1))).toBe(true);
    expect(overlaps(square(10, 10, 1), { point: [12, 10] })).toBe(false);
    expect(overlaps({ point: [10, 11] }, { center: [10, 10], radius: 1 })).toBe(true);
    expect(overlaps({ point: [10, 11.01] }, { center: [10, 10], radius: 1 })).toBe(false);
    expect(overlaps({ point: [0.5, 0] }, boxAround(359, 0, 4, 2))).toBe(true);
    expect(overlaps({ point: [2, 0] }, boxAround(359, 0, 4, 2))).toBe(false);
    expect(overlaps({ point: [1, 2] }, { point: [1, 2] })).toBe(true);
  });

  it('tests circles against circles and polygons by angular distance', () => {
    expect(overlaps({ center: [0, 0], radius: 1 }, { center: [1.9, 0], radius: 1 })).toBe(true);
    expect(overlaps({ center: [0, 0], radius: 1 }, { center: [2.1, 0], radius: 1 })).toBe(false);
    // near an edge, far from every vertex
    expect(overlaps({ center: [10, 11.5], radius: 0.6 }, square(10, 10, 1))).toBe(true);
    expect(overlaps({ center: [10, 11.5], radius: 0.4 }, square(10, 10, 1))).toBe(false);
    // a circle inside a polygon, and a polygon inside a circle
    expect(overlaps({ center: [10, 10], radius: 0.1 }, square(10, 10, 1))).toBe(true);
    expect(overlaps(square(10, 10, 1), { center: [10, 10], radius: 5 })).toBe(true);
  });

  it('tests boxes against boxes, across ra = 0', () => {
    expect(overlaps(boxAround(359, 0, 4, 2), boxAround(1, 0.5, 1, 1))).toBe(true);
    expect(overlaps(boxAround(359, 0, 4, 2), boxAround(5, 0, 1, 1))).toBe(false);
    expect(overlaps(boxAround(10, 0, 2, 2), boxAround(10, 3, 2, 2))).toBe(false);
  });

  it('tests boxes against polygons and circles', () => {
    expect(overlaps(boxAround(10, 10, 2, 2), square(11.5, 10, 1))).toBe(true);
    expect(overlaps(boxAround(10, 10, 2, 2), square(13, 10, 0.9))).toBe(false);
    // a polygon crossing the box with no vertex inside it
    const bar: Region = {
      vertices: [
        [5, 9.9],
        [15, 9.9],
        [15, 10.1],
        [5, 10.1],
      ],
    };
    expect(overlaps(boxAround(10, 10, 2, 2), bar)).toBe(true);
    expect(overlaps(boxAround(10, 10, 2, 2), { center: [12.5, 10], radius: 1.6 })).toBe(true);
    expect(overlaps(boxAround(10, 10, 2, 2), { center: [12.5, 10], radius: 1.4 })).toBe(false);
  });

  it('is symmetric', () => {
    const region: fc.Arbitrary<SkyRegion> = fc.oneof(
      fc
        .tuple(fc.double({ min: 0, max: 20, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true }))
        .map(([ra, dec]) => ({ point: [ra, dec] }) as SkyRegion),
      fc
        .tuple(
          fc.double({ min: 0, max: 20, noNaN: true }),
          fc.double({ min: -10, max: 10, noNaN: true }),
          fc.double({ min: 0.1, max: 5, noNaN: true }),
        )
        .map(([ra, dec, radius]) => ({ center: [ra, dec], radius }) as SkyRegion),
      fc
        .tuple(
          fc.double({ min: 0, max: 20, noNaN: true }),
          fc.double({ min: -10, max: 10, noNaN: true }),
          fc.double({ min: 0.2, max: 5, noNaN: true }),
        )
        .map(([ra, dec, h]) => square(ra, dec, h)),
    );
    fc.assert(
      fc.property(region, region, (a, b) => overlaps(a, b) === overlaps(b, a)),
      { numRuns: 300 },
    );
  });
});

describe('convexHull', () => {
  it('orders vertices into a convex polygon whatever their order, dropping inner points', () => {
    const hull = convexHull([
      [0, 0],
      [1, 1],
      [1, 0],
      [0.5, 0.5],
      [0, 1],
    ]);
    expect(hull.vertices).toHaveLength(4);
    expect(containsPoint(hull, 0.5, 0.5)).toBe(true);
    expect(containsPoint(hull, 1.5, 0.5)).toBe(false);
  });
});
