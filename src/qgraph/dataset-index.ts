/**
 * The builder's lookup tables: every dataset in the graph (existing inputs and predicted
 * outputs) and maps from compact data-ID keys to dataset indices, filled with one bulk
 * data-source call per dimension set or dataset type.
 */
import type { PipelineTaskNode } from '../pipeline/types.js';
import type { Conn, DataId } from '../task/define-task.js';
import { keyOf } from './data-ids.js';
import { DatasetTable, type NewDataset } from './dataset-table.js';
import type { QGDataSource } from './types.js';

export class DatasetIndex {
  readonly datasets = new DatasetTable();
  private readonly avail = new Map<string, Map<string, number>>();
  private readonly existingOut = new Map<string, Map<string, { id: string; path?: string }>>();
  private readonly dataIdCache = new Map<string, Promise<DataId[]>>();
  private readonly gatherIdx = new Map<string, Map<string, number[]>>();
  private readonly relations = new Map<string, Map<string, string[]>>();
  private readonly producers = new Map<string, string>();
  /** per dataset type, the index of the last task that reads or writes it */
  private readonly lastUse = new Map<string, number>();

  constructor(
    private readonly tasks: PipelineTaskNode[],
    readonly source: QGDataSource,
  ) {
    tasks.forEach((t, i) => {
      for (const c of Object.values(t.outputs)) this.producers.set(c.datasetType, t.label);
      for (const c of [
        ...Object.values(t.inputs),
        ...Object.values(t.prerequisiteInputs),
        ...Object.values(t.outputs),
      ])
        this.lastUse.set(c.datasetType, i);
    });
  }

  /**
   * Task `taskIndex` is built: forget the lookup maps no later task needs (at a million quanta
   * they are a good part of the builder's memory). The datasets themselves stay.
   */
  taskDone(taskIndex: number): void {
    for (const [type, last] of this.lastUse) {
      if (last > taskIndex) continue;
      this.avail.delete(type);
      this.existingOut.delete(type);
      for (const sig of this.gatherIdx.keys()) if (sig.startsWith(`${type}|`)) this.gatherIdx.delete(sig);
    }
    this.relations.clear();
  }

  /** label of the task producing a dataset type, if any */
  producer(datasetType: string): string | undefined {
    return this.producers.get(datasetType);
  }

  req(dims: string[]): string[] {
    return this.source.universe.required(dims);
  }

  exp(dims: string[]): string[] {
    return this.source.universe.expand(dims);
  }

  dataIds(dims: string[]): Promise<DataId[]> {
    const sig = this.req(dims).join(',');
    let p = this.dataIdCache.get(sig);
    if (!p) this.dataIdCache.set(sig, (p = this.source.queryDataIds(this.req(dims))));
    return p;
  }

  /** Datasets of a type available as inputs: existing (query-restricted) or predicted upstream. */
  async available(conn: Conn): Promise<Map<string, number>> {
    let m = this.avail.get(conn.datasetType);
    if (m) return m;
    m = new Map();
    this.avail.set(conn.datasetType, m);
    if (this.producers.has(conn.datasetType)) return m;
    const req = this.req(conn.dimensions);
    const allowed = new Map<string, DataId>();
    if (req.length === 0) allowed.set('', {});
    else for (const d of await this.dataIds(conn.dimensions)) allowed.set(keyOf(d, req)!, d);
    for (const ref of await this.source.findInputs(conn.datasetType)) {
      const k = keyOf(ref.dataId, req);
      const dataId = k === undefined ? undefined : allowed.get(k);
      if (dataId === undefined || m.has(k!)) continue;
      m.set(
        k!,
        this.addDataset({
          id: ref.id,
          datasetType: conn.datasetType,
          dataId,
          run: ref.run,
          path: ref.path ?? '',
          producer: -1,
        }),
      );
    }
    return m;
  }

  addDataset(d: NewDataset): number {
    return this.datasets.add(d);
  }

  /** Datasets of `conn` matching quantum data ID `q` on their common dimensions (gathers). */
  async gatherIndex(conn: Conn, common: string[]): Promise<Map<string, number[]>> {
    const sig = `${conn.datasetType}|${common.join(',')}`;
    let g = this.gatherIdx.get(sig);
    if (g) return g;
    g = new Map();
    for (const idx of (await this.available(conn)).values()) {
      const k = keyOf(this.datasets.dataId(idx), common);
      if (k === undefined) continue;
      const list = g.get(k);
      if (list) list.push(idx);
      else g.set(k, [idx]);
    }
    this.gatherIdx.set(sig, g);
    return g;
  }

  /** quantum key (required task dims) -> input keys (required conn dims), from the joined data IDs */
  async relation(taskDims: string[], connDims: string[]): Promise<Map<string, string[]>> {
    const R = this.req(taskDims);
    const D = this.req(connDims);
    const sig = `rel|${R.join(',')}|${D.join(',')}`;
    const cached = this.relations.get(sig);
    if (cached) return cached;
    const rel = new Map<string, string[]>();
    // not through dataIds(): its cache would keep these rows after the relation is made
    for (const row of await this.source.queryDataIds(this.req([...taskDims, ...connDims]))) {
      const qk = keyOf(row, R);
      const ik = keyOf(row, D);
      if (qk === undefined || ik === undefined) continue;
      const l = rel.get(qk);
      if (!l) rel.set(qk, [ik]);
      else if (!l.includes(ik)) l.push(ik);
    }
    this.relations.set(sig, rel);
    return rel;
  }

  async outputRunIndex(type: string): Promise<Map<string, { id: string; path?: string }>> {
    let m = this.existingOut.get(type);
    if (m) return m;
    m = new Map();
    const req = this.req(
      this.tasks.flatMap((t) => Object.values(t.outputs)).find((c) => c.datasetType === type)!.dimensions,
    );
    for (const ref of await this.source.findInOutputRun(type)) {
      const k = keyOf(ref.dataId, req);
      if (k !== undefined) m.set(k, { id: ref.id, path: ref.path });
    }
    this.existingOut.set(type, m);
    return m;
  }
}
