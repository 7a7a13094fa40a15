/**
 * Registry dimension records -> daf_butler export records: `timespan_begin/_end` as
 * `datetime_begin/_end` TAI times, regions as sphgeom ConvexPolygon bytes, the skymap hash as
 * bytes. Also which elements daf_butler stores (band is a view of physical_filter there, skypix
 * dimensions have no records) and the group records daf_butler needs for `exposure.group`.
 */
import type { Region } from '../region.js';
import type { DimensionRecord } from '../registry/records.js';
import type { DimensionUniverse } from '../universe.js';
import { encodeRegion } from './sphgeom.js';
import { Binary, ButlerTime, SphgeomRegion } from './tags.js';
import { msToTaiIso } from './time.js';

/** Elements whose records daf_butler derives from other tables instead of storing them. */
const DERIVED = new Set(['band']);

export function exportedElements(u: DimensionUniverse): string[] {
  return u.topologicalOrder().filter((e) => !DERIVED.has(e) && !u.isSkyPix(e));
}

function time(v: unknown): ButlerTime | null {
  if (v === null || v === undefined) return null;
  return new ButlerTime('tai', 'iso', msToTaiIso(Date.parse(String(v))));
}

function hashBytes(v: unknown): Binary | null {
  if (v === null || v === undefined) return null;
  const s = String(v);
  return new Binary(/^([0-9a-f]{2})+$/i.test(s) ? s.toLowerCase() : Buffer.from(s, 'utf8').toString('hex'));
}

/** One registry record as daf_butler writes it (`toDict(splitTimespan=True)`). */
export function toExportRecord(u: DimensionUniverse, element: string, rec: DimensionRecord): DimensionRecord {
  const types = new Map(u.fields(element).map((f) => [f.name, f.type]));
  if (element === 'exposure') rec = withGroup(rec);
  const out: DimensionRecord = {};
  // no timespan at all is written as no fields (daf_butler reads two nulls as an unbounded one)
  const noTimespan = (rec.timespan_begin ?? null) === null && (rec.timespan_end ?? null) === null;
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'timespan_begin') {
      if (!noTimespan) out.datetime_begin = time(v);
    } else if (k === 'timespan_end') {
      if (!noTimespan) out.datetime_end = time(v);
    } else if (types.get(k) === 'region')
      out[k] = v ? new SphgeomRegion('ConvexPolygon', encodeRegion(v as Region)) : null;
    else if (element === 'skymap' && k === 'hash') out[k] = hashBytes(v);
    else out[k] = v;
  }
  return out;
}

/**
 * The group daf_butler needs for every exposure: quanta's own, or the exposure id as text when
 * quanta has none (astro_metadata_translator's default group for an exposure).
 */
export function withGroup(exposure: DimensionRecord): DimensionRecord {
  return exposure.group === null || exposure.group === undefined
    ? { ...exposure, group: String(exposure.id) }
    : exposure;
}

/** group records for exposures whose group has none (quanta keeps exposure.group as a field). */
export function missingGroups(exposures: DimensionRecord[], groups: DimensionRecord[]): DimensionRecord[] {
  const have = new Set(groups.map((g) => JSON.stringify([g.instrument, g.name])));
  const out: DimensionRecord[] = [];
  for (const x of exposures.map(withGroup)) {
    const key = JSON.stringify([x.instrument, x.group]);
    if (have.has(key)) continue;
    have.add(key);
    out.push({ instrument: x.instrument, name: x.group });
  }
  return out;
}

/**
 * Storage classes only quanta has, as the daf_butler storage class quanta treats as the same
 * (formatters/index.ts): daf_butler refuses a dataset type whose storage class it does not know.
 */
const DAF_BUTLER_STORAGE_CLASS: Record<string, string> = { StructuredData: 'StructuredDataDict' };

export function exportStorageClass(name: string): string {
  return DAF_BUTLER_STORAGE_CLASS[name] ?? name;
}
