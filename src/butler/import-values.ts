/**
 * Value conversions for daf_butler export YAML: field aliases between the Butler's universe and
 * ours, `!butler_time` strings, and sphgeom-encoded regions (ConvexPolygon: the byte 'p' then
 * each vertex as three little-endian float64 unit-vector components).
 */
import { toRaDec } from './region.js';
import type { Region } from './region.js';

/** daf_butler field names that we store under another name. */
const ALIASES: Record<string, string> = {
  group_name: 'group',
  datetime_begin: 'timespan_begin',
  datetime_end: 'timespan_end',
};

export function decodeSphgeom(hex: string): Region | undefined {
  const clean = hex.replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]+$/.test(clean) || clean.length % 2) return undefined;
  const bytes = Buffer.from(clean, 'hex');
  if (bytes[0] !== 0x70 || (bytes.length - 1) % 24 !== 0 || bytes.length < 1 + 3 * 24) return undefined;
  const vertices: [number, number][] = [];
  for (let off = 1; off < bytes.length; off += 24)
    vertices.push(
      toRaDec([bytes.readDoubleLE(off), bytes.readDoubleLE(off + 8), bytes.readDoubleLE(off + 16)]),
    );
  return { vertices };
}

/** A Butler time string (`2021-12-13 04:19:00.000000000`, possibly TAI) as ISO-8601 UTC. */
export function butlerTime(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(v.trim());
  if (!m) return v;
  const frac = m[3] ? m[3].slice(0, 4) : '';
  return `${m[1]}T${m[2]}${frac}${m[4] ?? 'Z'}`;
}

function toRegion(v: unknown): unknown {
  if (v && typeof v === 'object' && 'vertices' in v) return v;
  const enc =
    typeof v === 'string'
      ? v
      : v && typeof v === 'object' && 'encoded' in v
        ? String((v as { encoded: unknown }).encoded)
        : undefined;
  if (enc === undefined) return v;
  return decodeSphgeom(enc) ?? v;
}

/**
 * One exported record in our field names. Fields we do not know are returned separately so the
 * importer can report them.
 */
export function convertRecord(
  record: Record<string, unknown>,
  known: Map<string, string>,
): { record: Record<string, unknown>; unknown: string[]; badRegion: boolean } {
  const out: Record<string, unknown> = {};
  const unknown: string[] = [];
  let badRegion = false;
  for (const [k0, v] of Object.entries(record)) {
    if (k0 === 'timespan' && v && typeof v === 'object') {
      const ts = v as { begin?: unknown; end?: unknown };
      if (known.has('timespan_begin')) out.timespan_begin = butlerTime(ts.begin);
      if (known.has('timespan_end')) out.timespan_end = butlerTime(ts.end);
      continue;
    }
    const k = known.has(k0) ? k0 : (ALIASES[k0] ?? k0);
    const type = known.get(k);
    if (!type) {
      unknown.push(k0);
      continue;
    }
    if (type === 'region') {
      const r = toRegion(v);
      if (r !== null && r !== undefined && !(typeof r === 'object' && 'vertices' in r)) {
        badRegion = true;
        continue;
      }
      out[k] = r;
    } else if (type === 'datetime') out[k] = butlerTime(v);
    else out[k] = v;
  }
  return { record: out, unknown, badRegion };
}
