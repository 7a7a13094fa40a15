/**
 * Value conversions for daf_butler export records: field aliases between the Butler's universe
 * and ours (`datetime_begin` -> `timespan_begin`), times (`!butler_time/...`, native UTC
 * timestamps) to the registry's ISO-8601 UTC text, sphgeom-encoded regions to vertex lists,
 * `!!binary` to hex. What cannot be converted is returned as a problem for the importer to report.
 */
import type { Region } from './region.js';
import { Binary, ButlerTime, SphgeomRegion, UnknownTagged } from './transfer/tags.js';
import { decodeRegion } from './transfer/sphgeom.js';
import { exportTimeToMs } from './transfer/time.js';

/** daf_butler field names that we store under another name. */
const ALIASES: Record<string, string> = {
  group_name: 'group',
  datetime_begin: 'timespan_begin',
  datetime_end: 'timespan_end',
};

/** A ConvexPolygon from its sphgeom bytes in hex (or base64), or undefined if it is not one. */
export function decodeSphgeom(encoded: string): Region | undefined {
  const r = decodeRegion(encoded);
  return 'region' in r ? r.region : undefined;
}

/** An export time value as ISO-8601 UTC, or a reason string. Plain text is UTC (old exports). */
export function exportTime(v: unknown): string | null | { error: string } {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  let ms: number | string;
  if (v instanceof ButlerTime) ms = exportTimeToMs(v.scale, v.format, v.text);
  else if (typeof v === 'string') ms = exportTimeToMs('utc', 'iso', v.replace(/\s+(Z|UTC)$/i, ''));
  else ms = `${JSON.stringify(v)} is not a time`;
  return typeof ms === 'number' ? new Date(ms).toISOString() : { error: ms };
}

export interface Problem {
  field: string;
  message: string;
}

function toRegion(v: unknown): { value: unknown } | { error: string } {
  if (v === null || v === undefined) return { value: null };
  if (typeof v === 'object' && 'vertices' in v) return { value: v };
  const enc =
    v instanceof SphgeomRegion
      ? v.className === 'ConvexPolygon' || v.encoded
        ? v.encoded
        : undefined
      : typeof v === 'string'
        ? v
        : undefined;
  if (enc === undefined) return { error: `${describe(v)} is not a region` };
  const r = decodeRegion(enc);
  return 'region' in r ? { value: r.region } : { error: `the region is ${r.error}` };
}

function describe(v: unknown): string {
  if (v instanceof UnknownTagged) return `a value tagged ${v.tag}`;
  if (v instanceof SphgeomRegion) return `an lsst.sphgeom.${v.className}`;
  return JSON.stringify(v);
}

function convertValue(type: string, v: unknown): { value: unknown } | { error: string } {
  if (v instanceof UnknownTagged) return { error: `${describe(v)} is not understood` };
  if (type === 'region') return toRegion(v);
  if (type === 'datetime') {
    const t = exportTime(v);
    return t && typeof t === 'object' ? t : { value: t };
  }
  if (v instanceof Binary) return { value: v.hex };
  if (v instanceof ButlerTime || v instanceof SphgeomRegion)
    return { error: `${describe(v)} does not fit a ${type} field` };
  return { value: v };
}

/**
 * One exported record in our field names. Fields we do not know, and values we cannot convert,
 * are returned separately so the importer can report them.
 */
export function convertRecord(
  record: Record<string, unknown>,
  known: Map<string, string>,
): { record: Record<string, unknown>; unknown: string[]; problems: Problem[]; badRegion: boolean } {
  const out: Record<string, unknown> = {};
  const unknown: string[] = [];
  const problems: Problem[] = [];
  const set = (field: string, k: string, v: unknown): void => {
    const c = convertValue(known.get(k)!, v);
    if ('error' in c) problems.push({ field, message: c.error });
    else out[k] = c.value;
  };
  for (const [k0, v] of Object.entries(record)) {
    if (k0 === 'timespan' && known.has('timespan_begin')) {
      const ts = v && typeof v === 'object' ? (v as { begin?: unknown; end?: unknown }) : {};
      if (ts.begin === 'EMPTY') problems.push({ field: k0, message: 'an empty timespan cannot be stored' });
      set(k0, 'timespan_begin', ts.begin);
      set(k0, 'timespan_end', ts.end);
      continue;
    }
    const k = known.has(k0) ? k0 : (ALIASES[k0] ?? k0);
    if (!known.has(k)) unknown.push(k0);
    else set(k0, k, v);
  }
  return { record: out, unknown, problems, badRegion: problems.some((p) => p.field === 'region') };
}
