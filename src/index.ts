// Public API of the quanta package (what task modules and scripts import from 'quanta').
export * from './errors.js';
export { z } from 'zod';
export {
  defineTask,
  isTaskDefinition,
  TASK_BRAND,
  type Conn,
  type DataId,
  type DataIdValue,
  type DeferredHandle,
  type RunArgs,
  type RunOutputs,
  type TaskConnections,
  type TaskDefinition,
  type TaskLogger,
  type TaskSpec,
} from './task/define-task.js';
export { runQuantum, readQuantumFile, type RunQuantumOptions } from './task/run-quantum.js';
export type { QuantumFile, QuantumRef, QuantumResult, QuantumOutput } from './task/quantum-file.js';
export { expandArgv, type ArgvContext } from './task/command-task.js';
export { loadPipeline, splitPipelineSpec, type LoadPipelineOptions } from './pipeline/load.js';
export type {
  Pipeline,
  PipelineTaskNode,
  DatasetTypeNode,
  Subset,
  Step,
  Contract,
  ConfigBlock,
} from './pipeline/types.js';
export { readPipeline, type PipelineDefinition, type DeclaredTask } from './pipeline/definition.js';
export { buildQuantumGraph, type BuildOptions } from './qgraph/builder.js';
export { saveQuantumGraph, loadQuantumGraph, encodeQuantumGraph, decodeQuantumGraph } from './qgraph/file.js';
export { quantumCount } from './qgraph/quantum-table.js';
export {
  toWorkflow,
  jobIds,
  type Workflow,
  type WorkflowJob,
  type ToWorkflowOptions,
} from './qgraph/workflow.js';
// prepareRun (src/qgraph/prepare.ts) and the registry adapter are left out on purpose: they load
// the registry (a native SQLite module) and the submit-config loader into every task module.
export type { PrepareOptions, PreparedRun } from './qgraph/prepare.js';
export type {
  QuantumGraph,
  QGDataSource,
  QGDataset,
  QGDatasetList,
  QGQuantum,
  QGTaskNode,
  BuildResult,
  BuildProgress,
  SkyRegion,
} from './qgraph/types.js';
