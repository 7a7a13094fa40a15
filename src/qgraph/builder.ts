/**
 * The quantum-graph builder (docs/qgraph.md). Pure: it reads only the data source and does a
 * fixed number of bulk calls per task and dataset type, never one per quantum; everything
 * else is map lookups on compact data-ID keys.
 */
import { GraphError } from '../errors.js';
import type { PipelineTaskNode } from '../pipeline/types.js';
import type { Conn, DataId } from '../task/define-task.js';
import { formatDataId, keyOf, project } from './data-ids.js';
import { checkTaskProblems, failEmpty } from './build-errors.js';
import { DatasetIndex } from './dataset-index.js';
import { GroupWriter, withLazyQuanta, type QuantumGroup } from './quantum-table.js';
import { spatialCandidates, type OverlapTest } from './spatial.js';
import type { BuildProgress, BuildResult, DroppedQuanta, QGDataSource, QuantumGraph } from './types.js';

export const QG_VERSION = 1;

export interface BuildOptions {
  outputRun: string;
  inputCollections: string[];
  dataQuery?: string;
  /** skip quanta whose outputs all exist in the output run (and use those outputs downstream) */
  skipExisting?: boolean;
  /** exact polygon overlap test (src/butler/region.ts regionsOverlap) */
  overlaps: OverlapTest;
  onProgress?: (p: BuildProgress) => void;
  now?: Date;
}

const SAMPLE = 5;
const PROGRESS_EVERY = 5000;
const SKY = new Set(['skymap', 'tract', 'patch']);
const OBSERVATION = new Set(['instrument', 'exposure', 'visit', 'detector', 'physical_filter', 'day_obs']);

/** Dimensions from both the sky-map and the observation families need a spatial join. */
function mixesSkyAndObservation(dims: string[]): boolean {
  return dims.some((d) => SKY.has(d)) && dims.some((d) => OBSERVATION.has(d));
}

class Builder {
  /** the quanta, per task, as columns (quantum-table.ts) */
  readonly groups: QuantumGroup[] = [];
  private nQuanta = 0;
  readonly ix: DatasetIndex;
  readonly dropped: DroppedQuanta[] = [];

  constructor(
    private readonly tasks: PipelineTaskNode[],
    private readonly source: QGDataSource,
    private readonly opts: BuildOptions,
  ) {
    this.ix = new DatasetIndex(tasks, source);
  }

  private drop(
    task: PipelineTaskNode,
    type: string,
    dataId: DataId,
    drops: Map<string, DroppedQuanta>,
  ): void {
    let d = drops.get(type);
    if (!d) drops.set(type, (d = { label: task.label, datasetType: type, count: 0, sample: [] }));
    d.count++;
    if (d.sample.length < SAMPLE) d.sample.push(dataId);
  }

  async addTask(task: PipelineTaskNode, taskIndex: number): Promise<{ made: number; skipped: number }> {
    this.opts.onProgress?.({
      label: task.label,
      taskIndex,
      taskCount: this.tasks.length,
      done: 0,
      total: 0,
      phase: 'start',
    });
    const E = this.ix.exp(task.dimensions);
    const R = this.ix.req(task.dimensions);
    const ambiguous: { name: string; dataId: DataId; n: number }[] = [];
    const spatialConn = Object.entries(task.inputs).find(([, c]) => {
      const r = this.ix.req(c.dimensions);
      return (
        (E.includes('patch') || E.includes('tract')) &&
        r.includes('visit') &&
        !r.includes('patch') &&
        !r.includes('tract')
      );
    });
    let candidates: { dataId: DataId; spatial?: number[] }[];
    if (spatialConn) candidates = await spatialCandidates(this.ix, task, spatialConn[1], this.opts.overlaps);
    else candidates = (await this.ix.dataIds(task.dimensions)).map((dataId) => ({ dataId }));

    // Per connection: how to find its datasets for a quantum data ID.
    type Lookup = { name: string; conn: Conn; prereq: boolean; find: (q: DataId) => number[] };
    const lookups: Lookup[] = [];
    const conns = [
      ...Object.entries(task.inputs).map(([n, c]) => [n, c, false] as const),
      ...Object.entries(task.prerequisiteInputs).map(([n, c]) => [n, c, true] as const),
    ];
    for (const [name, conn, prereq] of conns) {
      if (spatialConn && name === spatialConn[0]) continue;
      const req = this.ix.req(conn.dimensions);
      const avail = await this.ix.available(conn);
      if (req.every((d) => E.includes(d))) {
        lookups.push({
          name,
          conn,
          prereq,
          find: (q) => {
            const i = avail.get(keyOf(q, req) ?? '\u0000');
            return i === undefined ? [] : [i];
          },
        });
      } else if (!mixesSkyAndObservation([...req, ...R])) {
        // related through the registry's joins (exposure <-> visit, visit -> detectors)
        const rel = await this.ix.relation(task.dimensions, conn.dimensions);
        const R0 = R;
        lookups.push({
          name,
          conn,
          prereq,
          find: (q) => {
            const found: number[] = [];
            for (const k of rel.get(keyOf(q, R0) ?? '\u0000') ?? []) {
              const i = avail.get(k);
              if (i !== undefined) found.push(i);
            }
            if (found.length > 1 && !conn.multiple) ambiguous.push({ name, dataId: q, n: found.length });
            return found;
          },
        });
      } else {
        const common = this.ix.exp(conn.dimensions).filter((d) => E.includes(d));
        const g = await this.ix.gatherIndex(conn, common);
        lookups.push({ name, conn, prereq, find: (q) => g.get(keyOf(q, common) ?? '\u0000') ?? [] });
      }
    }
    const outs = await Promise.all(
      Object.entries(task.outputs).map(async ([name, conn]) => ({
        name,
        conn,
        req: this.ix.req(conn.dimensions),
        exp: this.ix.exp(conn.dimensions),
        existing: await this.ix.outputRunIndex(conn.datasetType),
        avail: await this.ix.available(conn),
      })),
    );
    const group = new GroupWriter(
      task.label,
      [...(spatialConn ? [spatialConn[0]] : []), ...lookups.map((l) => l.name)],
      outs.map((o) => o.name),
    );
    const drops = new Map<string, DroppedQuanta>();
    const missingPrereq = new Map<string, DroppedQuanta>();
    const clobber: { type: string; dataId: DataId }[] = [];
    let made = 0;
    let skipped = 0;
    const run = this.opts.outputRun;
    let seen = 0;
    candidates: for (const cand of candidates) {
      if (++seen % PROGRESS_EVERY === 0 && this.opts.onProgress) {
        const p = {
          label: task.label,
          taskIndex,
          taskCount: this.tasks.length,
          done: seen,
          total: candidates.length,
        };
        this.opts.onProgress({ ...p, phase: 'progress' });
        // let a progress bar repaint; the loop itself is synchronous
        await new Promise((r) => setImmediate(r));
      }
      const q = cand.dataId;
      const inputs: Record<string, number[]> = {};
      if (spatialConn) inputs[spatialConn[0]] = cand.spatial!;
      for (const l of lookups) {
        const found = l.find(q);
        if (found.length === 0) {
          if (l.prereq) this.drop(task, l.conn.datasetType, q, missingPrereq);
          else this.drop(task, l.conn.datasetType, q, drops);
          continue candidates;
        }
        inputs[l.name] = found;
      }
      const predicted = outs.map((o) => {
        const dataId = o.exp.length === E.length ? q : project(q, o.exp);
        const key = keyOf(dataId, o.req)!;
        return { o, dataId, key, existing: o.existing.get(key) };
      });
      const nExisting = predicted.filter((p) => p.existing).length;
      if (nExisting > 0 && !this.opts.skipExisting) {
        const p = predicted.find((x) => x.existing)!;
        if (clobber.length < SAMPLE) clobber.push({ type: p.o.conn.datasetType, dataId: p.dataId });
        continue;
      }
      if (nExisting === predicted.length && predicted.length > 0) {
        for (const p of predicted) {
          p.o.avail.set(
            p.key,
            this.ix.addDataset({
              id: p.existing!.id,
              datasetType: p.o.conn.datasetType,
              dataId: p.dataId,
              run,
              path: p.existing!.path ?? '',
              producer: -1,
            }),
          );
        }
        skipped++;
        continue;
      }
      const qi = this.nQuanta;
      const outputs: Record<string, number[]> = {};
      for (const p of predicted) {
        const c = p.o.conn;
        if (p.o.avail.has(p.key)) {
          throw new GraphError(
            'OUTPUT_TWICE',
            `task ${task.label}: two quanta would write ${c.datasetType} for ${formatDataId(p.dataId)}; its dimensions [${c.dimensions.join(', ')}] must identify one quantum of [${task.dimensions.join(', ')}]`,
            { key: task.label },
          );
        }
        const path =
          p.existing?.path ??
          this.source.pathFor({
            datasetType: c.datasetType,
            run,
            dataId: p.dataId,
            storageClass: c.storageClass,
          });
        const idx = this.ix.addDataset({
          id: p.existing?.id,
          datasetType: c.datasetType,
          dataId: p.dataId,
          run,
          path,
          producer: qi,
        });
        p.o.avail.set(p.key, idx);
        outputs[p.o.name] = [idx];
      }
      group.add(q, inputs, outputs);
      this.nQuanta++;
      made++;
    }
    if (made > 0) this.groups.push(group.done());
    this.ix.taskDone(taskIndex);
    checkTaskProblems({
      task,
      run,
      inputCollections: this.opts.inputCollections,
      ambiguous,
      clobber,
      missingPrereq,
    });
    // only overall inputs: a quantum dropped for want of an intermediate input is the
    // consequence of an upstream drop, which is already reported
    for (const d of drops.values()) if (this.ix.producer(d.datasetType) === undefined) this.dropped.push(d);
    if (made === 0 && skipped === 0) {
      failEmpty({
        task,
        nCandidates: candidates.length,
        drops,
        dataQuery: this.opts.dataQuery,
        inputCollections: this.opts.inputCollections,
        producer: (t) => this.ix.producer(t),
      });
    }
    this.opts.onProgress?.({
      label: task.label,
      taskIndex,
      taskCount: this.tasks.length,
      done: candidates.length,
      total: candidates.length,
      phase: 'done',
    });
    return { made, skipped };
  }
}

/**
 * Build the quantum graph of `tasks` (in execution order, as loadPipeline returns them).
 *
 * @example
 * ```ts
 * const { graph, counts } = await buildQuantumGraph(pipeline.tasks, source, { outputRun: 'u/me/run', inputCollections: ['ToyCam/defaults'], overlaps: regionsOverlap });
 * ```
 */
export async function buildQuantumGraph(
  tasks: PipelineTaskNode[],
  source: QGDataSource,
  opts: BuildOptions,
): Promise<BuildResult> {
  const b = new Builder(tasks, source, opts);
  const counts: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  for (let i = 0; i < tasks.length; i++) {
    const r = await b.addTask(tasks[i], i);
    counts[tasks[i].label] = r.made;
    skipped[tasks[i].label] = r.skipped;
  }
  const types = new Map<string, { name: string; dimensions: string[]; storageClass: string }>();
  for (const t of tasks) {
    for (const c of [
      ...Object.values(t.inputs),
      ...Object.values(t.prerequisiteInputs),
      ...Object.values(t.outputs),
    ]) {
      if (!types.has(c.datasetType))
        types.set(c.datasetType, {
          name: c.datasetType,
          dimensions: source.universe.required(c.dimensions),
          storageClass: c.storageClass,
        });
    }
  }
  const graph: QuantumGraph = withLazyQuanta(
    {
      version: QG_VERSION,
      outputRun: opts.outputRun,
      inputCollections: opts.inputCollections,
      dataQuery: opts.dataQuery ?? '',
      created: (opts.now ?? new Date()).toISOString(),
      tasks: tasks.map((t) => ({
        label: t.label,
        kind: t.kind,
        module: t.module,
        exportName: t.exportName,
        argv: t.argv,
        taskName: t.taskName,
        dimensions: t.dimensions,
        inputs: t.inputs,
        prerequisiteInputs: t.prerequisiteInputs,
        outputs: t.outputs,
        config: t.config,
      })),
      datasetTypes: [...types.values()],
      datasets: b.ix.datasets,
    },
    b.groups,
  );
  return { graph, counts, skipped, dropped: b.dropped };
}
