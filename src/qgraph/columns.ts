/**
 * Binary blob area of the QG file and the column encodings of data IDs: an int32 column when
 * every value is a 32-bit integer, otherwise a dictionary (JSON values) + int32 codes
 * (-1 = absent). Each blob is deflated on its own.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import type { DataId } from '../task/define-task.js';

export interface BlobRef {
  offset: number;
  length: number;
  /** stored as it is (format 2: random UUID bytes do not deflate) */
  raw?: true;
}

export class BlobWriter {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  add(bytes: Uint8Array, level = 4): BlobRef {
    const z = deflateSync(bytes, { level });
    const ref = { offset: this.size, length: z.length };
    this.chunks.push(z);
    this.size += z.length;
    return ref;
  }

  /** Bytes stored without deflate. */
  addRaw(bytes: Uint8Array): BlobRef {
    const ref: BlobRef = { offset: this.size, length: bytes.length, raw: true };
    this.chunks.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.size += bytes.length;
    return ref;
  }

  addInt32(values: Int32Array, level = 4): BlobRef {
    return this.add(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), level);
  }

  addJson(value: unknown): BlobRef {
    return this.add(Buffer.from(JSON.stringify(value)));
  }

  concat(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

export class BlobReader {
  constructor(private readonly area: Buffer) {}

  bytes(ref: BlobRef): Buffer {
    const b = this.area.subarray(ref.offset, ref.offset + ref.length);
    return ref.raw ? b : inflateSync(b);
  }

  int32(ref: BlobRef): Int32Array {
    const b = this.bytes(ref);
    if (b.byteOffset % 4 === 0) return new Int32Array(b.buffer, b.byteOffset, b.length / 4);
    // copy to an aligned buffer: inflate output offsets are not guaranteed to be 4-aligned
    const out = new Int32Array(b.length / 4);
    new Uint8Array(out.buffer).set(b);
    return out;
  }

  json<T>(ref: BlobRef): T {
    return JSON.parse(this.bytes(ref).toString('utf8')) as T;
  }
}

export interface ColumnSpec {
  dim: string;
  enc: 'i32' | 'dict';
  codes: BlobRef;
  dict?: BlobRef;
}

/** Encode the data IDs of a group of records as one column per dimension. */
export function writeDataIdColumns(w: BlobWriter, dataIds: DataId[]): ColumnSpec[] {
  const dims: string[] = [];
  const seen = new Set<string>();
  for (const d of dataIds) {
    for (const k of Object.keys(d)) {
      if (!seen.has(k)) {
        seen.add(k);
        dims.push(k);
      }
    }
  }
  return dims.map((dim) => {
    const n = dataIds.length;
    let ints = true;
    for (let i = 0; i < n && ints; i++) {
      const v = dataIds[i][dim];
      ints = typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
    }
    const codes = new Int32Array(n);
    if (ints) {
      for (let i = 0; i < n; i++) codes[i] = dataIds[i][dim] as number;
      return { dim, enc: 'i32' as const, codes: w.addInt32(codes) };
    }
    const dict: (string | number)[] = [];
    const index = new Map<string | number, number>();
    for (let i = 0; i < n; i++) {
      const v = dataIds[i][dim];
      if (v === undefined) {
        codes[i] = -1;
        continue;
      }
      let c = index.get(v);
      if (c === undefined) {
        c = dict.length;
        dict.push(v);
        index.set(v, c);
      }
      codes[i] = c;
    }
    return { dim, enc: 'dict' as const, codes: w.addInt32(codes), dict: w.addJson(dict) };
  });
}

export function readDataIdColumns(r: BlobReader, cols: ColumnSpec[], n: number): DataId[] {
  const out: DataId[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = {};
  for (const c of cols) {
    const codes = r.int32(c.codes);
    if (c.enc === 'i32') {
      for (let i = 0; i < n; i++) out[i][c.dim] = codes[i];
    } else {
      const dict = r.json<(string | number)[]>(c.dict!);
      for (let i = 0; i < n; i++) if (codes[i] >= 0) out[i][c.dim] = dict[codes[i]];
    }
  }
  return out;
}

/** UUID strings <-> 16 bytes each. */
export function uuidsToBytes(ids: string[]): Uint8Array {
  const out = Buffer.alloc(ids.length * 16);
  ids.forEach((id, i) => out.write(id.replace(/-/g, ''), i * 16, 16, 'hex'));
  return out;
}

const HEX_CODES = Buffer.from('0123456789abcdef', 'latin1');
const DASH = 0x2d;

/** 16-byte UUIDs -> canonical strings: one flat string per id, no intermediate strings. */
export function bytesToUuids(b: Uint8Array, n: number): string[] {
  const text = Buffer.allocUnsafe(n * 36);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const o = i * 16;
    for (let k = 0; k < 16; k++) {
      if (k === 4 || k === 6 || k === 8 || k === 10) text[t++] = DASH;
      const v = b[o + k];
      text[t++] = HEX_CODES[v >> 4];
      text[t++] = HEX_CODES[v & 15];
    }
  }
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = text.toString('latin1', i * 36, i * 36 + 36);
  return out;
}
