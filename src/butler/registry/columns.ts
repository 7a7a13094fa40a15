/**
 * The column layout of the `dim_<element>` tables, derived from the universe: required
 * dimensions (named by dimension, holding their primary key values), the element's keys, its
 * implied dimensions and its metadata fields. See docs/registry.md.
 */
import type { DimensionUniverse, FieldType } from '../universe.js';

export type ColumnRole = 'required' | 'key' | 'implied' | 'metadata';

export interface Column {
  name: string;
  type: FieldType;
  role: ColumnRole;
  /** for required/implied columns: the dimension whose primary key the column holds */
  dimension?: string;
}

const cache = new WeakMap<DimensionUniverse, Map<string, Column[]>>();

export function elementColumns(universe: DimensionUniverse, element: string): Column[] {
  let byElement = cache.get(universe);
  if (!byElement) cache.set(universe, (byElement = new Map()));
  const hit = byElement.get(element);
  if (hit) return hit;
  const spec = universe.element(element);
  const cols: Column[] = [];
  for (const d of universe.required(spec.requires))
    cols.push({ name: d, type: universe.primaryKey(d).type, role: 'required', dimension: d });
  for (const k of spec.keys) cols.push({ name: k.name, type: k.type, role: 'key' });
  for (const d of spec.implies)
    cols.push({ name: d, type: universe.primaryKey(d).type, role: 'implied', dimension: d });
  for (const m of spec.metadata) cols.push({ name: m.name, type: m.type, role: 'metadata' });
  byElement.set(element, cols);
  return cols;
}

/** Columns forming the primary key: required dimensions + the first key (if any). */
export function primaryKeyColumns(universe: DimensionUniverse, element: string): string[] {
  const spec = universe.element(element);
  const req = universe.required(spec.requires);
  return spec.keys.length > 0 ? [...req, spec.keys[0].name] : req;
}

/**
 * A dimension with nothing but a key (`band`): its value lives in the tables that imply it,
 * so queries do not need its table and other tables do not reference it by foreign key.
 */
export function isKeyOnly(universe: DimensionUniverse, dimension: string): boolean {
  const e = universe.element(dimension);
  return e.keys.length === 1 && e.requires.length === 0 && e.metadata.length === 0 && e.implies.length === 0;
}

/** SQL type of a field type in a dialect. */
export function sqlType(type: FieldType, dialect: 'sqlite' | 'postgres'): string {
  const pg = dialect === 'postgres';
  switch (type) {
    case 'int':
      return pg ? 'BIGINT' : 'INTEGER';
    case 'float':
      return pg ? 'DOUBLE PRECISION' : 'REAL';
    case 'string':
    case 'region':
      return 'TEXT';
    case 'datetime':
      return pg ? 'TIMESTAMPTZ' : 'TEXT';
    case 'bool':
      return pg ? 'BOOLEAN' : 'INTEGER';
  }
}

/**
 * The dimensions that identify a data ID of `dims` (the Butler's "required" set): the closure
 * over `requires`, minus dimensions implied by another one in the group ([band, physical_filter,
 * exposure, detector, instrument] -> [instrument, detector, exposure]).
 */
export function identifyingDimensions(universe: DimensionUniverse, dims: Iterable<string>): string[] {
  const all = universe.expand(dims);
  const implied = new Set(all.flatMap((d) => universe.element(d).implies));
  return universe.required(dims).filter((d) => !implied.has(d));
}
