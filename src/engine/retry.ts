/** What to do with a job attempt that did not succeed: retry (maybe with more memory) or fail. */
import type { JobOutcome } from './executor.js';

export interface RetryDecision {
  retry: boolean;
  /** memory (MB) of the next attempt */
  memoryMB: number;
}

/**
 * `failures` counts the job's own failures so far, this one included: non-zero exits, memory
 * kills, timeouts and missing outputs, never an attempt lost with its worker or interrupted by a
 * crash or stop of the manager (those are attempts, numbered and logged, but not failures). A job
 * is retried while failures <= numberOfRetries, except that a failure exiting with a code in `retryUnlessExit` is final (bps's
 * `retryUnlessExit`: a pipetask that failed on its own fails the same way again); memory kills
 * and timeouts are not exits and are retried. After a memory kill the next attempt gets memory x
 * multiplier, capped at the largest worker budget (a job can never be given more than a worker has).
 */
export function decideRetry(p: {
  outcome: JobOutcome;
  /** the attempt's exit code (null when it did not exit: a signal, a kill, a runner error) */
  exitCode?: number | null;
  retryUnlessExit?: readonly number[];
  failures: number;
  numberOfRetries: number;
  memoryMB: number;
  memoryMultiplier: number;
  maxWorkerMemoryMB: number;
}): RetryDecision {
  const ownFailure =
    p.outcome === 'failed' && p.exitCode != null && (p.retryUnlessExit ?? []).includes(p.exitCode);
  const retry = p.failures <= p.numberOfRetries && !ownFailure;
  let memoryMB = p.memoryMB;
  if (p.outcome === 'memory' && p.memoryMultiplier > 1) {
    memoryMB = Math.ceil(p.memoryMB * p.memoryMultiplier);
    if (p.maxWorkerMemoryMB > 0) memoryMB = Math.min(memoryMB, p.maxWorkerMemoryMB);
  }
  return { retry, memoryMB };
}

/** p90 of durations (ms); undefined when there are none. */
export function p90(samples: ArrayLike<number>): number | undefined {
  if (samples.length === 0) return undefined;
  // a typed array sorts numerically, without a comparator call per pair (the dispatcher asks per tick)
  const s = Float64Array.from(samples).sort();
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.9))];
}
