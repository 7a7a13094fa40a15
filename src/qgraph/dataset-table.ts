/**
 * The datasets of a quantum graph as columns (docs/qgraph.md, "In memory"): a million-quantum
 * graph has millions of datasets, and one JS object (with its UUID and path strings) per
 * dataset cost most of the builder's memory. Here a dataset is a row: 16 UUID bytes, a type
 * code, a run code, the producing quantum, a shared data-ID object and a path code. A path is
 * a pattern of its dataset type filled with its data ID (`u/run/calexp/{visit}/calexp_{visit}_
 * {detector}.fits`), learnt from the paths the datastore gives and kept only when it gives back
 * that exact path; any other path is kept as it is.
 */
import { Codes } from './codes.js';
import { randomFillSync } from 'node:crypto';
import type { DataId } from '../task/define-task.js';
import type { QGDataset, QGDatasetList } from './types.js';

/** A path as literal parts around data-ID values: parts[0] + v(dims[0]) + parts[1] + ... */
export interface PathPattern {
  parts: string[];
  dims: string[];
}

/** What addDataset takes: `id` undefined makes a random (version 4) UUID. */
export interface NewDataset {
  id?: string;
  datasetType: string;
  dataId: DataId;
  run: string;
  path: string;
  producer: number;
}

/** Patterns tried per dataset type before paths of that type are kept as they are. */
const MAX_PATTERNS_PER_TYPE = 16;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

function fill(p: PathPattern, dataId: DataId): string | undefined {
  let s = p.parts[0];
  for (let k = 0; k < p.dims.length; k++) {
    const v = dataId[p.dims[k]];
    if (v === undefined) return undefined;
    s += String(v) + p.parts[k + 1];
  }
  return s;
}

/**
 * The pattern of `path` for `dataId`: every run of letters and digits that spells a data-ID
 * value becomes that value's slot. The caller checks that the pattern gives the path back for
 * each dataset it is used for, so a wrong guess (detector 0 matching a `0` of the run name)
 * only costs a second pattern.
 */
export function learnPattern(path: string, dataId: DataId): PathPattern {
  const byValue = new Map<string, string>();
  for (const [k, v] of Object.entries(dataId)) {
    const s = String(v);
    if (!byValue.has(s)) byValue.set(s, k);
  }
  const parts: string[] = [];
  const dims: string[] = [];
  let lit = '';
  const re = /[A-Za-z0-9]+|[^A-Za-z0-9]+/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    const dim = byValue.get(m[0]);
    if (dim === undefined) {
      lit += m[0];
      continue;
    }
    parts.push(lit);
    dims.push(dim);
    lit = '';
  }
  parts.push(lit);
  return { parts, dims };
}

/** Growable columns of the datasets; the builder appends, the file reads and writes the columns. */
export class DatasetTable implements QGDatasetList {
  length = 0;
  /** 16 bytes per dataset */
  ids: Uint8Array;
  typeCodes: Int32Array;
  runCodes: Int32Array;
  producers: Int32Array;
  /** >= 0: index into `patterns`; -1: `explicitPaths` holds the path */
  pathCodes: Int32Array;
  dataIds: DataId[] = [];
  private readonly typeNames = new Codes<string>();
  private readonly runNames = new Codes<string>();
  /** dataset type and run names by code */
  readonly types = this.typeNames.list;
  readonly runs = this.runNames.list;
  readonly patterns: PathPattern[] = [];
  readonly explicitPaths = new Map<number, string>();
  /** per type code: its patterns, the last one that worked first */
  private readonly typePatterns: number[][] = [];
  private randomPool = new Uint8Array(0);
  private randomAt = 0;

  constructor(capacity = 1024) {
    this.ids = new Uint8Array(capacity * 16);
    this.typeCodes = new Int32Array(capacity);
    this.runCodes = new Int32Array(capacity);
    this.producers = new Int32Array(capacity);
    this.pathCodes = new Int32Array(capacity);
  }

  /** A table over decoded columns (file.ts). */
  static fromColumns(c: {
    count: number;
    ids: Uint8Array;
    typeCodes: Int32Array;
    runCodes: Int32Array;
    producers: Int32Array;
    pathCodes: Int32Array;
    dataIds: DataId[];
    types: string[];
    runs: string[];
    patterns: PathPattern[];
    explicitPaths: Map<number, string>;
  }): DatasetTable {
    const t = new DatasetTable(0);
    t.length = c.count;
    t.ids = c.ids;
    t.typeCodes = c.typeCodes;
    t.runCodes = c.runCodes;
    t.producers = c.producers;
    t.pathCodes = c.pathCodes;
    t.dataIds = c.dataIds;
    for (const name of c.types) t.typeCode(name);
    for (const run of c.runs) t.runCode(run);
    t.patterns.push(...c.patterns);
    for (const [i, p] of c.explicitPaths) t.explicitPaths.set(i, p);
    return t;
  }

  typeCode(name: string): number {
    const c = this.typeNames.code(name);
    if (c === this.typePatterns.length) this.typePatterns.push([]);
    return c;
  }

  runCode(run: string): number {
    return this.runNames.code(run);
  }

  private grow(): void {
    const cap = Math.max(1024, this.typeCodes.length * 2);
    const more = <T extends Int32Array | Uint8Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.ids = more(this.ids, cap * 16);
    this.typeCodes = more(this.typeCodes, cap);
    this.runCodes = more(this.runCodes, cap);
    this.producers = more(this.producers, cap);
    this.pathCodes = more(this.pathCodes, cap);
  }

  private randomId(at: number): void {
    if (this.randomAt + 16 > this.randomPool.length) {
      this.randomPool = randomFillSync(new Uint8Array(16 * 4096));
      this.randomAt = 0;
    }
    const o = at * 16;
    this.ids.set(this.randomPool.subarray(this.randomAt, this.randomAt + 16), o);
    this.randomAt += 16;
    this.ids[o + 6] = (this.ids[o + 6] & 0x0f) | 0x40; // version 4
    this.ids[o + 8] = (this.ids[o + 8] & 0x3f) | 0x80; // RFC 4122 variant
  }

  private pathCode(type: number, path: string, dataId: DataId): number {
    const mine = this.typePatterns[type];
    for (let k = 0; k < mine.length; k++) {
      if (fill(this.patterns[mine[k]], dataId) === path) {
        if (k > 0) mine.unshift(...mine.splice(k, 1));
        return mine[0];
      }
    }
    if (mine.length >= MAX_PATTERNS_PER_TYPE) return -1;
    const p = learnPattern(path, dataId);
    if (fill(p, dataId) !== path) return -1;
    const code = this.patterns.push(p) - 1;
    mine.unshift(code);
    return code;
  }

  /** Append a dataset; returns its index. */
  add(d: NewDataset): number {
    if (this.length === this.typeCodes.length) this.grow();
    const i = this.length++;
    if (d.id === undefined) this.randomId(i);
    else if (UUID_RE.test(d.id))
      Buffer.from(this.ids.buffer).write(d.id.replace(/-/g, ''), i * 16, 16, 'hex');
    else throw new Error(`dataset id ${JSON.stringify(d.id)} is not a UUID`);
    const type = this.typeCode(d.datasetType);
    this.typeCodes[i] = type;
    this.runCodes[i] = this.runCode(d.run);
    this.producers[i] = d.producer;
    this.dataIds[i] = d.dataId;
    const code = this.pathCode(type, d.path, d.dataId);
    this.pathCodes[i] = code;
    if (code < 0) this.explicitPaths.set(i, d.path);
    return i;
  }

  id(i: number): string {
    const b = this.ids;
    const o = i * 16;
    let s = '';
    for (let k = 0; k < 16; k++) {
      if (k === 4 || k === 6 || k === 8 || k === 10) s += '-';
      s += String.fromCharCode(HEX[b[o + k] >> 4], HEX[b[o + k] & 15]);
    }
    return s;
  }

  datasetType(i: number): string {
    return this.types[this.typeCodes[i]];
  }

  dataId(i: number): DataId {
    return this.dataIds[i];
  }

  run(i: number): string {
    return this.runs[this.runCodes[i]];
  }

  path(i: number): string {
    const c = this.pathCodes[i];
    return c < 0 ? (this.explicitPaths.get(i) ?? '') : fill(this.patterns[c], this.dataIds[i])!;
  }

  producer(i: number): number {
    return this.producers[i];
  }

  get(i: number): QGDataset {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`no dataset ${i} (of ${this.length})`);
    return {
      id: this.id(i),
      datasetType: this.datasetType(i),
      dataId: this.dataIds[i],
      run: this.run(i),
      path: this.path(i),
      producer: this.producers[i],
    };
  }
}
