/** Types shared by the engine loop's modules (run, dispatcher, outcomes). */
import type { Logger } from 'pino';
import type { Executor, JobResult } from './executor.js';
import type { StateCounts } from './journal-read.js';
import type { OutputRegistrar } from './outputs.js';
import type { OpenedRun } from './run-setup.js';
import type { WorkerBudget } from './scheduler.js';
import type { Workflow } from './workflow.js';

export type RunStatus = 'succeeded' | 'failed' | 'cancelled' | 'deadline' | 'interrupted';

export interface ProgressSnapshot {
  labels: { label: string; counts: StateCounts; total: number }[];
  totals: StateCounts & { total: number };
  elapsedMs: number;
}

export interface RunOptions {
  submitDir: string;
  /** workflow of a new run; restore reads the copy in the submit dir */
  workflow?: Workflow;
  /** the executor, or a factory given the run id (the local executor tags job processes with it) */
  executor: Executor | ((ctx: { runId: string; submitDir: string }) => Executor);
  retryFailed?: boolean;
  labels?: string[];
  force?: boolean;
  leaseStaleSec?: number;
  /** epoch ms: start no job expected to run past deadline - margin; stop at it (status 'deadline') */
  deadline?: number;
  deadlineMarginSec?: number;
  /** expected run time of a job whose label has no finished jobs yet (default 300 s) */
  defaultJobSec?: number;
  onProgress?: (p: ProgressSnapshot) => void;
  progressIntervalMs?: number;
}

export interface RunSummary {
  status: RunStatus;
  submitDir: string;
  runId: string;
  totals: StateCounts & { total: number };
  elapsedMs: number;
}

export type Stop = 'cancel' | 'deadline' | 'interrupt';

export interface Worker extends WorkerBudget {
  node: string;
}

/** The mutable state of a run in progress, shared by the loop's modules. */
export interface RunState {
  opts: RunOptions;
  run: OpenedRun;
  log: Logger;
  registrar?: OutputRegistrar;
  workers: Map<string, Worker>;
  /** running job index -> its worker, and the memory it was dispatched with */
  runningOn: Map<number, Worker>;
  dispMem: Map<number, number>;
  /** recent durations (ms) of succeeded jobs per label, for the deadline estimate */
  durations: Map<string, number[]>;
  /** jobs that exited 0 and wait for output verification and registration */
  toRegister: { job: number; result: JobResult }[];
  stopping?: Stop;
}
