// Starting runs: the one path from a prepared run to a running engine with its executor.
export { startPreparedRun, runPrepared } from './start.js';
export type { StartRequest, StartedRun, RunResult } from './start.js';
export { createExecutor, executorName, pilotBlock, EXECUTOR_NAMES } from './executor.js';
export type { ExecutorChoice, ExecutorContext, ExecutorName, PilotSite } from './executor.js';
export { writeRunBatch } from './batch.js';
export type { BatchOptions, BatchResult } from './batch.js';
export { prepareSbatch } from './sbatch.js';
export type { SbatchRunOptions, SbatchRunResult } from './sbatch.js';
export { loadPreparedConfig, preparedSite } from './prepared.js';
export { cancelRun } from './cancel.js';
export type { RunCancelResult } from './cancel.js';
export { memoryRequests, parseRequestMemory, readResourcesFile } from './memory-requests.js';
export { resubmitRun, activeBatchJob, runProvider } from './resubmit.js';
