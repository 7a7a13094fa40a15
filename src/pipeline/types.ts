/** The resolved pipeline: what the QG builder and `quanta pipeline show` work from. */
import type { Conn } from '../task/define-task.js';
import type { ConfigBlock } from './ir.js';

export type { ConfigBlock } from './ir.js';

export interface PipelineTaskNode {
  label: string;
  /** `python`: a Python PipelineTask (only with `loadPipeline(spec, { pythonTasks: 'keep' })`) */
  kind: 'ts' | 'command' | 'python';
  /** Python tasks: the class as written (`lsst.ip.isr.IsrTask`) */
  className?: string;
  /** TypeScript tasks: absolute module path (or package specifier) and export name */
  module?: string;
  exportName?: string;
  /** command tasks: the argv template */
  argv?: string[];
  /** the task's own name (defineTask name, or `command`) */
  taskName: string;
  /** quantum dimensions */
  dimensions: string[];
  inputs: Record<string, Conn>;
  prerequisiteInputs: Record<string, Conn>;
  outputs: Record<string, Conn>;
  /**
   * resolved config (zod defaults applied) for TypeScript tasks; JSON-serialisable. Python
   * tasks: the plain `key: value` overrides of all blocks, in order (see configBlocks).
   */
  config: Record<string, unknown>;
  /** the config blocks as pipe_base keeps them (python:, file:, key: value), parameters filled in */
  configBlocks?: ConfigBlock[];
  /** where the task was declared */
  file: string;
  line?: number;
  column?: number;
}

export interface DatasetTypeNode {
  name: string;
  dimensions: string[];
  storageClass: string;
  /** the label of the task producing it; undefined for overall inputs */
  producer?: string;
  consumers: string[];
}

export interface Subset {
  labels: string[];
  description?: string;
}

export interface Pipeline {
  file: string;
  description?: string;
  instrument?: string;
  parameters: Record<string, unknown>;
  /** selected tasks in execution (topological) order */
  tasks: PipelineTaskNode[];
  subsets: Record<string, Subset>;
  datasetTypes: Record<string, DatasetTypeNode>;
  /** steps in declaration order (each names a subset) */
  steps?: Step[];
  /** contracts of the selected tasks */
  contracts?: Contract[];
}

/** A step: a subset that is a normal part of processing, with the dimensions it is sharded by. */
export interface Step {
  label: string;
  dimensions: string[];
}

/** A pipeline contract: a Python expression over the tasks' configs that must hold. */
export interface Contract {
  contract: string;
  msg?: string;
  /** true: quanta evaluated it (TypeScript and command tasks only); false: carried for pipe_base */
  checked: boolean;
  file: string;
  line?: number;
  column?: number;
}
