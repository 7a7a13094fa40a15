/** The resolved pipeline: what the QG builder and `quanta pipeline show` work from. */
import type { Conn } from '../task/define-task.js';

export interface PipelineTaskNode {
  label: string;
  kind: 'ts' | 'command';
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
  /** resolved config (zod defaults applied) for TypeScript tasks; JSON-serialisable */
  config: Record<string, unknown>;
  /** where the task was declared */
  file: string;
  line?: number;
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
}
