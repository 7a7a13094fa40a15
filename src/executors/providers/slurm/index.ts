// The Slurm provider: the allocation we run in, batch scripts, the queue, wall-time successors.
export { slurmProvider } from './provider.js';
export type { SlurmProvider, SlurmProviderOptions } from './provider.js';
export { inAllocation, allocationNodes, allocationEnd, endFromJobInfo, tresMemoryMB } from './allocation.js';
export type { AllocationNode } from './allocation.js';
export { runSlurmCommand, showJob, parseScontrolRecord, expandCpusPerNode } from './commands.js';
export type { SlurmCommandOptions } from './commands.js';
export { slurmDeadline, marginFor } from './deadline.js';
export { blockState, cancelBlock } from './queue.js';
export {
  writeSbatchScript,
  writeScript,
  renderSbatchScript,
  requestFromConfig,
  submitSbatch,
  sbatchScriptPath,
  shellQuote,
  directiveQuote,
  SCRIPT_NAME,
} from './sbatch.js';
export type { BatchRequest, ScriptOptions } from './sbatch.js';
export {
  submitSuccessor,
  ensureSuccessor,
  cancelSuccessor,
  queuedSuccessor,
  recordSubmission,
  readJobsRecord,
  requestFromJob,
  jobsRecordPath,
  pendingBatchJob,
} from './successor.js';
export type { SuccessorOutcome, SlurmJobsRecord } from './successor.js';
