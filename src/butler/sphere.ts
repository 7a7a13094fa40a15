/**
 * Convex spherical polygons as unit vectors, prepared once for repeated overlap tests: inward
 * edge-plane normals and a bounding cap that rejects far-apart pairs with one dot product.
 * Used by region.ts (regionsOverlap), the HTM pixelization (htm.ts) and the spatial joins of
 * registry queries, which test the same regions many times.
 */
export type Vec = [number, number, number];

const RAD = Math.PI / 180;
const EPS = 1e-12;

export function unitVector(ra: number, dec: number): Vec {
  const r = ra * RAD;
  const d = dec * RAD;
  return [Math.cos(d) * Math.cos(r), Math.cos(d) * Math.sin(r), Math.sin(d)];
}

export function cross(a: Vec, b: Vec): Vec {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: Vec, b: Vec): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function normalize(v: Vec): Vec {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

export interface ConvexPolygon {
  vertices: Vec[];
  /** edge plane normals pointing into the polygon */
  normals: Vec[];
  /** bounding cap: centre and the cosine of its angular radius */
  centre: Vec;
  cosRadius: number;
}

export function convexPolygon(vertices: Vec[]): ConvexPolygon {
  const sum: Vec = [0, 0, 0];
  for (const v of vertices) for (let i = 0; i < 3; i++) sum[i] += v[i];
  const centre = normalize(sum);
  const normals = vertices.map((v, i): Vec => {
    const n = cross(v, vertices[(i + 1) % vertices.length]);
    return dot(n, centre) < 0 ? [-n[0], -n[1], -n[2]] : n;
  });
  let cosRadius = 1;
  for (const v of vertices) cosRadius = Math.min(cosRadius, dot(v, centre));
  return { vertices, normals, centre, cosRadius };
}

export function polygonFromRaDec(vertices: readonly (readonly [number, number])[]): ConvexPolygon {
  return convexPolygon(vertices.map(([ra, dec]) => unitVector(ra, dec)));
}

/** Can the bounding caps of two polygons meet? (false = certainly disjoint) */
function capsMeet(a: ConvexPolygon, b: ConvexPolygon): boolean {
  // a cap wider than a hemisphere is not convex: no bound from it
  if (a.cosRadius <= 0 || b.cosRadius <= 0) return true;
  const ra = Math.acos(Math.max(-1, Math.min(1, a.cosRadius)));
  const rb = Math.acos(Math.max(-1, Math.min(1, b.cosRadius)));
  const d = Math.acos(Math.max(-1, Math.min(1, dot(a.centre, b.centre))));
  return d <= ra + rb + 1e-9;
}

/** True when some edge plane of `a` has all of `b` strictly outside. */
function separates(a: ConvexPolygon, b: ConvexPolygon): boolean {
  for (const n of a.normals) {
    let out = true;
    for (const v of b.vertices)
      if (dot(n, v) >= -EPS) {
        out = false;
        break;
      }
    if (out) return true;
  }
  return false;
}

/** Do two convex polygons overlap (touching counts)? Separating great-circle test. */
export function polygonsOverlap(a: ConvexPolygon, b: ConvexPolygon): boolean {
  if (!capsMeet(a, b)) return false;
  if (separates(a, b) || separates(b, a)) return false;
  // planes through one vertex of each (the remaining separating-plane candidates for two cones)
  for (const p of a.vertices) {
    for (const r of b.vertices) {
      const n = cross(p, r);
      if (Math.hypot(n[0], n[1], n[2]) < EPS) continue;
      const pa = a.vertices.map((v) => dot(n, v));
      const pb = b.vertices.map((v) => dot(n, v));
      const aBelow = pa.every((x) => x <= EPS);
      const aAbove = pa.every((x) => x >= -EPS);
      const bBelow = pb.every((x) => x <= EPS);
      const bAbove = pb.every((x) => x >= -EPS);
      const strict = pa.some((x) => Math.abs(x) > EPS) && pb.some((x) => Math.abs(x) > EPS);
      if (strict && ((aBelow && bAbove) || (aAbove && bBelow))) {
        // only a separation if the polygons do not share the touching rays' direction
        if (dot(p, r) < 1 - EPS) return false;
      }
    }
  }
  return true;
}

export function polygonContainsVector(r: ConvexPolygon, p: Vec): boolean {
  return r.normals.every((n) => dot(n, p) >= -EPS);
}

/** Is all of `inner` inside `outer`? (both convex: their vertices suffice) */
export function polygonContainsPolygon(outer: ConvexPolygon, inner: ConvexPolygon): boolean {
  return inner.vertices.every((v) => outer.normals.every((n) => dot(n, v) > EPS));
}
