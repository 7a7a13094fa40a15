/**
 * Messages between the job runner and its warm task worker processes (IPC, same host).
 * Both directions are batched: the pool sends every quantum it queued on a process during one
 * event-loop turn in one `runs` message, and the worker sends what happened (quanta started and
 * ended) in one `events` message per turn. Why: each IPC write costs the manager a synchronous
 * system call (~0.5 ms under load), which one message per quantum paid on every quantum.
 */
import type { TaskOutput } from '../engine/executor.js';

export interface WarmRequest {
  type: 'run';
  jobId: string;
  quantumFile: string;
  logPath: string;
}

/** Quanta to run one after the other, in order, after whatever the worker holds already. */
export interface WarmRuns {
  type: 'runs';
  runs: WarmRequest[];
}

/**
 * Drop a queued quantum: the worker forgets it if it has not started it; if it has (the pool
 * had not heard yet), the worker answers `start` for it anyway and the pool kills the process.
 */
export interface WarmDrop {
  type: 'drop';
  jobId: string;
}

/** The lease (parent-lease.ts): any message renews it; this one starts, renews or ends it. */
export interface WarmLease {
  type: 'lease';
  ms: number;
}

export type WarmMessage = WarmRequest | WarmRuns | WarmDrop | WarmLease;

/** One thing that happened in the worker, in the order it happened. */
export type WarmEvent =
  | { kind: 'start'; jobId: string }
  /** a `drop` arrived before the quantum started: it never will */
  | { kind: 'dropped'; jobId: string }
  /** `outputs`: what a quantum that succeeded wrote (its result, not written to a file) */
  | { kind: 'done'; jobId: string; ok: boolean; message?: string; outputs?: TaskOutput[] };

export type WarmReply =
  | { type: 'ready' }
  | { type: 'events'; events: WarmEvent[] }
  /** the lease lapsed during this quantum: the process kills its group (itself included) next */
  | { type: 'fenced'; jobId: string; message: string };
