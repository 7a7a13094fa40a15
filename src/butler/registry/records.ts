/**
 * Dimension records <-> table rows: field names checked against the universe (unknown fields are
 * errors that list the valid ones), values converted to their column types, regions stored as
 * JSON text of `{vertices: [[ra, dec], ...]}`, times as ISO-8601 UTC.
 */
import { RegistryError } from '../../errors.js';
import type { DimensionUniverse, FieldType } from '../universe.js';
import type { Column } from './columns.js';
import { elementColumns, primaryKeyColumns } from './columns.js';
import { suggest } from './messages.js';

export type DimensionRecord = Record<string, unknown>;

function bad(element: string, record: DimensionRecord, what: string): RegistryError {
  return new RegistryError(
    'REGISTRY_BAD_RECORD',
    `Dimension record ${JSON.stringify(record)} of "${element}": ${what}.`,
    { key: element },
  );
}

function toRegionText(v: unknown): string {
  const o = typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  if (!o || typeof o !== 'object' || !Array.isArray((o as { vertices?: unknown }).vertices))
    throw new Error('not a region');
  const vs = (o as { vertices: unknown[] }).vertices.map((p) => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => typeof x === 'number' && Number.isFinite(x)))
      throw new Error('bad vertex');
    return [p[0] as number, p[1] as number];
  });
  if (vs.length < 3) throw new Error('fewer than 3 vertices');
  return JSON.stringify({ vertices: vs });
}

function toColumnValue(type: FieldType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'int': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n))
        throw new Error(`${JSON.stringify(v)} is not an integer`);
      return n;
    }
    case 'float': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || Number.isNaN(n)) throw new Error(`${JSON.stringify(v)} is not a number`);
      return n;
    }
    case 'string':
      if (typeof v === 'object') throw new Error(`${JSON.stringify(v)} is not a string`);
      return String(v);
    case 'bool':
      if (typeof v !== 'boolean') throw new Error(`${JSON.stringify(v)} is not true/false`);
      return v;
    case 'datetime': {
      const d = v instanceof Date ? v : new Date(String(v));
      if (Number.isNaN(d.getTime())) throw new Error(`${JSON.stringify(v)} is not a time`);
      return d.toISOString();
    }
    case 'region':
      return toRegionText(v);
  }
}

/** Converts user/imported records into rows (in `elementColumns` order). */
export function recordsToRows(
  universe: DimensionUniverse,
  element: string,
  records: DimensionRecord[],
): unknown[][] {
  const cols = elementColumns(universe, element);
  const names = new Set(cols.map((c) => c.name));
  const spec = universe.element(element);
  const ownKey = spec.keys[0]?.name;
  const pk = new Set(primaryKeyColumns(universe, element));
  return records.map((rec) => {
    for (const k of Object.keys(rec)) {
      if (names.has(k) || (k === element && ownKey)) continue;
      throw bad(
        element,
        rec,
        `unknown field "${k}"${suggest(k, names)}; the fields of ${element} are ${[...names].join(', ')}`,
      );
    }
    return cols.map((c: Column) => {
      // a record may name its own key by the dimension (`{visit: 12}`) as data IDs do
      const raw = rec[c.name] ?? (c.name === ownKey ? rec[element] : undefined);
      if ((raw === undefined || raw === null) && pk.has(c.name))
        throw bad(element, rec, `missing "${c.name}"`);
      try {
        return toColumnValue(c.type, raw);
      } catch (e) {
        throw bad(element, rec, `field "${c.name}" (${c.type}): ${(e as Error).message}`);
      }
    });
  });
}

/** A table row as a record: regions parsed, times as ISO strings, booleans as booleans. */
export function rowToRecord(
  universe: DimensionUniverse,
  element: string,
  row: Record<string, unknown>,
): DimensionRecord {
  const out: DimensionRecord = {};
  for (const c of elementColumns(universe, element)) out[c.name] = fromColumnValue(c.type, row[c.name]);
  return out;
}

export function fromColumnValue(type: FieldType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'region') return JSON.parse(String(v)) as unknown;
  if (type === 'datetime') return v instanceof Date ? v.toISOString() : String(v);
  if (type === 'bool') return v === true || v === 1;
  return v;
}
