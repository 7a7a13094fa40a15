/**
 * A file's own declarations merged with its imports, as pipe_base's PipelineIR.merge_pipelines:
 * imported tasks come first; one instrument; labels and subset names unique across imports; a
 * label declared again with the same class gets its config blocks added, with another class it
 * is replaced; the file's parameters and subsets override the imported ones.
 */
import { PipelineError, type ErrorCode } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import { addOrUpdateConfig } from './config-blocks.js';
import type { PipelineIR, StepDecl, SubsetDecl, TaskDecl, Where } from './ir.js';
import { resolveRef } from './task-ref.js';

function fail(code: ErrorCode, msg: string, at: Where, key?: string): never {
  throw new PipelineError(code, msg, { file: at.file, line: at.line, column: at.column, key });
}

const sameStep = (a: StepDecl, b: StepDecl): boolean => a.dimensions.join(',') === b.dimensions.join(',');

/** Same class: TypeScript modules compare after resolving relative paths; classes as written. */
function sameClass(a: TaskDecl, b: TaskDecl): boolean {
  return b.ref === undefined || resolveRef(a) === resolveRef(b);
}

export function mergePipelines(own: PipelineIR, imported: { ir: PipelineIR; at: Where }[]): PipelineIR {
  const tasks = new Map<string, TaskDecl>();
  const subsets = new Map<string, SubsetDecl>();
  const parameters: Record<string, unknown> = {};
  const steps = new Map<string, StepDecl>();
  const contracts = [...own.contracts];
  let instrument = own.instrument;
  for (const { ir, at } of imported) {
    if (instrument === undefined) instrument = ir.instrument;
    else if (ir.instrument !== undefined && ir.instrument !== instrument)
      fail(
        'PIPELINE_INSTRUMENT',
        `only one instrument can be declared in a pipeline and its imports: ${instrument}, but ${ir.file} declares ${ir.instrument} (set instrument: None on the import to drop it)`,
        at,
        'instrument',
      );
    for (const label of ir.tasks.keys())
      if (tasks.has(label))
        fail(
          'PIPELINE_DUPLICATE_LABEL',
          `task label "${label}" is imported twice (again from ${ir.file})`,
          at,
          label,
        );
    for (const [k, t] of ir.tasks) tasks.set(k, t);
    contracts.push(...ir.contracts);
    for (const name of ir.subsets.keys())
      if (subsets.has(name) || tasks.has(name))
        fail(
          'PIPELINE_SUBSET_LABEL',
          `subset "${name}" from ${ir.file} is already a ${subsets.has(name) ? 'subset' : 'task label'} of another import`,
          at,
          name,
        );
    for (const name of subsets.keys())
      if (tasks.has(name))
        fail('PIPELINE_SUBSET_LABEL', `subset "${name}" has the same name as a task label`, at, name);
    for (const [k, s] of ir.subsets) subsets.set(k, s);
    Object.assign(parameters, ir.parameters);
    for (const s of ir.steps) {
      const prev = steps.get(s.label);
      if (prev && !sameStep(prev, s))
        fail(
          'PIPELINE_STEP',
          `step "${s.label}" is declared with other dimensions in another import`,
          at,
          s.label,
        );
      steps.set(s.label, prev ?? s);
    }
  }
  for (const s of own.steps) {
    const prev = steps.get(s.label);
    if (prev && !sameStep(prev, s))
      fail(
        'PIPELINE_STEP',
        `step "${s.label}" has dimensions [${s.dimensions.join(', ')}] here but [${prev.dimensions.join(', ')}] in ${prev.file}`,
        s,
        s.label,
      );
    steps.set(s.label, prev ?? s);
  }
  for (const name of subsets.keys())
    if (own.tasks.has(name))
      fail(
        'PIPELINE_SUBSET_LABEL',
        `imported subset "${name}" has the same name as a task label`,
        own.tasks.get(name)!,
        name,
      );
  for (const [k, s] of own.subsets) subsets.set(k, s);
  for (const [label, t] of own.tasks) {
    const prev = tasks.get(label);
    if (prev && sameClass(prev, t)) {
      let configs = prev.configs;
      for (const c of t.configs) configs = addOrUpdateConfig(configs, c);
      tasks.set(label, { ...prev, configs, file: t.file, line: t.line, column: t.column });
    } else {
      if (t.ref === undefined) fail('PIPELINE_SCHEMA', `task "${label}" has no class`, t, label);
      tasks.set(label, t);
    }
  }
  Object.assign(parameters, own.parameters);
  return { ...own, instrument, parameters, tasks, subsets, steps: [...steps.values()], contracts };
}

/** After merging: subsets name existing labels and are not labels; steps are subsets. */
export function verifyMerged(ir: PipelineIR): void {
  for (const [name, s] of ir.subsets) {
    if (ir.tasks.has(name))
      fail('PIPELINE_SUBSET_LABEL', `subset "${name}" has the same name as a task label`, s, name);
    for (const l of s.labels) {
      if (!ir.tasks.has(l)) {
        throw new PipelineError('PIPELINE_UNKNOWN_LABEL', unknownLabel(`subset "${name}" names`, l, ir), {
          file: s.file,
          line: s.line,
          column: s.column,
          key: l,
        });
      }
    }
  }
  for (const step of ir.steps)
    if (!ir.subsets.has(step.label))
      fail(
        'PIPELINE_STEP',
        `step "${step.label}" is not a subset; declare it under subsets`,
        step,
        step.label,
      );
}

export function unknownLabel(prefix: string, label: string, ir: PipelineIR): string {
  const hint = didYouMean(label, ir.tasks.keys());
  return `${prefix} unknown task label "${label}"${hint ? ` (did you mean "${hint}"?)` : ''}`;
}
