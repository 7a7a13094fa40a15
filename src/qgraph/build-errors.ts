/** The builder's GraphErrors: each names the task, the dataset type and sample data IDs. */
import { GraphError } from '../errors.js';
import type { PipelineTaskNode } from '../pipeline/types.js';
import type { DataId } from '../task/define-task.js';
import { formatDataId } from './data-ids.js';
import type { DroppedQuanta } from './types.js';

export interface TaskProblems {
  task: PipelineTaskNode;
  run: string;
  inputCollections: string[];
  ambiguous: { name: string; dataId: DataId; n: number }[];
  clobber: { type: string; dataId: DataId }[];
  missingPrereq: Map<string, DroppedQuanta>;
}

/** Throw for the problems found while making a task's quanta, if any. */
export function checkTaskProblems(p: TaskProblems): void {
  const { task, run } = p;
  if (p.ambiguous.length) {
    const a = p.ambiguous[0];
    throw new GraphError(
      'INPUT_AMBIGUOUS',
      `task ${task.label}: input ${a.name} (${task.inputs[a.name]?.datasetType ?? task.prerequisiteInputs[a.name]?.datasetType}) matches ${a.n} datasets for the quantum ${formatDataId(a.dataId)} (and ${p.ambiguous.length - 1} more quanta); declare the connection multiple: true`,
      { key: task.label },
    );
  }
  if (p.clobber.length) {
    throw new GraphError(
      'OUTPUT_EXISTS',
      `task ${task.label}: the output run ${run} already has ${p.clobber[0].type} for ${p.clobber.map((c) => formatDataId(c.dataId)).join('; ')}; pass --skip-existing to reuse them, or use a new output run`,
      { key: task.label },
    );
  }
  for (const m of p.missingPrereq.values()) {
    throw new GraphError(
      'PREREQUISITE_MISSING',
      `task ${task.label}: prerequisite input ${m.datasetType} is missing for ${m.count} quanta, e.g. ${m.sample.map(formatDataId).join('; ')}; it is not in the input collections ${p.inputCollections.join(', ')}`,
      { key: task.label },
    );
  }
}

export interface EmptyTask {
  task: PipelineTaskNode;
  nCandidates: number;
  drops: Map<string, DroppedQuanta>;
  dataQuery?: string;
  inputCollections: string[];
  producer(datasetType: string): string | undefined;
}

/** A task without quanta: say which input is missing for which data IDs, or that the query matched nothing. */
export function failEmpty(e: EmptyTask): never {
  const { task } = e;
  const worst = [...e.drops.values()].sort((a, b) => b.count - a.count)[0];
  const query = e.dataQuery ? ` "${e.dataQuery}"` : '';
  if (!worst) {
    throw new GraphError(
      'NO_QUANTA',
      `task ${task.label}: the data query${query} matches no data IDs of [${task.dimensions.join(', ')}]${e.nCandidates === 0 && Object.keys(task.inputs).length ? ' (or no input overlaps a patch/tract)' : ''}; check the query and the input collections ${e.inputCollections.join(', ')}`,
      { key: task.label },
    );
  }
  const producer = e.producer(worst.datasetType);
  const why = producer
    ? `its producer ${producer} made none for them`
    : `it is not in the input collections ${e.inputCollections.join(', ')}`;
  throw new GraphError(
    'INPUT_MISSING',
    `task ${task.label}: input ${worst.datasetType} is missing for all ${worst.count} candidate quanta, e.g. ${worst.sample.map(formatDataId).join('; ')}; ${why}`,
    { key: task.label },
  );
}
