/**
 * Pipeline-level checks over the resolved tasks: known dimensions, dataset types produced
 * once and declared consistently, no cycles; and the execution (topological) order.
 */
import type { DimensionUniverse } from '../butler/universe.js';
import { PipelineError, type ErrorCode } from '../errors.js';
import type { Conn } from '../task/define-task.js';
import { didYouMean } from '../util/levenshtein.js';
import type { DatasetTypeNode, PipelineTaskNode } from './types.js';

function err(code: ErrorCode, t: PipelineTaskNode, msg: string, key?: string): PipelineError {
  return new PipelineError(code, msg, { file: t.file, line: t.line, column: t.column, key: key ?? t.label });
}

function checkDims(u: DimensionUniverse, t: PipelineTaskNode, dims: string[], what: string): void {
  for (const d of dims) {
    if (!u.isDimension(d)) {
      const hint = didYouMean(d, u.dimensionNames);
      throw err(
        'PIPELINE_DIMENSION',
        t,
        `task "${t.label}" ${what} uses unknown dimension "${d}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
      );
    }
  }
}

export function allConns(t: PipelineTaskNode): [string, Conn, 'input' | 'prerequisite' | 'output'][] {
  return [
    ...Object.entries(t.inputs).map(([n, c]) => [n, c, 'input'] as [string, Conn, 'input']),
    ...Object.entries(t.prerequisiteInputs).map(
      ([n, c]) => [n, c, 'prerequisite'] as [string, Conn, 'prerequisite'],
    ),
    ...Object.entries(t.outputs).map(([n, c]) => [n, c, 'output'] as [string, Conn, 'output']),
  ];
}

/** Validate the tasks and return them in execution order plus the dataset type table. */
export function orderAndValidate(
  tasks: PipelineTaskNode[],
  universe: DimensionUniverse,
): { ordered: PipelineTaskNode[]; datasetTypes: Record<string, DatasetTypeNode> } {
  const types: Record<string, DatasetTypeNode & { declaredBy: PipelineTaskNode; declaredDims: string[] }> =
    {};
  for (const t of tasks) {
    checkDims(universe, t, t.dimensions, 'quantum dimensions');
    const quantumDims = new Set(universe.expand(t.dimensions));
    for (const [name, c, kind] of allConns(t)) {
      checkDims(universe, t, c.dimensions, `connection ${name} (${c.datasetType})`);
      const req = universe.required(c.dimensions);
      if (kind === 'output' && req.some((d) => !quantumDims.has(d))) {
        throw err(
          'PIPELINE_OUTPUT_DIMENSIONS',
          t,
          `task "${t.label}" output ${name} (${c.datasetType}) has dimensions [${c.dimensions.join(', ')}] that are not within the quantum dimensions [${t.dimensions.join(', ')}]`,
          c.datasetType,
        );
      }
      const sky = (d: string): boolean => d === 'skymap' || d === 'tract' || d === 'patch';
      const both = [...req, ...t.dimensions];
      const spatial = both.some(sky) && both.some((d) => !sky(d) && d !== 'band');
      if (kind !== 'output' && !c.multiple && spatial && req.some((d) => !quantumDims.has(d))) {
        throw err(
          'PIPELINE_INPUT_DIMENSIONS',
          t,
          `task "${t.label}" input ${name} (${c.datasetType}) has dimensions [${c.dimensions.join(', ')}] beyond the quantum dimensions [${t.dimensions.join(', ')}]; declare it multiple: true to gather many datasets into one quantum`,
          c.datasetType,
        );
      }
      const prev = types[c.datasetType];
      if (!prev) {
        types[c.datasetType] = {
          name: c.datasetType,
          dimensions: req,
          storageClass: c.storageClass,
          consumers: [],
          declaredBy: t,
          declaredDims: c.dimensions,
        };
      } else {
        if (prev.dimensions.join(',') !== req.join(',')) {
          throw err(
            'PIPELINE_DATASET_TYPE',
            t,
            `dataset type ${c.datasetType} has dimensions [${c.dimensions.join(', ')}] in task "${t.label}" but [${prev.declaredDims.join(', ')}] in task "${prev.declaredBy.label}"; make them agree`,
            c.datasetType,
          );
        }
        if (prev.storageClass !== c.storageClass) {
          throw err(
            'PIPELINE_DATASET_TYPE',
            t,
            `dataset type ${c.datasetType} has storage class ${c.storageClass} in task "${t.label}" but ${prev.storageClass} in task "${prev.declaredBy.label}"; make them agree`,
            c.datasetType,
          );
        }
      }
      const node = types[c.datasetType];
      if (kind === 'output') {
        if (node.producer !== undefined && node.producer !== t.label) {
          throw err(
            'PIPELINE_DUPLICATE_OUTPUT',
            t,
            `dataset type ${c.datasetType} is produced by both "${node.producer}" and "${t.label}"; rename one output (config connections.${name})`,
            c.datasetType,
          );
        }
        node.producer = t.label;
      } else if (!node.consumers.includes(t.label)) {
        node.consumers.push(t.label);
      }
    }
  }
  // Kahn's algorithm, stable in declaration order.
  const byLabel = new Map(tasks.map((t) => [t.label, t]));
  const deps = new Map<string, Set<string>>();
  for (const t of tasks) {
    const d = new Set<string>();
    for (const c of [...Object.values(t.inputs), ...Object.values(t.prerequisiteInputs)]) {
      const p = types[c.datasetType].producer;
      if (p !== undefined) d.add(p);
    }
    deps.set(t.label, d);
  }
  const ordered: PipelineTaskNode[] = [];
  const done = new Set<string>();
  while (ordered.length < tasks.length) {
    const next = tasks.find((t) => !done.has(t.label) && [...deps.get(t.label)!].every((d) => done.has(d)));
    if (!next) {
      const left = tasks.filter((t) => !done.has(t.label));
      const cycle = findCycle(
        left.map((t) => t.label),
        deps,
      );
      throw err(
        'PIPELINE_CYCLE',
        byLabel.get(cycle[0])!,
        `tasks form a cycle: ${cycle.join(' -> ')}; a task may not (indirectly) consume its own output`,
      );
    }
    ordered.push(next);
    done.add(next.label);
  }
  const datasetTypes: Record<string, DatasetTypeNode> = {};
  for (const [k, v] of Object.entries(types)) {
    const { declaredBy: _d, declaredDims: _dd, ...rest } = v;
    datasetTypes[k] = rest;
  }
  return { ordered, datasetTypes };
}

function findCycle(labels: string[], deps: Map<string, Set<string>>): string[] {
  const inLeft = new Set(labels);
  const path: string[] = [];
  const seen = new Set<string>();
  const walk = (l: string): string[] | undefined => {
    const i = path.indexOf(l);
    if (i >= 0) return [...path.slice(i), l];
    if (seen.has(l)) return undefined;
    seen.add(l);
    path.push(l);
    for (const d of deps.get(l) ?? []) {
      if (!inLeft.has(d)) continue;
      const c = walk(d);
      if (c) return c;
    }
    path.pop();
    return undefined;
  };
  for (const l of labels) {
    const c = walk(l);
    if (c) return c.reverse();
  }
  return labels;
}
