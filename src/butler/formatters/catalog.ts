/**
 * Catalog <-> Arrow IPC file (the random-access "file" format, readable by pyarrow and
 * polars). Columns are Float64, Int32 or Utf8; `meta` travels as schema metadata.
 */
import {
  DataType,
  makeVector,
  RecordBatch,
  Schema,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { DatastoreError } from '../../errors.js';
import type { FormatContext, Formatter } from './formatter.js';

export type CatalogColumn = Float64Array | Int32Array | string[];

export interface Catalog {
  columns: Record<string, CatalogColumn>;
  meta?: Record<string, string>;
}

function bad(ctx: FormatContext, why: string): never {
  throw new DatastoreError('DATASTORE_BAD_VALUE', `${ctx.what}: ${why}`);
}

function toVector(name: string, col: unknown, ctx: FormatContext): Vector {
  if (col instanceof Float64Array || col instanceof Int32Array) return makeVector(col);
  if (Array.isArray(col) && col.every((s) => typeof s === 'string')) return vectorFromArray(col, new Utf8());
  return bad(ctx, `catalog column "${name}" must be a Float64Array, Int32Array or string[]`);
}

export function catalogToArrow(catalog: Catalog, ctx: FormatContext = { what: 'Catalog' }): Uint8Array {
  if (
    typeof catalog !== 'object' ||
    catalog === null ||
    typeof catalog.columns !== 'object' ||
    catalog.columns === null
  ) {
    bad(ctx, 'a Catalog must be an object {columns, meta?}');
  }
  const entries = Object.entries(catalog.columns);
  const lengths = new Set(entries.map(([, c]) => c.length));
  if (lengths.size > 1) {
    bad(ctx, `catalog columns differ in length (${entries.map(([n, c]) => `${n}: ${c.length}`).join(', ')})`);
  }
  const meta = new Map<string, string>();
  for (const [k, v] of Object.entries(catalog.meta ?? {})) {
    if (typeof v !== 'string') bad(ctx, `catalog meta "${k}" must be a string`);
    meta.set(k, v);
  }
  const vectors = Object.fromEntries(entries.map(([n, c]) => [n, toVector(n, c, ctx)]));
  const table = new Table(vectors);
  const schema = new Schema(table.schema.fields, meta);
  const batches = table.batches.map((b) => new RecordBatch(schema, b.data));
  return tableToIPC(batches.length ? new Table(schema, batches) : new Table(schema), 'file');
}

function fromVector(v: Vector, type: DataType): CatalogColumn {
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type))
    return Array.from(v, (s) => (s === null ? '' : String(s)));
  if (DataType.isInt(type) && type.bitWidth <= 32 && type.isSigned) {
    const a = v.toArray() as ArrayLike<number>;
    return a instanceof Int32Array ? a : Int32Array.from(a);
  }
  // Other numeric columns (Float32, Int64, unsigned) widen to Float64 so nothing is lost silently
  // for values below 2^53.
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v.get(i);
    out[i] = x === null ? NaN : Number(x);
  }
  return out;
}

export function catalogFromArrow(bytes: Uint8Array, ctx: FormatContext = { what: 'Arrow file' }): Catalog {
  // tableFromIPC quietly returns an empty table for garbage, so check the magic first:
  // 'ARROW1' for the file format, or a 0xFFFFFFFF continuation marker for the stream format.
  const magic = new TextDecoder('latin1').decode(bytes.subarray(0, 6));
  const stream =
    bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff;
  if (magic !== 'ARROW1' && !stream)
    throw new DatastoreError('DATASTORE_BAD_FILE', `${ctx.what}: not an Arrow IPC file (bad magic bytes)`);
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new DatastoreError(
      'DATASTORE_BAD_FILE',
      `${ctx.what}: not an Arrow IPC file (${(e as Error).message})`,
    );
  }
  const columns: Record<string, CatalogColumn> = {};
  for (const field of table.schema.fields) {
    const v = table.getChild(field.name);
    if (!v) continue;
    if (
      !DataType.isUtf8(field.type) &&
      !DataType.isLargeUtf8(field.type) &&
      !DataType.isInt(field.type) &&
      !DataType.isFloat(field.type)
    ) {
      throw new DatastoreError(
        'DATASTORE_BAD_FILE',
        `${ctx.what}: column "${field.name}" has unsupported type ${String(field.type)}`,
      );
    }
    columns[field.name] = fromVector(v, field.type);
  }
  const meta = Object.fromEntries(table.schema.metadata);
  return Object.keys(meta).length ? { columns, meta } : { columns };
}

export const catalogFormatter: Formatter<Catalog> = {
  storageClass: 'Catalog',
  extension: '.arrow',
  write: (value, ctx) => catalogToArrow(value as Catalog, ctx),
  read: (bytes, ctx) => catalogFromArrow(bytes, ctx),
};
