/**
 * `loadPipeline('path/DRP.yaml#singleFrame')`: reads the YAML (with imports), keeps the
 * selected labels/subsets, imports the TypeScript task modules, resolves configs and
 * connections, validates, and orders the tasks for execution.
 */
import { getUniverse, type DimensionUniverse } from '../butler/universe.js';
import { PipelineError } from '../errors.js';
import { commandConnections, commandTaskConfigSchema, unknownPlaceholders } from '../task/command-task.js';
import type { Conn } from '../task/define-task.js';
import { loadTask } from '../task/load-task.js';
import { didYouMean } from '../util/levenshtein.js';
import { orderAndValidate } from './graph.js';
import { readPipelineFile, resolveRef, type RawPipeline, type RawTask } from './pipeline-file.js';
import { mergeConfigBlocks, resolveConfig, type OverrideContext } from './task-config.js';
import type { Pipeline, PipelineTaskNode, Subset } from './types.js';

export interface LoadPipelineOptions {
  universe?: DimensionUniverse;
}

/** Split `file.yaml#a,b` into the file and the selected labels/subsets. */
export function splitPipelineSpec(spec: string): { path: string; selection?: string[] } {
  const i = spec.indexOf('#');
  if (i < 0) return { path: spec };
  const selection = spec
    .slice(i + 1)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { path: spec.slice(0, i), selection: selection.length ? selection : undefined };
}

function selectLabels(raw: RawPipeline, selection: string[] | undefined): string[] {
  if (!selection) return [...raw.tasks.keys()];
  const keep = new Set<string>();
  for (const name of selection) {
    const subset = raw.subsets.get(name);
    if (subset) subset.labels.forEach((l) => keep.add(l));
    else if (raw.tasks.has(name)) keep.add(name);
    else {
      const hint = didYouMean(name, [...raw.tasks.keys(), ...raw.subsets.keys()]);
      throw new PipelineError(
        'PIPELINE_UNKNOWN_LABEL',
        `"${name}" in the selection #${selection.join(',')} is neither a task label nor a subset${hint ? ` (did you mean "${hint}"?)` : ''}; labels: ${[...raw.tasks.keys()].join(', ')}; subsets: ${[...raw.subsets.keys()].join(', ') || '(none)'}`,
        { file: raw.file, key: name },
      );
    }
  }
  // keep declaration order
  return [...raw.tasks.keys()].filter((l) => keep.has(l));
}

function renameConnections(
  conns: Record<string, Conn>,
  renames: Record<string, unknown>,
): Record<string, Conn> {
  return Object.fromEntries(
    Object.entries(conns).map(([n, c]) => [
      n,
      typeof renames[n] === 'string' ? { ...c, datasetType: renames[n] as string } : c,
    ]),
  );
}

async function resolveTask(raw: RawTask, parameters: Record<string, unknown>): Promise<PipelineTaskNode> {
  const ctx: OverrideContext = { label: raw.label, file: raw.file, line: raw.line, parameters };
  const overrides = mergeConfigBlocks(raw.configs, ctx);
  if (raw.ref === 'command') {
    const r = commandTaskConfigSchema.safeParse(overrides);
    if (!r.success) {
      const i = r.error.issues[0];
      const key = i.path.map(String).join('.');
      throw new PipelineError(
        'PIPELINE_CONFIG',
        `command task "${raw.label}" config ${key || '(root)'}: ${i.message} (a command task needs config.argv, config.dimensions and config.connections)`,
        { file: raw.file, line: raw.line, key },
      );
    }
    const conns = commandConnections(r.data);
    const bad = unknownPlaceholders(r.data.argv, conns, r.data.dimensions);
    if (bad.length) {
      throw new PipelineError(
        'PIPELINE_CONFIG',
        `command task "${raw.label}" argv has unknown placeholder(s) ${bad.join(', ')}; use {input.<conn>}, {output.<conn>}, {dataId.<dim>}, {run} or {label}`,
        { file: raw.file, line: raw.line, key: 'argv' },
      );
    }
    return {
      label: raw.label,
      kind: 'command',
      argv: r.data.argv,
      taskName: 'command',
      dimensions: r.data.dimensions,
      inputs: conns.inputs ?? {},
      prerequisiteInputs: conns.prerequisiteInputs ?? {},
      outputs: conns.outputs,
      config: overrides,
      file: raw.file,
      line: raw.line,
    };
  }
  const resolved = resolveRef(raw);
  const hash = resolved.lastIndexOf('#');
  const module = hash >= 0 ? resolved.slice(0, hash) : resolved;
  const wanted = hash >= 0 ? resolved.slice(hash + 1) : undefined;
  let loaded;
  try {
    loaded = await loadTask(module, wanted);
  } catch (e) {
    if (e instanceof PipelineError) {
      throw new PipelineError(e.code, `task "${raw.label}": ${e.message}`, {
        file: raw.file,
        line: raw.line,
        key: raw.label,
      });
    }
    throw e;
  }
  const { task, exportName } = loaded;
  const renames = (overrides.connections ?? {}) as Record<string, unknown>;
  delete overrides.connections;
  const connNames = [
    ...Object.keys(task.connections.inputs ?? {}),
    ...Object.keys(task.connections.prerequisiteInputs ?? {}),
    ...Object.keys(task.connections.outputs),
  ];
  for (const [n, v] of Object.entries(renames)) {
    if (!connNames.includes(n) || typeof v !== 'string') {
      const hint = didYouMean(n, connNames);
      throw new PipelineError(
        'PIPELINE_CONFIG_KEY',
        `task "${raw.label}" config connections.${n}: ${connNames.includes(n) ? 'must be a dataset type name' : `no such connection${hint ? ` (did you mean "${hint}"?)` : ''}; connections: ${connNames.join(', ')}`}`,
        { file: raw.file, line: raw.line, key: `connections.${n}` },
      );
    }
  }
  const config = resolveConfig(overrides, task.config, ctx);
  return {
    label: raw.label,
    kind: 'ts',
    module,
    exportName,
    taskName: task.name,
    dimensions: [...task.dimensions],
    inputs: renameConnections(task.connections.inputs ?? {}, renames),
    prerequisiteInputs: renameConnections(task.connections.prerequisiteInputs ?? {}, renames),
    outputs: renameConnections(task.connections.outputs, renames),
    config,
    file: raw.file,
    line: raw.line,
  };
}

/**
 * Load a pipeline.
 *
 * @example
 * ```ts
 * const p = await loadPipeline('pipelines/DRP.yaml#singleFrame');
 * for (const t of p.tasks) console.log(t.label, t.dimensions);
 * ```
 */
export async function loadPipeline(spec: string, opts: LoadPipelineOptions = {}): Promise<Pipeline> {
  const universe = opts.universe ?? getUniverse();
  const { path, selection } = splitPipelineSpec(spec);
  const raw = readPipelineFile(path);
  const labels = selectLabels(raw, selection);
  if (labels.length === 0) {
    throw new PipelineError('PIPELINE_EMPTY', 'the pipeline has no tasks', { file: raw.file });
  }
  const tasks: PipelineTaskNode[] = [];
  for (const l of labels) tasks.push(await resolveTask(raw.tasks.get(l)!, raw.parameters));
  const { ordered, datasetTypes } = orderAndValidate(tasks, universe);
  const kept = new Set(labels);
  const subsets: Record<string, Subset> = {};
  for (const [name, s] of raw.subsets) {
    if (s.labels.every((l) => kept.has(l))) subsets[name] = { labels: s.labels, description: s.description };
  }
  return {
    file: raw.file,
    description: raw.description,
    instrument: raw.instrument,
    parameters: raw.parameters,
    tasks: ordered,
    subsets,
    datasetTypes,
  };
}
