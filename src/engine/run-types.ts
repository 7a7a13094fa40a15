/** Types shared by the engine loop's modules (run, dispatcher, outcomes). */
import type { Logger } from 'pino';
import type { Executor } from './executor.js';
import type { StateCounts } from './journal-read.js';
import type { OutputRegistrar } from './outputs.js';
import type { OpenedRun } from './run-setup.js';
import type { RunState } from './run-state.js';
import type { Workflow } from './workflow.js';

/** `incomplete`: nothing failed, but `--labels` jobs waited for jobs of labels not selected */
export type RunStatus = 'succeeded' | 'failed' | 'cancelled' | 'deadline' | 'interrupted' | 'incomplete';

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
  /** `restore --request-memory LABEL=MB` (label -> MB), kept by later restores */
  requestMemory?: Readonly<Record<string, number>>;
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
  /** `--labels` jobs that could not run: they wait for unfinished jobs of these labels, not selected */
  unselected?: { jobs: number; labels: string[] };
}

/** What the loop's modules share: the run as opened (read only) and its mutable state. */
export interface RunContext {
  readonly opts: RunOptions;
  readonly run: OpenedRun;
  readonly log: Logger;
  readonly registrar?: OutputRegistrar;
  /** changed only through its methods (run-state.ts) */
  readonly state: RunState;
}
