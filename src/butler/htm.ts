/**
 * The Hierarchical Triangular Mesh (HTM) pixelization, numbered as lsst.sphgeom's
 * HtmPixelization numbers it: 8 root triangles S0..S3, N0..N3 with indices 8..15, and each
 * triangle's children `4 * index + k`, so a level-L index lies in [8 * 4^L, 16 * 4^L).
 * Hand-written: no npm package implements HTM (or sphgeom), and daf_butler relates skypix
 * dimensions (htm7, the common skypix) to regions with exactly this scheme, so quanta must
 * compute the same pixels (test/butler/spatial-htm.test.ts checks them against sphgeom).
 */
import type { ConvexPolygon, Vec } from './sphere.js';
import {
  convexPolygon,
  dot,
  normalize,
  polygonContainsPolygon,
  polygonFromRaDec,
  polygonsOverlap,
  unitVector,
} from './sphere.js';

const X: Vec = [1, 0, 0];
const Y: Vec = [0, 1, 0];
const Z: Vec = [0, 0, 1];
const NX: Vec = [-1, 0, 0];
const NY: Vec = [0, -1, 0];
const NZ: Vec = [0, 0, -1];

/** Root triangles in index order 8..15 (S0, S1, S2, S3, N0, N1, N2, N3). */
const ROOTS: [Vec, Vec, Vec][] = [
  [X, NZ, Y],
  [Y, NZ, NX],
  [NX, NZ, NY],
  [NY, NZ, X],
  [X, Z, NY],
  [NY, Z, NX],
  [NX, Z, Y],
  [Y, Z, X],
];

export const HTM_MAX_LEVEL = 24;

function mid(a: Vec, b: Vec): Vec {
  return normalize([a[0] + b[0], a[1] + b[1], a[2] + b[2]]);
}

/** The four children of a triangle, in index order. */
function children(t: [Vec, Vec, Vec]): [Vec, Vec, Vec][] {
  const [v0, v1, v2] = t;
  const w0 = mid(v1, v2);
  const w1 = mid(v0, v2);
  const w2 = mid(v0, v1);
  return [
    [v0, w2, w1],
    [v1, w0, w2],
    [v2, w1, w0],
    [w0, w1, w2],
  ];
}

/** Is `p` inside the counter-clockwise triangle (edges included)? */
function inTriangle(t: [Vec, Vec, Vec], p: Vec): boolean {
  for (let i = 0; i < 3; i++) {
    const a = t[i];
    const b = t[(i + 1) % 3];
    const n: Vec = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    if (dot(n, p) < 0) return false;
  }
  return true;
}

function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > HTM_MAX_LEVEL)
    throw new Error(`HTM level ${level} is not an integer in [0, ${HTM_MAX_LEVEL}]`);
}

/** Index of the level-`level` trixel containing the point (ra, dec in degrees). */
export function htmIndex(level: number, ra: number, dec: number): number {
  checkLevel(level);
  const p = unitVector(ra, dec);
  let root = ROOTS.findIndex((t) => inTriangle(t, p));
  if (root < 0) root = 0; // only reachable through rounding on a root edge
  let t = ROOTS[root];
  let index = 8 + root;
  for (let l = 0; l < level; l++) {
    const cs = children(t);
    let k = cs.findIndex((c, i) => i < 3 && inTriangle(c, p));
    if (k < 0) k = 3;
    t = cs[k];
    index = index * 4 + k;
  }
  return index;
}

/** The trixel of an index, as (ra, dec) vertices in degrees; its level comes from the index. */
export function htmTrixel(index: number): { level: number; vertices: Vec[] } {
  let level = 0;
  let root = index;
  const path: number[] = [];
  while (root >= 16) {
    path.push(root % 4);
    root = Math.floor(root / 4);
    level++;
  }
  if (root < 8) throw new Error(`${index} is not an HTM index`);
  let t = ROOTS[root - 8];
  for (const k of path.reverse()) t = children(t)[k];
  return { level, vertices: [...t] };
}

/** Half-open index ranges [begin, end), sorted and merged. */
export type IndexRanges = [number, number][];

/**
 * The level-`level` trixels that overlap a convex polygon (touching counts), as sorted ranges:
 * sphgeom's `HtmPixelization(level).envelope(polygon)` for a ConvexPolygon region.
 */
export function htmEnvelope(level: number, region: ConvexPolygon): IndexRanges {
  checkLevel(level);
  const out: IndexRanges = [];
  const add = (begin: number, end: number): void => {
    const last = out[out.length - 1];
    if (last && last[1] === begin) last[1] = end;
    else out.push([begin, end]);
  };
  const visit = (t: [Vec, Vec, Vec], index: number, l: number): void => {
    const tri = convexPolygon([...t]);
    if (!polygonsOverlap(tri, region)) return;
    const span = 4 ** (level - l);
    if (l === level || polygonContainsPolygon(region, tri)) {
      add(index * span, (index + 1) * span);
      return;
    }
    children(t).forEach((c, k) => visit(c, index * 4 + k, l + 1));
  };
  ROOTS.forEach((t, i) => visit(t, 8 + i, 0));
  return out;
}

/** htmEnvelope of (ra, dec) vertices in degrees. */
export function htmEnvelopeOf(level: number, vertices: readonly (readonly [number, number])[]): IndexRanges {
  return htmEnvelope(level, polygonFromRaDec(vertices));
}

/** Every index of a set of ranges. */
export function* rangeIndices(ranges: IndexRanges): Generator<number> {
  for (const [b, e] of ranges) for (let i = b; i < e; i++) yield i;
}

export function rangesContain(ranges: IndexRanges, index: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    if (index < ranges[m][0]) hi = m - 1;
    else if (index >= ranges[m][1]) lo = m + 1;
    else return true;
  }
  return false;
}
