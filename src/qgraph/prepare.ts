/**
 * `prepareRun(bps.yaml)`: everything before execution. Loads the submit config, opens the
 * butler, loads the pipeline, builds the quantum graph over the input collections with the
 * data query, and writes the submit directory: config.yaml, qgraph.qg, workflow.json,
 * quanta/<label>/<jobId>.json, summary.json and the run's secret `token` (mode 0600). A
 * `.incomplete` marker is there from the first file to the last (incomplete.ts).
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createUniqueDir, loadSubmitConfig, type SubmitConfig } from '../config/index.js';
import { GraphError, PipelineError } from '../errors.js';
import { maskPasswords } from '../util/redact.js';
import { loadPipeline } from '../pipeline/load.js';
import type { DatasetTypeNode, Pipeline } from '../pipeline/types.js';
import { buildQuantumGraph } from './builder.js';
import { clusterQuanta } from './cluster.js';
import { clusterWorkflow } from './cluster-jobs.js';
import { openButlerForGraph, type GraphButler } from './butler-access.js';
import { saveQuantumGraph } from './file.js';
import { markComplete, markIncomplete } from './incomplete.js';
import { prepareLsstRun, type LsstPrepared } from './lsst/prepare.js';
import { pipelineDimensions, registrySource } from './registry-source.js';
import type { BuildProgress, DroppedQuanta } from './types.js';
import { toWorkflow } from './workflow.js';

/** Run files are the owner's: the config may hold a registry URL, the workflow paths and commands. */
const OWNER_ONLY = { mode: 0o600 } as const;

export interface PrepareOptions {
  env?: NodeJS.ProcessEnv;
  now?: Date;
  /** skip quanta whose outputs already exist in the output run */
  skipExisting?: boolean;
  onProgress?: (p: BuildProgress) => void;
  /** Python pipelines: a line of `pipetask qgraph`'s progress (INFO and up) */
  onLog?: (line: string) => void;
  /** `--allow-unknown-keys`: a misspelt key that changes the selection or a request only warns */
  allowUnknownKeys?: boolean;
  /** the config's warnings (unknown keys, ...), as soon as it is loaded: before the graph is built */
  onWarnings?: (warnings: string[]) => void;
}

export interface PreparedRun {
  submitDir: string;
  config: SubmitConfig;
  outputRun: string;
  qgPath: string;
  workflowPath: string;
  counts: Record<string, number>;
  skipped: Record<string, number>;
  dropped: DroppedQuanta[];
  /** seconds spent building the graph */
  buildSeconds: number;
  /** who built the graph: quanta, or LSST's `pipetask qgraph` (a pipeline of Python PipelineTasks) */
  builder: 'quanta' | 'lsst';
}

/** bps's `output` (or `payload.output`) CHAINED collection, when the user set one. */
function outputCollection(config: SubmitConfig): string | undefined {
  const payload = config.raw.payload as Record<string, unknown> | undefined;
  const v = config.raw.output ?? payload?.output;
  return typeof v === 'string' && v ? v : undefined;
}

/** Dataset types the repository already knows must agree with the pipeline's declarations. */
async function checkDatasetTypes(
  butler: GraphButler,
  types: Record<string, DatasetTypeNode>,
  pipelineFile: string,
): Promise<void> {
  for (const t of Object.values(types)) {
    const known = await butler.registry.getDatasetType(t.name).catch(() => undefined);
    if (!known) continue;
    const dims = butler.universe.required(known.dimensions).join(', ');
    if (known.storageClass !== t.storageClass || dims !== t.dimensions.join(', ')) {
      throw new GraphError(
        'DATASET_TYPE_MISMATCH',
        `dataset type ${t.name} is declared in ${pipelineFile} with dimensions [${t.dimensions.join(', ')}] and storage class ${t.storageClass}, but the repository ${butler.root} has it with [${dims}] and ${known.storageClass}; make the task connections agree or rename the dataset type (config connections.<name>)`,
        { key: t.name },
      );
    }
  }
}

/** The output run of a new submit dir: a default (timestamped) run gets the dir's collision suffix. */
function outputRunFor(config: SubmitConfig, submitDir: string): string {
  const suffix = submitDir.slice(config.submitPath.length);
  return suffix && config.outputRun.includes(config.timestamp)
    ? `${config.outputRun}${suffix}`
    : config.outputRun;
}

function inputCollectionsOf(config: SubmitConfig): string[] {
  const inputCollections = splitCollections(config.payload.inCollection);
  if (inputCollections.length === 0) {
    throw new GraphError(
      'NO_INPUT_COLLECTIONS',
      `${config.file}: payload.inCollection is empty; name the input collections`,
      { file: config.file, key: 'payload.inCollection' },
    );
  }
  return inputCollections;
}

/**
 * A pipeline of Python PipelineTasks: LSST's `pipetask qgraph` builds the graph (lsst/prepare.ts).
 * When it fails, the submit dir stays with its log (logs/qgraph.log), which the error names.
 */
async function prepareWithLsst(
  config: SubmitConfig,
  pipeline: Pipeline,
  opts: PrepareOptions,
): Promise<PreparedRun> {
  const ts = pipeline.tasks.filter((t) => t.kind !== 'python');
  if (ts.length > 0) {
    const py = pipeline.tasks.find((t) => t.kind === 'python')!;
    throw new PipelineError(
      'PIPELINE_MIXED_TASKS',
      `${pipeline.file}: task "${py.label}" is a Python PipelineTask and task "${ts[0].label}" is a ${ts[0].kind === 'ts' ? 'TypeScript' : 'command'} task; one pipeline runs either with LSST's pipetask or with quanta's own tasks, not both: split it into two pipelines`,
      { file: pipeline.file, key: ts[0].label },
    );
  }
  const inputCollections = inputCollectionsOf(config);
  const submitDir = createUniqueDir(config.submitPath);
  markIncomplete(submitDir);
  const outputRun = outputRunFor(config, submitDir);
  const output = outputCollection(config) ?? `u/${config.operator}/${config.payload.payloadName}`;
  writeFileSync(join(submitDir, 'config.yaml'), stringify({ ...config.raw, outputRun }), OWNER_ONLY);
  let r: LsstPrepared;
  try {
    r = await prepareLsstRun({
      config,
      submitDir,
      outputRun,
      output,
      inputCollections,
      env: opts.env ?? process.env,
      onLog: opts.onLog,
    });
  } catch (e) {
    if (!(e instanceof GraphError && e.code === 'LSST_QGRAPH_FAILED'))
      rmSync(submitDir, { recursive: true, force: true });
    throw e;
  }
  const summary = {
    submitDir,
    submitConfig: config.file,
    pipeline: config.pipelineYaml,
    butler: maskPasswords(config.payload.butlerConfig),
    builder: 'lsst',
    lsst: {
      pipetask: r.stack.pipetask,
      butler: r.stack.butler,
      python: r.stack.python,
      found: r.stack.source,
    },
    qgraphFile: r.qgPath,
    inputCollections,
    output,
    outputRun,
    dataQuery: config.payload.dataQuery,
    counts: r.counts,
    quanta: Object.values(r.counts).reduce((a, b) => a + b, 0),
    jobs: r.jobs,
    ...(r.clusters.length ? { clusters: countByLabel(r.clusters) } : {}),
    buildSeconds: r.buildSeconds,
  };
  writeRunFiles(submitDir, summary);
  return {
    submitDir,
    config,
    outputRun,
    qgPath: r.qgPath,
    workflowPath: r.workflowPath,
    counts: r.counts,
    skipped: {},
    dropped: [],
    buildSeconds: r.buildSeconds,
    builder: 'lsst',
  };
}

/** Split bps's comma-separated `inCollection`. */
export function splitCollections(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Build the quantum graph of a submit YAML and create its submit directory.
 *
 * @example
 * ```ts
 * const run = await prepareRun('bps_sfp.yaml');
 * console.log(run.submitDir, run.counts); // { isr: 37800, characterizeImage: 37800, calibrate: 37800 }
 * ```
 */
export async function prepareRun(configPath: string, opts: PrepareOptions = {}): Promise<PreparedRun> {
  const config = await loadSubmitConfig(configPath, {
    env: opts.env,
    now: opts.now,
    allowUnknownKeys: opts.allowUnknownKeys,
  });
  opts.onWarnings?.(config.warnings);
  const pipeline = await loadPipeline(config.pipelineYaml, { pythonTasks: 'keep' });
  if (pipeline.tasks.some((t) => t.kind === 'python')) return prepareWithLsst(config, pipeline, opts);
  const butler = await openButlerForGraph(config.payload.butlerConfig);
  // The submit dir is created first: when its name collides (same millisecond), the suffix it
  // gets is also given to a default (timestamped) output run, so the runs stay distinct too.
  try {
    await checkDatasetTypes(butler, pipeline.datasetTypes, config.pipelineYaml);
  } catch (e) {
    await butler.close();
    throw e;
  }
  const submitDir = createUniqueDir(config.submitPath);
  try {
    markIncomplete(submitDir);
    const outputRun = outputRunFor(config, submitDir);
    const inputCollections = inputCollectionsOf(config);
    const source = registrySource({
      universe: butler.universe,
      registry: butler.registry,
      inputCollections,
      outputRun,
      where: config.payload.dataQuery,
      allDimensions: pipelineDimensions(pipeline.tasks),
      pathFor: (ref) => butler.datastore.pathFor(ref),
    });
    const t0 = performance.now();
    const built = await buildQuantumGraph(pipeline.tasks, source, {
      outputRun,
      inputCollections,
      dataQuery: config.payload.dataQuery,
      skipExisting: opts.skipExisting,
      overlaps: butler.regionsOverlap,
      onProgress: opts.onProgress,
      now: opts.now,
    });
    const buildSeconds = (performance.now() - t0) / 1000;
    const qgPath = join(submitDir, 'qgraph.qg');
    const workflowPath = join(submitDir, 'workflow.json');
    writeFileSync(join(submitDir, 'config.yaml'), stringify({ ...config.raw, outputRun }), OWNER_ONLY);
    saveQuantumGraph(built.graph, qgPath);
    // bps clustering: one job per cluster (a bad cluster section fails here; the dir is removed)
    const clusters = clusterQuanta(built.graph, config.clustering);
    const workflow = clusterWorkflow(
      toWorkflow(built.graph, {
        name: config.payload.payloadName,
        submitDir,
        datastoreRoot: butler.root,
        resources: (label) => config.resources(label),
        outputCollection: outputCollection(config),
      }),
      built.graph,
      clusters,
      { submitDir, datastoreRoot: butler.root },
    );
    writeFileSync(workflowPath, JSON.stringify(workflow), OWNER_ONLY);
    const summary = {
      submitDir,
      submitConfig: config.file,
      pipeline: config.pipelineYaml,
      butler: butler.root,
      inputCollections,
      outputRun,
      dataQuery: config.payload.dataQuery,
      counts: built.counts,
      skipped: built.skipped,
      dropped: built.dropped,
      quanta: built.graph.quanta.length,
      jobs: workflow.jobs.length,
      ...(clusters.length ? { clusters: countByLabel(clusters) } : {}),
      datasets: built.graph.datasets.length,
      buildSeconds,
      created: built.graph.created,
    };
    writeRunFiles(submitDir, summary);
    return {
      submitDir,
      config,
      outputRun,
      qgPath,
      workflowPath,
      counts: built.counts,
      skipped: built.skipped,
      dropped: built.dropped,
      buildSeconds,
      builder: 'quanta',
    };
  } catch (e) {
    // a failed preparation leaves no half-written submit directory behind
    rmSync(submitDir, { recursive: true, force: true });
    throw e;
  } finally {
    await butler.close();
  }
}

/** Cluster jobs per cluster label (summary.json). */
function countByLabel(clusters: { label: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of clusters) out[c.label] = (out[c.label] ?? 0) + 1;
  return out;
}

/**
 * The run's summary.json and its worker token (owner-only: workers authenticate with it), the
 * last files of a submit dir: then it is complete (incomplete.ts).
 */
function writeRunFiles(submitDir: string, summary: unknown): void {
  writeFileSync(join(submitDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`, OWNER_ONLY);
  writeFileSync(join(submitDir, 'token'), randomBytes(32).toString('hex'), { mode: 0o600 });
  markComplete(submitDir);
}
