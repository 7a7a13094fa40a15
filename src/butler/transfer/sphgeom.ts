/**
 * sphgeom's region encoding (`Region.encode()`): one type byte, then little-endian float64s.
 * A ConvexPolygon is 'p' (0x70) followed by its vertices as unit vectors (x, y, z), counter-
 * clockwise seen from outside the sphere. Exports carry the bytes as hex (`encoded: 70...`);
 * base64 is accepted too. Other region types (Circle, Box, Ellipse, unions) are named so the
 * importer can report them: the registry stores convex polygons only.
 */
import type { Region } from '../region.js';
import { toRaDec, toVector } from '../region.js';

const TYPE_NAMES: Record<number, string> = {
  0x70: 'ConvexPolygon',
  0x63: 'Circle',
  0x62: 'Box',
  0x65: 'Ellipse',
  0x75: 'UnionRegion',
  0x69: 'IntersectionRegion',
};

function bytesOf(encoded: string): Buffer | undefined {
  const clean = encoded.replace(/\s+/g, '');
  if (/^[0-9a-fA-F]+$/.test(clean) && clean.length % 2 === 0) return Buffer.from(clean, 'hex');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(clean)) return Buffer.from(clean, 'base64');
  return undefined;
}

/** A decoded region, or why it cannot be stored (`a Circle`, `not sphgeom bytes`). */
export function decodeRegion(encoded: string): { region: Region } | { error: string } {
  const bytes = bytesOf(encoded);
  if (!bytes || bytes.length === 0) return { error: 'not hex or base64 sphgeom bytes' };
  const kind = TYPE_NAMES[bytes[0]];
  if (kind !== 'ConvexPolygon')
    return { error: kind ? `a ${kind}, which quanta cannot store` : 'not sphgeom bytes' };
  if ((bytes.length - 1) % 24 !== 0 || bytes.length < 1 + 3 * 24)
    return { error: 'a ConvexPolygon of the wrong length' };
  const vertices: [number, number][] = [];
  for (let off = 1; off < bytes.length; off += 24)
    vertices.push(
      toRaDec([bytes.readDoubleLE(off), bytes.readDoubleLE(off + 8), bytes.readDoubleLE(off + 16)]),
    );
  return { region: { vertices } };
}

/** A registry region as sphgeom ConvexPolygon bytes (hex), wound counter-clockwise. */
export function encodeRegion(region: Region): string {
  const vs = region.vertices.map(([ra, dec]) => toVector(ra, dec));
  const [a, b, c] = vs;
  // orientation of the first three vertices: det[a, b, c] > 0 is counter-clockwise
  const det =
    a[0] * (b[1] * c[2] - b[2] * c[1]) -
    a[1] * (b[0] * c[2] - b[2] * c[0]) +
    a[2] * (b[0] * c[1] - b[1] * c[0]);
  const ordered = det < 0 ? [...vs].reverse() : vs;
  const buf = Buffer.alloc(1 + 24 * ordered.length);
  buf[0] = 0x70;
  ordered.forEach((v, i) => v.forEach((x, k) => buf.writeDoubleLE(x, 1 + 24 * i + 8 * k)));
  return buf.toString('hex');
}
