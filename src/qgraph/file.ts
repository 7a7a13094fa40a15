/**
 * The QG file (`<submitDir>/qgraph.qg`): `QUANTAQG` magic, u32 format version, u32 manifest
 * length, the deflated JSON manifest (header fields, tasks, dataset types, column layout), then
 * the blob area: per dataset type the UUIDs as bytes, run codes, paths, producers and data-ID
 * columns; per task the quantum data-ID columns and, per connection, the edges in CSR form
 * (offsets + dataset indices). See docs/qgraph.md.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { deflateSync, inflateSync } from 'node:zlib';
import { GraphError } from '../errors.js';
import type { DataId } from '../task/define-task.js';
import {
  BlobReader,
  BlobWriter,
  bytesToUuids,
  readDataIdColumns,
  uuidsToBytes,
  writeDataIdColumns,
  type BlobRef,
  type ColumnSpec,
} from './columns.js';
import type { QGDataset, QGQuantum, QuantumGraph } from './types.js';

const MAGIC = 'QUANTAQG';
export const QG_FILE_VERSION = 1;

interface DatasetGroup {
  type: string;
  count: number;
  ids: BlobRef;
  runs: string[];
  runCodes: BlobRef;
  paths: BlobRef;
  producers: BlobRef;
  /** indices into the shared data-ID table */
  dataId: BlobRef;
}

interface EdgeSpec {
  conn: string;
  offsets: BlobRef;
  values: BlobRef;
}

interface QuantumGroup {
  label: string;
  count: number;
  dataId: BlobRef;
  inputs: EdgeSpec[];
  outputs: EdgeSpec[];
}

interface Manifest {
  formatVersion: number;
  /** the distinct data IDs (a quantum and its outputs usually share one), as columns */
  dataIds: { count: number; columns: ColumnSpec[] };
  header: Omit<QuantumGraph, 'datasets' | 'quanta'>;
  datasets: DatasetGroup[];
  quanta: QuantumGroup[];
}

/** Distinct data-ID objects (by identity: the builder shares them between a quantum and its outputs). */
class DataIdTable {
  readonly list: DataId[] = [];
  private readonly seen = new Map<DataId, number>();

  index(d: DataId): number {
    let i = this.seen.get(d);
    if (i === undefined) {
      i = this.list.push(d) - 1;
      this.seen.set(d, i);
    }
    return i;
  }
}

function writeEdges(
  w: BlobWriter,
  quanta: QGQuantum[],
  side: 'inputs' | 'outputs',
  remap: Int32Array,
): EdgeSpec[] {
  const conns: string[] = [];
  for (const q of quanta) for (const c of Object.keys(q[side])) if (!conns.includes(c)) conns.push(c);
  return conns.map((conn) => {
    const offsets = new Int32Array(quanta.length + 1);
    let total = 0;
    quanta.forEach((q, i) => {
      offsets[i] = total;
      total += q[side][conn]?.length ?? 0;
    });
    offsets[quanta.length] = total;
    const values = new Int32Array(total);
    let k = 0;
    for (const q of quanta) for (const d of q[side][conn] ?? []) values[k++] = remap[d];
    return { conn, offsets: w.addInt32(offsets), values: w.addInt32(values) };
  });
}

/** Serialise a graph to bytes. */
export function encodeQuantumGraph(g: QuantumGraph): Buffer {
  const w = new BlobWriter();
  const table = new DataIdTable();
  // Group datasets by type; remap global indices to the grouped order.
  const byType = new Map<string, number[]>();
  g.datasets.forEach((d, i) => {
    const l = byType.get(d.datasetType);
    if (l) l.push(i);
    else byType.set(d.datasetType, [i]);
  });
  const remap = new Int32Array(g.datasets.length);
  let next = 0;
  for (const idxs of byType.values()) for (const i of idxs) remap[i] = next++;
  const datasets: DatasetGroup[] = [...byType].map(([type, idxs]) => {
    const ds = idxs.map((i) => g.datasets[i]);
    const runs: string[] = [];
    const runCodes = new Int32Array(ds.length);
    ds.forEach((d, i) => {
      let c = runs.indexOf(d.run);
      if (c < 0) c = runs.push(d.run) - 1;
      runCodes[i] = c;
    });
    return {
      type,
      count: ds.length,
      ids: w.add(uuidsToBytes(ds.map((d) => d.id))),
      runs,
      runCodes: w.addInt32(runCodes),
      paths: w.addJson(ds.map((d) => d.path)),
      producers: w.addInt32(Int32Array.from(ds, (d) => d.producer)),
      dataId: w.addInt32(Int32Array.from(ds, (d) => table.index(d.dataId))),
    };
  });
  const quanta: QuantumGroup[] = [];
  for (let start = 0; start < g.quanta.length;) {
    const label = g.quanta[start].label;
    let end = start;
    while (end < g.quanta.length && g.quanta[end].label === label) end++;
    const qs = g.quanta.slice(start, end);
    quanta.push({
      label,
      count: qs.length,
      dataId: w.addInt32(Int32Array.from(qs, (q) => table.index(q.dataId))),
      inputs: writeEdges(w, qs, 'inputs', remap),
      outputs: writeEdges(w, qs, 'outputs', remap),
    });
    start = end;
  }
  const { datasets: _d, quanta: _q, ...header } = g;
  const dataIds = { count: table.list.length, columns: writeDataIdColumns(w, table.list) };
  const manifest: Manifest = { formatVersion: QG_FILE_VERSION, header, dataIds, datasets, quanta };
  const m = deflateSync(Buffer.from(JSON.stringify(manifest)));
  const head = Buffer.alloc(16);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(QG_FILE_VERSION, 8);
  head.writeUInt32LE(m.length, 12);
  return Buffer.concat([head, m, w.concat()]);
}

/** Parse bytes written by encodeQuantumGraph. */
export function decodeQuantumGraph(bytes: Buffer, file = '(buffer)'): QuantumGraph {
  if (bytes.length < 16 || bytes.toString('latin1', 0, 8) !== MAGIC) {
    throw new GraphError('QG_FORMAT', `${file} is not a quanta QG file (bad magic)`, { file });
  }
  const version = bytes.readUInt32LE(8);
  if (version !== QG_FILE_VERSION) {
    throw new GraphError(
      'QG_VERSION',
      `${file} has QG format version ${version}; this quanta reads version ${QG_FILE_VERSION}`,
      { file },
    );
  }
  const mlen = bytes.readUInt32LE(12);
  const manifest = JSON.parse(inflateSync(bytes.subarray(16, 16 + mlen)).toString('utf8')) as Manifest;
  const r = new BlobReader(bytes.subarray(16 + mlen));
  const table = readDataIdColumns(r, manifest.dataIds.columns, manifest.dataIds.count);
  const datasets: QGDataset[] = [];
  for (const grp of manifest.datasets) {
    const ids = bytesToUuids(r.bytes(grp.ids), grp.count);
    const runCodes = r.int32(grp.runCodes);
    const paths = r.json<string[]>(grp.paths);
    const producers = r.int32(grp.producers);
    const dataIds = r.int32(grp.dataId);
    for (let i = 0; i < grp.count; i++) {
      datasets.push({
        id: ids[i],
        datasetType: grp.type,
        dataId: table[dataIds[i]],
        run: grp.runs[runCodes[i]],
        path: paths[i],
        producer: producers[i],
      });
    }
  }
  const quanta: QGQuantum[] = [];
  for (const grp of manifest.quanta) {
    const dataIds = r.int32(grp.dataId);
    const group: QGQuantum[] = Array.from(dataIds, (i) => ({
      label: grp.label,
      dataId: table[i],
      inputs: {},
      outputs: {},
    }));
    for (const side of ['inputs', 'outputs'] as const) {
      for (const e of grp[side]) {
        const off = r.int32(e.offsets);
        const vals = r.int32(e.values);
        for (let i = 0; i < grp.count; i++) {
          const a = off[i];
          const b = off[i + 1];
          // one dataset per connection is by far the common case: avoid Array.from there
          if (b === a + 1) group[i][side][e.conn] = [vals[a]];
          else if (b > a) group[i][side][e.conn] = Array.from(vals.subarray(a, b));
        }
      }
    }
    for (const q of group) quanta.push(q);
  }
  return { ...manifest.header, datasets, quanta };
}

/** Write the graph atomically (temp + rename); returns the file size in bytes. */
export function saveQuantumGraph(g: QuantumGraph, path: string): number {
  const bytes = encodeQuantumGraph(g);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  return bytes.length;
}

export function loadQuantumGraph(path: string): QuantumGraph {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new GraphError('QG_READ', `cannot read QG file ${path}: ${(e as Error).message}`, { file: path });
  }
  return decodeQuantumGraph(bytes, path);
}
