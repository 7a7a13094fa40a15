/** Public API of the engine: run a workflow, read a run's journal, the executor contract. */
export { runWorkflow, startRun, RunHandle } from './run.js';
export type { ProgressSnapshot, RunOptions, RunStatus, RunSummary } from './run-types.js';
export { loadWorkflow, parseWorkflow, workflowSchema } from './workflow.js';
export type { Workflow, WorkflowJob, WorkflowOutput } from './workflow.js';
export { openJournalReadOnly, JournalReader } from './journal-read.js';
export type { LabelSummary, JobRow, EventRow, WorkerRow, StateCounts } from './journal-read.js';
export { Journal } from './journal.js';
export { Scheduler } from './scheduler.js';
export { JOB_STATES, type JobState } from './states.js';
export { requestCancel, type CancelResult } from './cancel.js';
export { runStatus, runReport, formatStatus, formatReport, suggestMemory } from './report.js';
export type * from './executor.js';
