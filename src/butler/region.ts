/**
 * Sky regions: convex polygons of (ra, dec) vertices in degrees, as stored in the registry
 * (`{vertices: [[ra, dec], ...]}`). Overlap is decided on the unit sphere with the separating
 * great-circle test, so it is right across ra = 0/360 and near the poles.
 */
import {
  cross,
  dot,
  polygonContainsVector,
  polygonFromRaDec,
  polygonsOverlap,
  unitVector,
  type Vec,
} from './sphere.js';

export type Region = { vertices: [number, number][] };

const RAD = Math.PI / 180;
const EPS = 1e-12;

/** (ra, dec) in degrees as a unit vector (sphere.ts's unitVector, under the name callers use). */
export const toVector = unitVector;

export function toRaDec(v: Vec): [number, number] {
  const n = Math.hypot(v[0], v[1], v[2]);
  const dec = Math.asin(Math.max(-1, Math.min(1, v[2] / n))) / RAD;
  let ra = Math.atan2(v[1], v[0]) / RAD;
  if (ra < 0) ra += 360;
  return [ra, dec];
}

/** Do two convex polygons overlap (touching counts)? */
export function regionsOverlap(a: Region, b: Region): boolean {
  return polygonsOverlap(polygonFromRaDec(a.vertices), polygonFromRaDec(b.vertices));
}

/** Is the point inside the convex polygon? */
export function regionContains(r: Region, ra: number, dec: number): boolean {
  return polygonContainsVector(polygonFromRaDec(r.vertices), toVector(ra, dec));
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

/** A point (ra, dec), degrees. */
export type PointRegion = { point: [number, number] };
/** A circle: centre (ra, dec) and angular radius, degrees. */
export type CircleRegion = { center: [number, number]; radius: number };
/**
 * A longitude/latitude box, degrees: ra from lon[0] eastward to lon[1] (lon[0] > lon[1] wraps
 * through ra = 0), dec from lat[0] to lat[1].
 */
export type BoxRegion = { lon: [number, number]; lat: [number, number] };
/** Any region of the query language (POINT, CIRCLE, BOX, POLYGON / a stored polygon). */
export type SkyRegion = Region | PointRegion | CircleRegion | BoxRegion;

/** The box of BOX(ra, dec, width, height): centred on (ra, dec), as lsst.sphgeom.Box does. */
export function boxAround(ra: number, dec: number, width: number, height: number): BoxRegion {
  const lat: [number, number] = [Math.max(-90, dec - height / 2), Math.min(90, dec + height / 2)];
  if (width >= 360) return { lon: [0, 360], lat };
  const norm = (x: number): number => ((x % 360) + 360) % 360;
  return { lon: [norm(ra - width / 2), norm(ra + width / 2)], lat };
}

/** Angular separation of two unit vectors, degrees. */
function separation(a: Vec, b: Vec): number {
  return Math.atan2(Math.hypot(...cross(a, b)), dot(a, b)) / RAD;
}

/** Angular distance (degrees) from p to the great-circle arc a-b. */
function arcDistance(p: Vec, a: Vec, b: Vec): number {
  const n = cross(a, b);
  const nn = Math.hypot(...n);
  if (nn < EPS) return separation(p, a);
  const u: Vec = [n[0] / nn, n[1] / nn, n[2] / nn];
  const s = dot(p, u);
  const proj: Vec = [p[0] - s * u[0], p[1] - s * u[1], p[2] - s * u[2]];
  // the foot of the perpendicular lies on the arc when it is on the inner side of both ends
  if (Math.hypot(...proj) > EPS && dot(cross(a, proj), n) >= 0 && dot(cross(proj, b), n) >= 0)
    return Math.abs(Math.asin(Math.max(-1, Math.min(1, s)))) / RAD;
  return Math.min(separation(p, a), separation(p, b));
}

function inLon(box: BoxRegion, ra: number): boolean {
  const [a, b] = box.lon;
  if (b - a >= 360) return true;
  const x = ((ra % 360) + 360) % 360;
  return a <= b ? x >= a - 1e-9 && x <= b + 1e-9 : x >= a - 1e-9 || x <= b + 1e-9;
}

function boxContains(box: BoxRegion, ra: number, dec: number): boolean {
  return dec >= box.lat[0] - 1e-9 && dec <= box.lat[1] + 1e-9 && (Math.abs(dec) >= 90 || inLon(box, ra));
}

/** The box's outline as a dense ring of points (its lat edges are small circles, not arcs). */
function boxOutline(box: BoxRegion, steps = 90): [number, number][] {
  const span = box.lon[0] <= box.lon[1] ? box.lon[1] - box.lon[0] : box.lon[1] + 360 - box.lon[0];
  const out: [number, number][] = [];
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    const ra = box.lon[0] + span * t;
    const dec = box.lat[0] + (box.lat[1] - box.lat[0]) * t;
    out.push([ra, box.lat[0]], [ra, box.lat[1]], [box.lon[0], dec], [box.lon[0] + span, dec]);
  }
  return out;
}

function polygonDistance(poly: Region, p: Vec): number {
  const vs = poly.vertices.map(([ra, dec]) => toVector(ra, dec));
  return Math.min(...vs.map((v, i) => arcDistance(p, v, vs[(i + 1) % vs.length])));
}

function kindOf(r: SkyRegion): 'polygon' | 'point' | 'circle' | 'box' {
  if ('vertices' in r) return 'polygon';
  if ('point' in r) return 'point';
  if ('center' in r) return 'circle';
  return 'box';
}

/** Is (ra, dec) in the region (boundary included)? */
export function containsPoint(r: SkyRegion, ra: number, dec: number): boolean {
  if ('vertices' in r) return regionContains(r, ra, dec);
  if ('point' in r) return separation(toVector(...r.point), toVector(ra, dec)) <= 1e-9;
  if ('center' in r) return separation(toVector(...r.center), toVector(ra, dec)) <= r.radius + 1e-9;
  return boxContains(r, ra, dec);
}

/**
 * Do two regions overlap (touching counts)? Exact for polygons, circles and points; a box
 * against a polygon or circle is tested on a dense outline of the box (to ~1/90 of its size).
 */
export function overlaps(a: SkyRegion, b: SkyRegion): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'point') return containsPoint(b, ...(a as PointRegion).point);
  if (kb === 'point') return containsPoint(a, ...(b as PointRegion).point);
  if (ka === 'polygon' && kb === 'polygon') return regionsOverlap(a as Region, b as Region);
  if (ka === 'circle' || kb === 'circle') {
    const [c, o] = (ka === 'circle' ? [a, b] : [b, a]) as [CircleRegion, SkyRegion];
    const centre = toVector(...c.center);
    if (containsPoint(o, ...c.center)) return true;
    if ('center' in o) return separation(centre, toVector(...o.center)) <= c.radius + o.radius + 1e-9;
    if ('vertices' in o) return polygonDistance(o, centre) <= c.radius + 1e-9;
    return boxOutline(o as BoxRegion).some(
      ([ra, dec]) => separation(centre, toVector(ra, dec)) <= c.radius + 1e-9,
    );
  }
  if (ka === 'box' && kb === 'box') {
    const [x, y] = [a as BoxRegion, b as BoxRegion];
    const latOk = x.lat[0] <= y.lat[1] + 1e-9 && y.lat[0] <= x.lat[1] + 1e-9;
    return latOk && (inLon(x, y.lon[0]) || inLon(y, x.lon[0]));
  }
  const [box, poly] = (ka === 'box' ? [a, b] : [b, a]) as [BoxRegion, Region];
  if (poly.vertices.some(([ra, dec]) => boxContains(box, ra, dec))) return true;
  return boxOutline(box).some(([ra, dec]) => regionContains(poly, ra, dec));
}

/**
 * The convex polygon of a set of points, as lsst.sphgeom.ConvexPolygon builds it (vertex order
 * ignored): the 2-d hull of their gnomonic projection about the centroid.
 */
export function convexHull(points: [number, number][]): Region {
  const vs = points.map(([ra, dec]) => toVector(ra, dec));
  const c: Vec = [0, 0, 0];
  for (const v of vs) for (let i = 0; i < 3; i++) c[i] += v[i];
  const cn = Math.hypot(...c) || 1;
  const z: Vec = [c[0] / cn, c[1] / cn, c[2] / cn];
  const helper: Vec = Math.abs(z[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  const x0 = cross(helper, z);
  const xn = Math.hypot(...x0);
  const x: Vec = [x0[0] / xn, x0[1] / xn, x0[2] / xn];
  const y = cross(z, x);
  const flat = vs.map((v, i) => ({ i, u: dot(v, x) / dot(v, z), w: dot(v, y) / dot(v, z) }));
  flat.sort((p, q) => p.u - q.u || p.w - q.w);
  const turn = (o: (typeof flat)[0], a: (typeof flat)[0], b: (typeof flat)[0]): number =>
    (a.u - o.u) * (b.w - o.w) - (a.w - o.w) * (b.u - o.u);
  const half = (list: typeof flat): typeof flat => {
    const out: typeof flat = [];
    for (const p of list) {
      while (out.length >= 2 && turn(out[out.length - 2], out[out.length - 1], p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  const hull = [...half(flat), ...half([...flat].reverse())];
  return { vertices: hull.map((p) => points[p.i]) };
}
