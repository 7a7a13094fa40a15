/**
 * One declared task -> a resolved node: a TypeScript task's module is imported and its config
 * checked against its zod schema; a command task's argv and connections are checked; a Python
 * PipelineTask is kept by class name with its config blocks (its code is pipe_base's to run).
 */
import { PipelineError } from '../errors.js';
import { commandConnections, commandTaskConfigSchema, unknownPlaceholders } from '../task/command-task.js';
import type { Conn } from '../task/define-task.js';
import { loadTask } from '../task/load-task.js';
import { didYouMean } from '../util/levenshtein.js';
import { formatBlock } from './config-blocks.js';
import type { TaskDecl } from './ir.js';
import { mergeConfigBlocks, resolveConfig, type OverrideContext } from './task-config.js';
import { resolveRef, taskKind } from './task-ref.js';
import type { PipelineTaskNode } from './types.js';

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

const where = (raw: TaskDecl) => ({ file: raw.file, line: raw.line, column: raw.column });

function pythonTask(raw: TaskDecl, parameters: Record<string, unknown>): PipelineTaskNode {
  const blocks = raw.configs.map((b) => formatBlock(b, parameters));
  const className = raw.ref ?? '';
  return {
    label: raw.label,
    kind: 'python',
    className,
    taskName: className.slice(className.lastIndexOf('.') + 1),
    dimensions: [],
    inputs: {},
    prerequisiteInputs: {},
    outputs: {},
    config: Object.assign({}, ...blocks.map((b) => b.rest)) as Record<string, unknown>,
    configBlocks: blocks,
    ...where(raw),
  };
}

function commandTask(raw: TaskDecl, overrides: Record<string, unknown>): PipelineTaskNode {
  const r = commandTaskConfigSchema.safeParse(overrides);
  if (!r.success) {
    const i = r.error.issues[0];
    const key = i.path.map(String).join('.');
    throw new PipelineError(
      'PIPELINE_CONFIG',
      `command task "${raw.label}" config ${key || '(root)'}: ${i.message} (a command task needs config.argv, config.dimensions and config.connections)`,
      { ...where(raw), key },
    );
  }
  const conns = commandConnections(r.data);
  const bad = unknownPlaceholders(r.data.argv, conns, r.data.dimensions);
  if (bad.length) {
    throw new PipelineError(
      'PIPELINE_CONFIG',
      `command task "${raw.label}" argv has unknown placeholder(s) ${bad.join(', ')}; use {input.<conn>}, {output.<conn>}, {dataId.<dim>}, {run} or {label}`,
      { ...where(raw), key: 'argv' },
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
    configBlocks: raw.configs,
    ...where(raw),
  };
}

export async function resolveTask(
  raw: TaskDecl,
  parameters: Record<string, unknown>,
): Promise<PipelineTaskNode> {
  const kind = taskKind(raw.ref ?? '');
  if (kind === 'python') return pythonTask(raw, parameters);
  const ctx: OverrideContext = { label: raw.label, ...where(raw), parameters };
  const overrides = mergeConfigBlocks(raw.configs, ctx);
  if (kind === 'command') return commandTask(raw, overrides);
  const resolved = resolveRef(raw);
  const hash = resolved.lastIndexOf('#');
  const module = hash >= 0 ? resolved.slice(0, hash) : resolved;
  const wanted = hash >= 0 ? resolved.slice(hash + 1) : undefined;
  let loaded;
  try {
    loaded = await loadTask(module, wanted);
  } catch (e) {
    if (e instanceof PipelineError) {
      throw new PipelineError(e.code, `task "${raw.label}": ${e.message}`, { ...where(raw), key: raw.label });
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
        { ...where(raw), key: `connections.${n}` },
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
    configBlocks: raw.configs,
    ...where(raw),
  };
}
