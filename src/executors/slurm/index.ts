// The Slurm provider: the allocation we run in, batch scripts, submission, wall-time successors.
export { inAllocation, allocationNodes, allocationEnd, endFromJobInfo, tresMemoryMB } from './allocation.js';
export type { AllocationNode } from './allocation.js';
export { runSlurmCommand, showJob, parseScontrolRecord, expandCpusPerNode } from './commands.js';
export {
  writeSbatchScript,
  writeScript,
  renderSbatchScript,
  requestFromConfig,
  submitSbatch,
  sbatchScriptPath,
  shellQuote,
  SCRIPT_NAME,
} from './sbatch.js';
export type { BatchRequest, ScriptOptions } from './sbatch.js';
export {
  submitSuccessor,
  recordSubmission,
  readJobsRecord,
  requestFromJob,
  jobsRecordPath,
  pendingBatchJob,
} from './successor.js';
export type { SuccessorOutcome, SlurmJobsRecord } from './successor.js';
export { runUnderSlurm, slurmDeadline, marginFor } from './run.js';
export type { SlurmRunOptions, SlurmRunContext } from './run.js';
export { prepareSbatch, loadPreparedConfig, preparedSite } from './sbatch-run.js';
export type { SbatchRunOptions, SbatchRunResult } from './sbatch-run.js';
