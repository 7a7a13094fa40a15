/**
 * Sky regions: convex polygons of (ra, dec) vertices in degrees, as stored in the registry
 * (`{vertices: [[ra, dec], ...]}`). Overlap is decided on the unit sphere with the separating
 * great-circle test, so it is right across ra = 0/360 and near the poles.
 */
export type Region = { vertices: [number, number][] };

type Vec = [number, number, number];

const RAD = Math.PI / 180;

export function toVector(ra: number, dec: number): Vec {
  const r = ra * RAD;
  const d = dec * RAD;
  return [Math.cos(d) * Math.cos(r), Math.cos(d) * Math.sin(r), Math.sin(d)];
}

export function toRaDec(v: Vec): [number, number] {
  const n = Math.hypot(v[0], v[1], v[2]);
  const dec = Math.asin(Math.max(-1, Math.min(1, v[2] / n))) / RAD;
  let ra = Math.atan2(v[1], v[0]) / RAD;
  if (ra < 0) ra += 360;
  return [ra, dec];
}

function cross(a: Vec, b: Vec): Vec {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a: Vec, b: Vec): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** Edge plane normals pointing into the polygon (whatever the vertex winding). */
function edgeNormals(vs: Vec[]): Vec[] {
  const centre: Vec = [0, 0, 0];
  for (const v of vs) for (let i = 0; i < 3; i++) centre[i] += v[i];
  return vs.map((v, i) => {
    const n = cross(v, vs[(i + 1) % vs.length]);
    return dot(n, centre) < 0 ? [-n[0], -n[1], -n[2]] : n;
  });
}

const EPS = 1e-12;

/** True when some edge plane of `a` has all of `b` strictly outside. */
function separates(a: Vec[], b: Vec[]): boolean {
  for (const n of edgeNormals(a)) if (b.every((v) => dot(n, v) < -EPS)) return true;
  return false;
}

/** Do two convex polygons overlap (touching counts)? */
export function regionsOverlap(a: Region, b: Region): boolean {
  const va = a.vertices.map(([ra, dec]) => toVector(ra, dec));
  const vb = b.vertices.map(([ra, dec]) => toVector(ra, dec));
  if (separates(va, vb) || separates(vb, va)) return false;
  // planes through one vertex of each (the remaining separating-plane candidates for two cones)
  for (const p of va) {
    for (const r of vb) {
      const n = cross(p, r);
      if (Math.hypot(...n) < EPS) continue;
      const pa = va.map((v) => dot(n, v));
      const pb = vb.map((v) => dot(n, v));
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

/** Is the point inside the convex polygon? */
export function regionContains(r: Region, ra: number, dec: number): boolean {
  const p = toVector(ra, dec);
  return edgeNormals(r.vertices.map(([x, y]) => toVector(x, y))).every((n) => dot(n, p) >= -EPS);
}

/** Gnomonic (tangent-plane) projection inverse: offsets (degrees) from a centre to (ra, dec). */
export function tangentToSky(ra0: number, dec0: number, xi: number, eta: number): [number, number] {
  const x = xi * RAD;
  const y = eta * RAD;
  const d0 = dec0 * RAD;
  const denom = Math.cos(d0) - y * Math.sin(d0);
  const ra = ra0 + Math.atan2(x, denom) / RAD;
  const dec = Math.atan2(Math.sin(d0) + y * Math.cos(d0), Math.hypot(x, denom)) / RAD;
  return [((ra % 360) + 360) % 360, dec];
}
