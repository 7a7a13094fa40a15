/**
 * The pipeline as pipe_base's PipelineIR holds it, before any task code is imported: labels with
 * their class and config blocks, subsets, steps, contracts, parameters, instrument. Every
 * declaration remembers where it was written, so errors can name file:line:column.
 */

/** Where a declaration was written (1-based line and column). */
export interface Where {
  file: string;
  line?: number;
  column?: number;
}

/**
 * One config block of a task, as pipe_base's ConfigIR keeps it: `python:` code and `file:`
 * override files (carried for Python tasks, never executed by quanta), a `dataId` restriction
 * (not supported by pipe_base either), and the plain `key: value` overrides.
 */
export interface ConfigBlock {
  python?: string;
  file: string[];
  dataId?: Record<string, unknown>;
  rest: Record<string, unknown>;
}

export interface TaskDecl extends Where {
  label: string;
  /** the class as written (`lsst.ip.isr.IsrTask`, `tasks/isr.ts#isr`, `command`); undefined: inherit */
  ref?: string;
  /** directory a relative TypeScript module path is resolved from */
  baseDir: string;
  configs: ConfigBlock[];
}

export interface SubsetDecl extends Where {
  /** labels in the order written (pipe_base keeps a set) */
  labels: string[];
  description?: string;
}

export interface StepDecl extends Where {
  label: string;
  dimensions: string[];
}

export interface ContractDecl extends Where {
  contract: string;
  msg?: string;
}

export interface PipelineIR {
  file: string;
  description?: string;
  instrument?: string;
  parameters: Record<string, unknown>;
  tasks: Map<string, TaskDecl>;
  subsets: Map<string, SubsetDecl>;
  steps: StepDecl[];
  contracts: ContractDecl[];
}

/** How subsets that lose labels are treated when a pipeline is cut down (pipe_base's PipelineSubsetCtrl). */
export type SubsetMode = 'DROP' | 'EDIT';

export function cloneIR(ir: PipelineIR): PipelineIR {
  return {
    ...ir,
    parameters: { ...ir.parameters },
    tasks: new Map([...ir.tasks].map(([k, t]) => [k, { ...t, configs: t.configs.map(cloneBlock) }])),
    subsets: new Map([...ir.subsets].map(([k, s]) => [k, { ...s, labels: [...s.labels] }])),
    steps: ir.steps.map((s) => ({ ...s, dimensions: [...s.dimensions] })),
    contracts: ir.contracts.map((c) => ({ ...c })),
  };
}

export function cloneBlock(b: ConfigBlock): ConfigBlock {
  return { ...b, file: [...b.file], rest: { ...b.rest } };
}
