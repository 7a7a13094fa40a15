/**
 * One `imports:` entry applied to the imported pipeline, as pipe_base's ImportIR.toPipelineIR:
 * instrument override, include/exclude of labels and subsets, renames, importSteps,
 * importContracts, and the labeledSubsetModifyMode of the cut.
 */
import { PipelineError, type ErrorCode } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import { cloneIR, type PipelineIR } from './ir.js';
import type { ImportSpec } from './parse-file.js';
import { subsetFromLabels } from './subset.js';

export function applyImport(spec: ImportSpec, imported: PipelineIR): PipelineIR {
  const fail = (code: ErrorCode, msg: string, key?: string): never => {
    throw new PipelineError(code, `import of ${spec.location}: ${msg}`, {
      file: spec.file,
      line: spec.line,
      column: spec.column,
      key,
    });
  };
  const sub = cloneIR(imported);
  const renames = Object.entries(spec.rename);
  const targets = new Set(Object.values(spec.rename));
  if (targets.size !== renames.length) fail('PIPELINE_SCHEMA', 'rename gives two labels the same new name');
  for (const [from] of renames)
    if (targets.has(from)) fail('PIPELINE_SCHEMA', `rename: "${from}" is both renamed and a new name`, from);
  if (spec.instrument !== undefined) sub.instrument = spec.instrument ?? undefined;

  // quanta is stricter than pipe_base here: a name that is neither a label nor a subset is an error
  const known = [...sub.tasks.keys(), ...sub.subsets.keys()];
  for (const name of [...(spec.include ?? []), ...(spec.exclude ?? [])]) {
    if (!sub.tasks.has(name) && !sub.subsets.has(name)) {
      const hint = didYouMean(name, known);
      fail(
        'PIPELINE_UNKNOWN_LABEL',
        `no task label or subset "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
        name,
      );
    }
  }
  const included = new Set<string>();
  const renamed: [string, string][] = [];
  for (const label of sub.tasks.keys()) {
    const keep =
      spec.include !== undefined
        ? spec.include.includes(label)
        : spec.exclude
          ? !spec.exclude.includes(label)
          : true;
    if (!keep) continue;
    const to = spec.rename[label];
    if (to !== undefined) renamed.push([label, to]);
    included.add(to ?? label);
  }
  for (const [from, to] of renamed) {
    if (sub.tasks.has(to))
      fail('PIPELINE_DUPLICATE_LABEL', `cannot rename "${from}" to the existing label "${to}"`, to);
    const t = sub.tasks.get(from)!;
    sub.tasks.delete(from);
    sub.tasks.set(to, { ...t, label: to });
  }
  if (spec.include) {
    for (const name of spec.include) sub.subsets.get(name)?.labels.forEach((l) => included.add(l));
  } else if (spec.exclude) {
    for (const name of spec.exclude) sub.subsets.get(name)?.labels.forEach((l) => included.delete(l));
  }
  if (!spec.importSteps) sub.steps = [];
  const out = subsetFromLabels(sub, included, spec.mode);
  if (!spec.importContracts) out.contracts = [];
  if (!spec.importSubsets) {
    out.subsets = new Map();
    out.steps = [];
  }
  return out;
}
