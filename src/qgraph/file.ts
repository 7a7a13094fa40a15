/**
 * The QG file (`<submitDir>/qgraph.qg`): `QUANTAQG` magic, u32 format version, u32 manifest
 * length, the deflated JSON manifest (header fields, tasks, dataset types, column layout), then
 * the blob area. Format 2 (written): the dataset table's columns as they are in memory (UUID
 * bytes undeflated, type/run/producer/path codes, data-ID codes, path patterns and the paths no
 * pattern gives); per task the quantum data-ID codes and, per connection, the edges in CSR form
 * (offsets + dataset indices). Format 1 (read only): per dataset type the UUIDs, run codes,
 * paths as JSON, producers and data-ID codes. See docs/qgraph.md.
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
  writeDataIdColumns,
  type BlobRef,
  type ColumnSpec,
} from './columns.js';
import { Codes } from './codes.js';
import { DatasetTable, type PathPattern } from './dataset-table.js';
import {
  IntList,
  quantumGroupsOf,
  withLazyQuanta,
  type Edges,
  type QuantumGroup as QuantumColumns,
} from './quantum-table.js';
import type { QGDataset, QGQuantum, QuantumGraph } from './types.js';

const MAGIC = 'QUANTAQG';
export const QG_FILE_VERSION = 2;
/** older formats this quanta still reads */
const READS = [1, 2];
/** deflate level of the int32 columns: level 1 is 3x faster than 4 here for 5% more bytes */
const LEVEL = 1;

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

interface DatasetColumns {
  count: number;
  types: string[];
  runs: string[];
  patterns: PathPattern[];
  ids: BlobRef;
  typeCodes: BlobRef;
  runCodes: BlobRef;
  producers: BlobRef;
  pathCodes: BlobRef;
  /** indices into the shared data-ID table */
  dataId: BlobRef;
  /** the datasets whose path no pattern gives: their indices and paths (JSON) */
  explicit: { count: number; indices: BlobRef; paths: BlobRef };
}

interface Manifest {
  formatVersion: 2;
  dataIds: { count: number; columns: ColumnSpec[] };
  header: Omit<QuantumGraph, 'datasets' | 'quanta'>;
  datasets: DatasetColumns;
  quanta: QuantumGroup[];
}

interface ManifestV1 {
  formatVersion: number;
  /** the distinct data IDs (a quantum and its outputs usually share one), as columns */
  dataIds: { count: number; columns: ColumnSpec[] };
  header: Omit<QuantumGraph, 'datasets' | 'quanta'>;
  datasets: DatasetGroup[];
  quanta: QuantumGroup[];
}

/** Quantum columns from quantum objects (a graph whose `quanta` was made or replaced). */
function groupsFromObjects(quanta: QGQuantum[]): QuantumColumns[] {
  const groups: QuantumColumns[] = [];
  for (let start = 0; start < quanta.length;) {
    const label = quanta[start].label;
    let end = start;
    while (end < quanta.length && quanta[end].label === label) end++;
    const qs = quanta.slice(start, end);
    const edges = (side: 'inputs' | 'outputs'): Edges[] => {
      const conns: string[] = [];
      for (const q of qs) for (const c of Object.keys(q[side])) if (!conns.includes(c)) conns.push(c);
      return conns.map((conn) => {
        const offsets = new Int32Array(qs.length + 1);
        const values = new IntList();
        qs.forEach((q, i) => {
          offsets[i] = values.n;
          for (const d of q[side][conn] ?? []) values.push(d);
        });
        offsets[qs.length] = values.n;
        return { conn, offsets, values: values.view() };
      });
    };
    groups.push({
      label,
      count: qs.length,
      dataIds: qs.map((q) => q.dataId),
      inputs: edges('inputs'),
      outputs: edges('outputs'),
    });
    start = end;
  }
  return groups;
}

/** The graph's dataset table (a graph from the builder or the file has one; else made here). */
function tableOf(g: QuantumGraph): DatasetTable {
  if (g.datasets instanceof DatasetTable) return g.datasets;
  const t = new DatasetTable(g.datasets.length);
  for (let i = 0; i < g.datasets.length; i++) t.add(g.datasets.get(i));
  return t;
}

/** The graph without its datasets and quanta (reading `quanta` would make its quantum objects). */
function headerOf(g: QuantumGraph): Manifest['header'] {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(g))
    if (k !== 'quanta' && k !== 'datasets') out[k] = (g as unknown as Record<string, unknown>)[k];
  return out as Manifest['header'];
}

/** Serialise a graph to bytes (format 2). */
export function encodeQuantumGraph(g: QuantumGraph): Buffer {
  const w = new BlobWriter();
  // distinct data-ID objects, by identity: the builder shares one between a quantum and its outputs
  const table = new Codes<DataId>();
  const ds = tableOf(g);
  const n = ds.length;
  const dataIdCodes = new Int32Array(n);
  for (let i = 0; i < n; i++) dataIdCodes[i] = table.code(ds.dataIds[i]);
  const explicitIdx = Int32Array.from(ds.explicitPaths.keys());
  const datasets: DatasetColumns = {
    count: n,
    types: ds.types,
    runs: ds.runs,
    patterns: ds.patterns,
    ids: w.addRaw(ds.ids.subarray(0, n * 16)),
    typeCodes: w.addInt32(ds.typeCodes.subarray(0, n), LEVEL),
    runCodes: w.addInt32(ds.runCodes.subarray(0, n), LEVEL),
    producers: w.addInt32(ds.producers.subarray(0, n), LEVEL),
    pathCodes: w.addInt32(ds.pathCodes.subarray(0, n), LEVEL),
    dataId: w.addInt32(dataIdCodes, LEVEL),
    explicit: {
      count: explicitIdx.length,
      indices: w.addInt32(explicitIdx, LEVEL),
      paths: w.addJson([...ds.explicitPaths.values()]),
    },
  };
  const edgeSpecs = (edges: Edges[]): EdgeSpec[] =>
    edges.map((e) => ({
      conn: e.conn,
      offsets: w.addInt32(e.offsets, LEVEL),
      values: w.addInt32(e.values, LEVEL),
    }));
  const quanta: QuantumGroup[] = (quantumGroupsOf(g) ?? groupsFromObjects(g.quanta)).map((grp) => {
    const codes = new Int32Array(grp.count);
    for (let i = 0; i < grp.count; i++) codes[i] = table.code(grp.dataIds[i]);
    return {
      label: grp.label,
      count: grp.count,
      dataId: w.addInt32(codes, LEVEL),
      inputs: edgeSpecs(grp.inputs),
      outputs: edgeSpecs(grp.outputs),
    };
  });
  const header = headerOf(g);
  const dataIds = { count: table.list.length, columns: writeDataIdColumns(w, table.list) };
  const manifest: Manifest = { formatVersion: 2, header, dataIds, datasets, quanta };
  const m = deflateSync(Buffer.from(JSON.stringify(manifest)));
  const head = Buffer.alloc(16);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(QG_FILE_VERSION, 8);
  head.writeUInt32LE(m.length, 12);
  return Buffer.concat([head, m, w.concat()]);
}

/** The quantum columns of the manifest's groups. */
function readGroups(r: BlobReader, groups: QuantumGroup[], table: DataId[]): QuantumColumns[] {
  return groups.map((grp) => {
    const codes = r.int32(grp.dataId);
    const dataIds: DataId[] = new Array(grp.count);
    for (let i = 0; i < grp.count; i++) dataIds[i] = table[codes[i]];
    const edges = (specs: EdgeSpec[]): Edges[] =>
      specs.map((e) => ({ conn: e.conn, offsets: r.int32(e.offsets), values: r.int32(e.values) }));
    return {
      label: grp.label,
      count: grp.count,
      dataIds,
      inputs: edges(grp.inputs),
      outputs: edges(grp.outputs),
    };
  });
}

function decodeV2(manifest: Manifest, r: BlobReader): QuantumGraph {
  const table = readDataIdColumns(r, manifest.dataIds.columns, manifest.dataIds.count);
  const d = manifest.datasets;
  const codes = r.int32(d.dataId);
  const dataIds: DataId[] = new Array(d.count);
  for (let i = 0; i < d.count; i++) dataIds[i] = table[codes[i]];
  const indices = r.int32(d.explicit.indices);
  const paths = r.json<string[]>(d.explicit.paths);
  const explicitPaths = new Map<number, string>();
  for (let k = 0; k < indices.length; k++) explicitPaths.set(indices[k], paths[k]);
  const datasets = DatasetTable.fromColumns({
    count: d.count,
    ids: r.bytes(d.ids),
    typeCodes: r.int32(d.typeCodes),
    runCodes: r.int32(d.runCodes),
    producers: r.int32(d.producers),
    pathCodes: r.int32(d.pathCodes),
    dataIds,
    types: d.types,
    runs: d.runs,
    patterns: d.patterns,
    explicitPaths,
  });
  return withLazyQuanta({ ...manifest.header, datasets }, readGroups(r, manifest.quanta, table));
}

/** Format 1 (quanta before 2026-12-02): datasets grouped by type, paths as JSON. */
function decodeV1(manifest: ManifestV1, r: BlobReader): QuantumGraph {
  const table = readDataIdColumns(r, manifest.dataIds.columns, manifest.dataIds.count);
  const list: QGDataset[] = [];
  for (const grp of manifest.datasets) {
    const ids = bytesToUuids(r.bytes(grp.ids), grp.count);
    const runCodes = r.int32(grp.runCodes);
    const paths = r.json<string[]>(grp.paths);
    const producers = r.int32(grp.producers);
    const dataIds = r.int32(grp.dataId);
    for (let i = 0; i < grp.count; i++) {
      list.push({
        id: ids[i],
        datasetType: grp.type,
        dataId: table[dataIds[i]],
        run: grp.runs[runCodes[i]],
        path: paths[i],
        producer: producers[i],
      });
    }
  }
  // format 1 wrote the edges in the file's (grouped by type) dataset order: they fit as they are
  const datasets = new DatasetTable(list.length);
  for (const x of list) datasets.add(x);
  return withLazyQuanta({ ...manifest.header, datasets }, readGroups(r, manifest.quanta, table));
}

/** Parse bytes written by encodeQuantumGraph (format 2) or by an older quanta (format 1). */
export function decodeQuantumGraph(bytes: Buffer, file = '(buffer)'): QuantumGraph {
  if (bytes.length < 16 || bytes.toString('latin1', 0, 8) !== MAGIC) {
    throw new GraphError('QG_FORMAT', `${file} is not a quanta QG file (bad magic)`, { file });
  }
  const version = bytes.readUInt32LE(8);
  if (!READS.includes(version)) {
    throw new GraphError(
      'QG_VERSION',
      `${file} has QG format version ${version}; this quanta reads versions ${READS.join(' and ')}: make the graph again with this quanta (quanta qgraph), or read it with the quanta that wrote it`,
      { file },
    );
  }
  const mlen = bytes.readUInt32LE(12);
  const manifest = JSON.parse(inflateSync(bytes.subarray(16, 16 + mlen)).toString('utf8')) as
    Manifest | ManifestV1;
  const r = new BlobReader(bytes.subarray(16 + mlen));
  return version === 1 ? decodeV1(manifest as ManifestV1, r) : decodeV2(manifest as Manifest, r);
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
