/**
 * QG -> plain workflow (docs/engine.md, "The workflow file"): one job per quantum with
 * `needs` from the graph's edges and per-label resources from the submit config, plus the
 * per-quantum JSON files that `runQuantum` reads (command tasks get a filled argv instead).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandArgv } from '../task/command-task.js';
import type { DataId } from '../task/define-task.js';
import type { QuantumFile, QuantumRef } from '../task/quantum-file.js';
import { project } from './data-ids.js';
import type { QGDataset, QuantumGraph } from './types.js';

export interface JobResources {
  requestMemory: number;
  requestCpus: number;
  numberOfRetries?: number;
  memoryMultiplier?: number;
  timeoutSec?: number;
}

export interface WorkflowJobOutput {
  id: string;
  datasetType: string;
  run: string;
  dataId: DataId;
  path: string;
}

export interface WorkflowJob {
  id: string;
  label: string;
  argv?: string[];
  task?: { module: string; exportName: string; quantumFile: string };
  requestMemory: number;
  requestCpus: number;
  needs: string[];
  timeoutSec?: number;
  numberOfRetries?: number;
  memoryMultiplier?: number;
  /** exit codes after which a failed attempt is not retried (bps `retryUnlessExit`) */
  retryUnlessExit?: number[];
  /** `always`: runs once everything upstream ended, even after failures (bps finalJob.whenRun ALWAYS) */
  runWhen?: 'success' | 'always';
  outputs?: WorkflowJobOutput[];
}

export interface Workflow {
  name: string;
  /** the repository the outputs are registered in (absolute) */
  butlerRoot?: string;
  /** CHAINED collection the output run is put in front of (bps `output`), when set */
  outputCollection?: string;
  /** collections searched after the output run in that chain */
  inputCollections?: string[];
  jobs: WorkflowJob[];
}

export interface ToWorkflowOptions {
  name: string;
  submitDir: string;
  /** absolute datastore root (the butler repo root) */
  datastoreRoot: string;
  resources: (label: string) => JobResources;
  /** CHAINED output collection (bps `output`) */
  outputCollection?: string;
  /** write the per-quantum JSON files (default true) */
  writeQuantumFiles?: boolean;
}

/** A data-ID value as it may stand in a job id (and so in a log file name). */
export const safeIdPart = (v: string | number): string => String(v).replace(/[^A-Za-z0-9_+-]/g, '_');

/** `parts` joined with dots, made unique among `seen` with a `~2`, `~3`... suffix; added to `seen`. */
export function uniqueJobId(parts: (string | number)[], seen: Set<string>): string {
  let id = parts.join('.');
  if (seen.has(id)) {
    let n = 2;
    while (seen.has(`${id}~${n}`)) n++;
    id = `${id}~${n}`;
  }
  seen.add(id);
  return id;
}

/** Job ids like `isr.2340.12`: label + the quantum's dimension values (without the instrument). */
export function jobIds(graph: QuantumGraph): string[] {
  const dimsOf = new Map(graph.tasks.map((t) => [t.label, t.dimensions.filter((d) => d !== 'instrument')]));
  const seen = new Set<string>();
  return graph.quanta.map((q) =>
    uniqueJobId([q.label, ...(dimsOf.get(q.label) ?? []).map((d) => safeIdPart(q.dataId[d] ?? ''))], seen),
  );
}

/**
 * Convert a graph to the plain workflow and (by default) write `<submitDir>/quanta/<label>/<jobId>.json`.
 *
 * @example
 * ```ts
 * const wf = toWorkflow(graph, { name: 'sfp', submitDir, datastoreRoot: butler.root, resources: (l) => config.resources(l) });
 * ```
 */
export function toWorkflow(graph: QuantumGraph, opts: ToWorkflowOptions): Workflow {
  const ids = jobIds(graph);
  const tasks = new Map(graph.tasks.map((t) => [t.label, t]));
  const storage = new Map(graph.datasetTypes.map((t) => [t.name, t]));
  const write = opts.writeQuantumFiles !== false;
  const made = new Set<string>();
  const ref = (d: QGDataset): QuantumRef => ({
    id: d.id,
    datasetType: d.datasetType,
    storageClass: storage.get(d.datasetType)?.storageClass ?? '',
    dataId: d.dataId,
    path: d.path,
  });
  const jobs: WorkflowJob[] = graph.quanta.map((q, qi) => {
    const task = tasks.get(q.label)!;
    const res = opts.resources(q.label);
    const needs = new Set<string>();
    for (const list of Object.values(q.inputs)) {
      for (const d of list) {
        const p = graph.datasets.producer(d);
        if (p >= 0) needs.add(ids[p]);
      }
    }
    const outputs: WorkflowJobOutput[] = Object.values(q.outputs).flatMap((list) =>
      list.map((d) => {
        const ds = graph.datasets.get(d);
        const dims = storage.get(ds.datasetType)?.dimensions ?? Object.keys(ds.dataId);
        return {
          id: ds.id,
          datasetType: ds.datasetType,
          run: ds.run,
          dataId: project(ds.dataId, dims),
          path: ds.path,
        };
      }),
    );
    const job: WorkflowJob = {
      id: ids[qi],
      label: q.label,
      requestMemory: res.requestMemory,
      requestCpus: res.requestCpus,
      needs: [...needs],
      ...(res.timeoutSec !== undefined ? { timeoutSec: res.timeoutSec } : {}),
      ...(res.numberOfRetries !== undefined ? { numberOfRetries: res.numberOfRetries } : {}),
      ...(res.memoryMultiplier !== undefined ? { memoryMultiplier: res.memoryMultiplier } : {}),
      outputs,
    };
    const abs = (list: number[]): string[] =>
      list.map((d) => join(opts.datastoreRoot, graph.datasets.path(d)));
    if (task.kind === 'command') {
      job.argv = expandArgv(task.argv ?? [], {
        label: q.label,
        run: graph.outputRun,
        dataId: q.dataId,
        inputs: Object.fromEntries(Object.entries(q.inputs).map(([k, v]) => [k, abs(v)])),
        outputs: Object.fromEntries(Object.entries(q.outputs).map(([k, v]) => [k, abs(v)])),
      });
      return job;
    }
    const dir = join(opts.submitDir, 'quanta', q.label);
    const quantumFile = join(dir, `${ids[qi]}.json`);
    job.task = { module: task.module!, exportName: task.exportName!, quantumFile };
    if (write) {
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      const body: QuantumFile = {
        task: { label: q.label, module: task.module!, exportName: task.exportName!, config: task.config },
        dataId: q.dataId,
        run: graph.outputRun,
        datastoreRoot: opts.datastoreRoot,
        inputs: Object.fromEntries(
          Object.entries(q.inputs).map(([k, v]) => [k, v.map((d) => ref(graph.datasets.get(d)))]),
        ),
        outputs: Object.fromEntries(
          Object.entries(q.outputs).map(([k, v]) => [k, v.map((d) => ref(graph.datasets.get(d)))]),
        ),
      };
      writeFileSync(quantumFile, JSON.stringify(body));
    }
    return job;
  });
  return {
    name: opts.name,
    butlerRoot: opts.datastoreRoot,
    ...(opts.outputCollection ? { outputCollection: opts.outputCollection } : {}),
    inputCollections: graph.inputCollections,
    jobs,
  };
}
