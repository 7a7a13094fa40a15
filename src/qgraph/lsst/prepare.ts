/**
 * prepareRun for a pipeline of Python PipelineTasks (docs/lsst.md): the quantum graph is built by
 * LSST's own `pipetask qgraph` (bps's `createQuantumGraph`) into `<submitDir>/lsst.qg`, its quanta
 * are read by quanta's Python helper, and workflow.json gets bps's jobs (workflow.ts). quanta
 * never opens the daf_butler repository itself; the LSST commands do.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SubmitConfig } from '../../config/index.js';
import { parseMemoryMB } from '../../config/index.js';
import type { Tree } from '../../config/tree.js';
import type { JobResources } from '../workflow.js';
import { ConfigError } from '../../errors.js';
import {
  DEFAULT_TEMPLATES,
  TRANSFER_FROM_GRAPH,
  expandCommand,
  type CommandValues,
  type Template,
} from './commands.js';
import { clusterLsstWorkflow, clusteringOn, lsstClusters } from './cluster.js';
import { readLsstNodes } from './nodes.js';
import { runTool } from './run-tool.js';
import { findLsstStack, type LsstStack } from './stack.js';
import { FINAL_LABEL, INIT_LABEL, lsstWorkflow } from './workflow.js';

export const LSST_QGRAPH_FILE = 'lsst.qg';

/** Option placeholders a submit YAML may set at its top level (bps_defaults.yaml's names). */
const OPTION_KEYS = [
  'defaultPreCmdOpts',
  'qgraphPreCmdOpts',
  'initPreCmdOpts',
  'runPreCmdOpts',
  'pipetaskInput',
  'pipetaskOutput',
  'pipetaskDataQuery',
  'extraQgraphOptions',
  'extraInitOptions',
  'extraRunQuantumOptions',
  'extraAggregateOptions',
];

export interface LsstPrepareInput {
  config: SubmitConfig;
  submitDir: string;
  outputRun: string;
  /** bps `output`, the CHAINED collection (default `u/{operator}/{payloadName}`) */
  output: string;
  inputCollections: string[];
  env: NodeJS.ProcessEnv;
  /** pipetask's log lines worth showing (INFO and up) */
  onLog?: (line: string) => void;
}

export interface LsstPrepared {
  qgPath: string;
  workflowPath: string;
  counts: Record<string, number>;
  /** jobs of the workflow (pipetaskInit, one per quantum or cluster, finalJob) */
  jobs: number;
  /** cluster jobs per cluster label (empty when the run is not clustered) */
  clusters: { label: string }[];
  buildSeconds: number;
  stack: LsstStack;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
const section = (v: unknown): Tree => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Tree) : {});

/** The command templates: the submit YAML's keys, else bps's defaults. */
export function lsstTemplates(raw: Tree): {
  createQuantumGraph: Template;
  pipetaskInit: Template;
  finalJob: Template;
  runQuantum: (label: string) => Template;
} {
  const pipetask = section(raw.pipetask);
  const pick = (value: unknown, key: string, fallback: string): Template => {
    const s = str(value);
    return s ? { text: s, key } : { text: fallback, key: `${key} (quanta's default)` };
  };
  const finalJob = section(raw.finalJob);
  return {
    createQuantumGraph: pick(
      raw.createQuantumGraph,
      'createQuantumGraph',
      DEFAULT_TEMPLATES.createQuantumGraph,
    ),
    pipetaskInit: pick(
      section(pipetask[INIT_LABEL]).runQuantumCommand,
      'pipetask.pipetaskInit.runQuantumCommand',
      DEFAULT_TEMPLATES.pipetaskInit,
    ),
    finalJob: pick(finalJob.command1, 'finalJob.command1', DEFAULT_TEMPLATES.finalJob),
    runQuantum: (label) => {
      const own = str(section(pipetask[label]).runQuantumCommand);
      if (own) return { text: own, key: `pipetask.${label}.runQuantumCommand` };
      return pick(raw.runQuantumCommand, 'runQuantumCommand', DEFAULT_TEMPLATES.runQuantum);
    },
  };
}

/** Per-label resources; the final job also reads bps's `finalJob.requestMemory` / `requestCpus`. */
function lsstResources(config: SubmitConfig): (label: string) => JobResources {
  const finalJob = section(config.raw.finalJob);
  return (label) => {
    const r: JobResources = { ...config.resources(label) };
    if (label === FINAL_LABEL) {
      const mem = parseMemoryMB(finalJob.requestMemory);
      const cpus = Number(finalJob.requestCpus);
      if (mem !== undefined) r.requestMemory = mem;
      if (Number.isInteger(cpus) && cpus > 0) r.requestCpus = cpus;
    }
    return r;
  };
}

/** bps's `finalJob.whenRun` (ALWAYS, the default, or SUCCESS; bps compares it upper-cased). */
export function finalRunWhen(raw: Tree): 'always' | 'success' {
  const v = str(section(raw.finalJob).whenRun);
  if (v === undefined || v.toUpperCase() === 'ALWAYS') return 'always';
  if (v.toUpperCase() === 'SUCCESS') return 'success';
  throw new ConfigError(
    'LSST_FINAL_WHEN_RUN',
    `finalJob.whenRun: ${v} is not ALWAYS or SUCCESS; quanta's LSST path needs the final job to bring the outputs into the repository, so NEVER is not supported: use ALWAYS (run it after failures too) or SUCCESS`,
    { key: 'finalJob.whenRun' },
  );
}

/**
 * A line of pipetask's log for the terminal: INFO and up, without `--long-log`'s prefix
 * (`INFO 2026-12-02T00:49:38.654+00:00 lsst.pipe.base.… ()(file.py:670) - Generated 4 quanta`).
 */
export function logLine(line: string): string | undefined {
  const long = /^(INFO|WARNING|ERROR|FATAL|CRITICAL) \S+ \S+ \(\)\([^)]*\) - (.*)$/.exec(line);
  if (long) return long[1] === 'INFO' ? long[2] : `${long[1]}: ${long[2]}`;
  const short = /^\S+ (INFO|WARNING|ERROR|FATAL|CRITICAL): (.*)$/.exec(line);
  if (short) return short[1] === 'INFO' ? short[2] : `${short[1]}: ${short[2]}`;
  return /\b(WARNING|ERROR|FATAL|CRITICAL)\b/.test(line) ? line : undefined;
}

/**
 * The final job is `butler aggregate-graph` (bps's default since 2025); a stack whose butler
 * does not have it gets the older `butler transfer-from-graph`. The YAML's `finalJob.command1`
 * is taken as written. Runs `butler --help` alongside pipetask qgraph, so it costs no time.
 */
async function chooseFinalCommand(
  t: Template,
  stack: LsstStack,
  env: NodeJS.ProcessEnv,
  log: string,
): Promise<Template> {
  if (!t.key.endsWith("(quanta's default)")) return t;
  const help = await runTool(
    { argv: [stack.butler, '--help'], log, env, captureStdout: true },
    {
      code: 'LSST_STACK_NOT_FOUND',
      what: `${stack.butler} --help`,
      hint: 'the butler command of the LSST stack does not run',
    },
  );
  if (/^\s+aggregate-graph\b/m.test(help.stdout)) return t;
  if (/^\s+transfer-from-graph\b/m.test(help.stdout)) return { text: TRANSFER_FROM_GRAPH, key: t.key };
  throw new ConfigError(
    'LSST_STACK_NOT_FOUND',
    `${stack.butler} has neither aggregate-graph nor transfer-from-graph, so the outputs could not be brought into the repository; use a newer LSST stack, or set finalJob.command1 in the submit YAML`,
    { key: 'finalJob.command1' },
  );
}

/**
 * @example
 * ```ts
 * const r = await prepareLsstRun({ config, submitDir, outputRun, output: 'u/me/example', inputCollections: ['ExampleCam/raw'], env: process.env });
 * r.counts; // { scale: 4, sum: 1 }
 * ```
 */
export async function prepareLsstRun(input: LsstPrepareInput): Promise<LsstPrepared> {
  const { config, submitDir, env } = input;
  const raw = config.raw;
  const stack = findLsstStack({ lsstBin: str(raw.lsstBin), configFile: config.file, env });
  const qgPath = join(submitDir, LSST_QGRAPH_FILE);
  const options: Record<string, string> = {};
  for (const k of OPTION_KEYS) {
    const v = str(raw[k]);
    if (v !== undefined) options[k] = v;
  }
  const commands: CommandValues = {
    stack,
    options,
    values: {
      butlerConfig: config.payload.butlerConfig,
      qgraphFile: qgPath,
      outputRun: input.outputRun,
      output: input.output,
      inCollection: input.inputCollections.join(','),
      pipelineYaml: config.pipelineYaml,
      dataQuery: config.payload.dataQuery,
      payloadName: config.payload.payloadName,
      operator: config.operator,
      submitPath: submitDir,
      fileDistributionEndPoint: str(raw.fileDistributionEndPoint) ?? '',
    },
  };
  const templates = lsstTemplates(raw);
  const whenRun = finalRunWhen(raw); // refused before the graph is built, not after
  const qgraphArgv = expandCommand(templates.createQuantumGraph, commands);
  const log = join(submitDir, 'logs', 'qgraph.log');
  input.onLog?.(`building the quantum graph with ${stack.pipetask} qgraph (log: ${log})`);
  const finalCommand = chooseFinalCommand(
    templates.finalJob,
    stack,
    env,
    join(submitDir, 'logs', 'butler-help.log'),
  );
  const built = await runTool(
    {
      argv: qgraphArgv,
      log,
      env,
      onLine: input.onLog
        ? (line) => {
            const shown = logLine(line);
            if (shown) input.onLog?.(shown);
          }
        : undefined,
    },
    {
      code: 'LSST_QGRAPH_FAILED',
      what: `pipetask qgraph for ${config.file}`,
      hint: 'fix the pipeline, the data query or the input collections it names and submit again',
      file: config.file,
    },
  );
  templates.finalJob = await finalCommand;
  // a clustered run also needs where each quantum's metadata lands (its per-quantum status)
  const clustered = clusteringOn(config.clustering);
  const graph = await readLsstNodes(
    stack.python,
    qgPath,
    join(submitDir, 'logs', 'qgraph-nodes.log'),
    env,
    clustered ? config.payload.butlerConfig : undefined,
  );
  const perQuantum = lsstWorkflow({
    name: config.payload.payloadName,
    nodes: graph.nodes,
    commands,
    templates,
    resources: lsstResources(config),
    finalRunWhen: whenRun,
  });
  // bps clustering: one run-qbb job per cluster (a bad cluster section fails here)
  const clusters = lsstClusters(graph, config.clustering);
  const workflow = clusterLsstWorkflow(perQuantum, graph, clusters, {
    submitDir,
    raw,
    commands,
    runQuantum: templates.runQuantum,
  });
  const workflowPath = join(submitDir, 'workflow.json');
  writeFileSync(workflowPath, JSON.stringify(workflow));
  const counts: Record<string, number> = {};
  for (const n of graph.nodes) counts[n.label] = (counts[n.label] ?? 0) + 1;
  return {
    qgPath,
    workflowPath,
    counts,
    jobs: workflow.jobs.length,
    clusters,
    buildSeconds: built.seconds,
    stack,
  };
}
