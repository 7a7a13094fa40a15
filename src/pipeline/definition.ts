/**
 * `readPipeline('DRP.yaml#singleFrame')`: the pipeline as declared, the way pipe_base reads it
 * (imports, `$VAR` locations, subsets, steps, contracts, config blocks, the `#a,b` selection),
 * without importing any task code. `quanta pipeline show` prints this; loadPipeline builds on it.
 */
import { PipelineError } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import { formatBlock } from './config-blocks.js';
import type { ConfigBlock, PipelineIR } from './ir.js';
import { readPipelineFile, type ReadOptions } from './pipeline-file.js';
import { expandSubsets, subsetFromLabels } from './subset.js';
import { taskKind, type TaskKind } from './task-ref.js';
import type { Step, Subset } from './types.js';

export interface DeclaredTask {
  label: string;
  kind: TaskKind;
  /** the class as written: `lsst.ip.isr.IsrTask`, `tasks/isr.ts#isr`, `command` */
  className: string;
  /** config blocks as pipe_base keeps them, `parameters.x` values filled in as pipe_base does */
  configs: ConfigBlock[];
  file: string;
  line?: number;
  column?: number;
}

export interface DeclaredContract {
  contract: string;
  msg?: string;
  file: string;
  line?: number;
  column?: number;
}

export interface PipelineDefinition {
  file: string;
  description?: string;
  instrument?: string;
  parameters: Record<string, unknown>;
  /** in declaration order (imports first), as pipe_base keeps them */
  tasks: DeclaredTask[];
  subsets: Record<string, Subset>;
  steps: Step[];
  contracts: DeclaredContract[];
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

/** The IR of `spec` after its `#selection` (pipe_base's subset_from_labels, DROP mode). */
export function readSelectedIR(spec: string, opts: ReadOptions = {}): PipelineIR {
  const { path, selection } = splitPipelineSpec(spec);
  const ir = readPipelineFile(path, opts);
  if (!selection) return ir;
  for (const name of selection) {
    if (name.includes('..')) {
      throw new PipelineError(
        'PIPELINE_SELECTION',
        `the range selection #${name} is not supported (it needs the task classes' connections); list the labels or subsets`,
        { file: ir.file, key: name },
      );
    }
    if (!ir.tasks.has(name) && !ir.subsets.has(name)) {
      const hint = didYouMean(name, [...ir.tasks.keys(), ...ir.subsets.keys()]);
      throw new PipelineError(
        'PIPELINE_UNKNOWN_LABEL',
        `"${name}" in the selection #${selection.join(',')} is neither a task label nor a subset${hint ? ` (did you mean "${hint}"?)` : ''}; labels: ${[...ir.tasks.keys()].join(', ')}; subsets: ${[...ir.subsets.keys()].join(', ') || '(none)'}`,
        { file: ir.file, key: name },
      );
    }
  }
  return subsetFromLabels(ir, expandSubsets(ir, selection), 'DROP');
}

export function toDefinition(ir: PipelineIR): PipelineDefinition {
  const where = (w: { file: string; line?: number; column?: number }) => ({
    file: w.file,
    line: w.line,
    column: w.column,
  });
  return {
    file: ir.file,
    description: ir.description,
    instrument: ir.instrument,
    parameters: ir.parameters,
    tasks: [...ir.tasks.values()].map((t) => ({
      label: t.label,
      kind: taskKind(t.ref ?? ''),
      className: t.ref ?? '',
      configs: t.configs.map((b) => formatBlock(b, ir.parameters)),
      ...where(t),
    })),
    subsets: Object.fromEntries(
      [...ir.subsets].map(([k, s]) => [
        k,
        s.description === undefined ? { labels: s.labels } : { labels: s.labels, description: s.description },
      ]),
    ),
    steps: ir.steps.map((s) => ({ label: s.label, dimensions: s.dimensions })),
    contracts: ir.contracts.map((c) => ({
      contract: c.contract,
      ...(c.msg !== undefined ? { msg: c.msg } : {}),
      ...where(c),
    })),
  };
}

/**
 * Read a pipeline without importing task code.
 *
 * @example
 * ```ts
 * const d = readPipeline('pipelines/DRP.yaml#step1');
 * for (const t of d.tasks) console.log(t.label, t.className, t.kind);
 * ```
 */
export function readPipeline(spec: string, opts: ReadOptions = {}): PipelineDefinition {
  return toDefinition(readSelectedIR(spec, opts));
}
