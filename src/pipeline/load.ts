/**
 * `loadPipeline('path/DRP.yaml#singleFrame')`: reads the pipeline as pipe_base does (see
 * definition.ts), imports the TypeScript task modules, resolves configs and connections,
 * validates, checks the contracts, and orders the tasks for execution.
 */
import { getUniverse, type DimensionUniverse } from '../butler/universe.js';
import { PipelineError } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import { checkContracts } from './contracts.js';
import { readSelectedIR, splitPipelineSpec } from './definition.js';
import { orderAndValidate } from './graph.js';
import type { PipelineIR } from './ir.js';
import type { ReadOptions } from './pipeline-file.js';
import { resolveTask } from './resolve-task.js';
import { taskKind } from './task-ref.js';
import type { Pipeline, PipelineTaskNode, Subset } from './types.js';

export { splitPipelineSpec };

export interface LoadPipelineOptions extends ReadOptions {
  universe?: DimensionUniverse;
  /**
   * Python PipelineTasks (`class: lsst.ip.isr.IsrTask`): 'reject' (the default, for callers that
   * build quanta's own graph) is an error naming the first one; 'keep' loads them as
   * `kind: 'python'` nodes with their class name and config blocks (`pipeline show`, and
   * prepareRun, which hands such pipelines to LSST's pipetask: docs/lsst.md).
   */
  pythonTasks?: 'reject' | 'keep';
}

function rejectPythonTasks(ir: PipelineIR): void {
  const t = [...ir.tasks.values()].find((x) => taskKind(x.ref ?? '') === 'python');
  if (!t) return;
  throw new PipelineError(
    'PIPELINE_PYTHON_TASK',
    `task "${t.label}" is the Python PipelineTask ${t.ref}; quanta's own graph builder cannot run it; \`quanta submit\` and \`quanta qgraph\` run such pipelines with the LSST stack (docs/lsst.md)`,
    { file: t.file, line: t.line, column: t.column, key: t.label },
  );
}

function checkSteps(ir: PipelineIR, universe: DimensionUniverse): void {
  for (const s of ir.steps) {
    for (const d of s.dimensions) {
      if (universe.isDimension(d)) continue;
      const hint = didYouMean(d, universe.dimensionNames);
      throw new PipelineError(
        'PIPELINE_DIMENSION',
        `step "${s.label}" uses unknown dimension "${d}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
        { file: s.file, line: s.line, column: s.column, key: d },
      );
    }
  }
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
  const ir = readSelectedIR(spec, opts);
  if (ir.tasks.size === 0) {
    throw new PipelineError('PIPELINE_EMPTY', 'the pipeline has no tasks', { file: ir.file });
  }
  if (opts.pythonTasks !== 'keep') rejectPythonTasks(ir);
  checkSteps(ir, universe);
  const tasks: PipelineTaskNode[] = [];
  for (const t of ir.tasks.values()) tasks.push(await resolveTask(t, ir.parameters));
  const { ordered, datasetTypes } = orderAndValidate(tasks, universe);
  const contracts = checkContracts(ir.contracts, ordered);
  const subsets: Record<string, Subset> = {};
  for (const [name, s] of ir.subsets) {
    subsets[name] =
      s.description === undefined ? { labels: s.labels } : { labels: s.labels, description: s.description };
  }
  return {
    file: ir.file,
    description: ir.description,
    instrument: ir.instrument,
    parameters: ir.parameters,
    tasks: ordered,
    subsets,
    datasetTypes,
    steps: ir.steps.map((s) => ({ label: s.label, dimensions: s.dimensions })),
    contracts,
  };
}
