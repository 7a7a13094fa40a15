/**
 * quanta's answers in the oracle's canonical shape (python/quanta_lsst/oracle.py), and the
 * comparison of records field by field: times as TAI nanoseconds, regions as unit vectors
 * (compared to 1e-12, since quanta may keep them as ra/dec), binary values as hex.
 */
import type { DimensionUniverse } from '../../../src/butler/universe.js';
import { toVector } from '../../../src/butler/region.js';
import { identifyingDimensions } from '../../../src/butler/registry/columns.js';
import { elementDimensions } from '../../../src/butler/registry/spatial-join.js';

type Json = unknown;
type Vec = [number, number, number];

/** Rows in a canonical order: a query's order is not part of its answer. */
export function sortRows<T>(rows: T[]): T[] {
  const keyed = rows.map((r) => [stableJson(r), r] as const);
  return keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/** JSON with every object's keys sorted, at every depth. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : typeof x === 'bigint'
        ? String(x)
        : x,
  );
}

/** A data ID reduced to the required dimensions of `dims` (what the oracle returns). */
export function requiredDataId(
  universe: DimensionUniverse,
  dims: string[],
  row: Record<string, unknown>,
): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const d of identifyingDimensions(universe, dims)) out[d] = row[d] ?? null;
  return out;
}

/**
 * A dimension record's data ID as a key: its element's dimensions (required closure, itself for
 * a dimension), its own value under its key field's name (`id`, `name`); join elements
 * (visit_detector_region) have no key field of their own.
 */
export function recordKey(universe: DimensionUniverse, element: string, r: Record<string, unknown>): string {
  const keyField = universe.element(element).keys[0]?.name;
  return stableJson(elementDimensions(universe, element).map((d) => (d === element ? r[keyField] : r[d])));
}

/** Vertices of sphgeom's `ConvexPolygon.encode()`: 0x70, then x, y, z little-endian doubles. */
export function decodeConvexPolygon(hex: string): Vec[] | undefined {
  const buf = Buffer.from(hex, 'hex');
  if (buf[0] !== 0x70 || (buf.length - 1) % 24 !== 0) return undefined;
  const out: Vec[] = [];
  for (let i = 1; i < buf.length; i += 24)
    out.push([buf.readDoubleLE(i), buf.readDoubleLE(i + 8), buf.readDoubleLE(i + 16)]);
  return out;
}

/** The unit vectors of a quanta region value, whichever form the registry returns. */
export function quantaVertices(v: unknown): Vec[] | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as { vertices?: unknown; vectors?: unknown };
  if (Array.isArray(o.vectors)) return o.vectors as Vec[];
  if (Array.isArray(o.vertices))
    return (o.vertices as [number, number][]).map(([ra, dec]) => toVector(ra, dec));
  return undefined;
}

function sameVectors(a: Vec[], b: Vec[]): boolean {
  return a.length === b.length && a.every((v, i) => v.every((x, k) => Math.abs(x - b[i][k]) < 1e-12));
}

/** Is quanta's value of a field the same as the oracle's canonical one? */
export function sameValue(oracle: Json, quanta: unknown, toTaiNs: (v: unknown) => bigint | null): boolean {
  if (oracle === null || oracle === undefined)
    return (
      quanta === null ||
      quanta === undefined ||
      (Array.isArray(quanta) && quanta.every((x) => x === null || x === undefined))
    );
  if (typeof oracle === 'object' && !Array.isArray(oracle)) {
    const o = oracle as Record<string, Json>;
    if ('region' in o) {
      const a = decodeConvexPolygon(String(o.region));
      const b = quantaVertices(quanta);
      return !!a && !!b && sameVectors(a, b);
    }
    if ('hex' in o)
      return (
        (typeof quanta === 'string' && quanta.toLowerCase() === o.hex) ||
        (quanta instanceof Uint8Array && Buffer.from(quanta).toString('hex') === o.hex)
      );
    if ('tai_ns' in o) return toTaiNs(quanta) === BigInt(String(o.tai_ns));
    if ('begin' in o && 'end' in o) {
      // a timespan: {begin, end} as TAI nanoseconds (text), null when unbounded
      const [qb, qe] = Array.isArray(quanta) ? (quanta as unknown[]) : [undefined, undefined];
      const ns = (x: unknown) => (x === null || x === undefined ? 'null' : String(toTaiNs(x)));
      const want = (x: Json) => (x === null || x === undefined ? 'null' : String(BigInt(String(x))));
      return ns(qb) === want(o.begin) && ns(qe) === want(o.end);
    }
  }
  if (typeof oracle === 'number' && typeof quanta === 'number')
    return Math.abs(oracle - quanta) <= 1e-9 * Math.max(1, Math.abs(oracle));
  if (typeof oracle === 'number' && typeof quanta === 'bigint') return BigInt(oracle) === quanta;
  return JSON.stringify(oracle) === JSON.stringify(quanta);
}

/**
 * The differences between one oracle record and quanta's record of the same key, as
 * `field: oracle vs quanta` strings. quanta spells a timespan as `timespan_begin`/`timespan_end`.
 */
export function recordDifferences(
  oracle: Record<string, Json>,
  quanta: Record<string, unknown>,
  toTaiNs: (v: unknown) => bigint | null,
): string[] {
  const diffs: string[] = [];
  for (const [field, value] of Object.entries(oracle)) {
    let q =
      field === 'timespan'
        ? 'timespan' in quanta
          ? quanta.timespan
          : [quanta.timespan_begin, quanta.timespan_end]
        : quanta[field];
    // no timespan at all: daf_butler's None, quanta's two empty bounds
    if (field === 'timespan' && Array.isArray(q) && q.every((x) => x === null || x === undefined)) q = null;
    if (!(field in quanta) && field !== 'timespan' && value === null) continue;
    if (!(field in quanta) && !(field === 'timespan' && 'timespan_begin' in quanta)) {
      diffs.push(`${field}: missing in quanta (daf_butler: ${JSON.stringify(value)})`);
      continue;
    }
    if (!sameValue(value, q, toTaiNs))
      diffs.push(
        `${field}: daf_butler ${JSON.stringify(value)} vs quanta ${JSON.stringify(q, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
      );
  }
  return diffs;
}
