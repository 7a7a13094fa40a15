/** What to do with a job attempt that did not succeed: retry (maybe with more memory) or fail. */
import type { JobOutcome } from './executor.js';

export interface RetryDecision {
  retry: boolean;
  /** memory (MB) of the next attempt */
  memoryMB: number;
}

/**
 * `attempts` counts attempts started so far (this one included). A job gets 1 + numberOfRetries
 * attempts. After a memory kill the next attempt gets memory x multiplier, capped at the largest
 * worker budget (a job can never be given more than a worker has).
 */
export function decideRetry(p: {
  outcome: JobOutcome;
  attempts: number;
  numberOfRetries: number;
  memoryMB: number;
  memoryMultiplier: number;
  maxWorkerMemoryMB: number;
}): RetryDecision {
  const retry = p.attempts <= p.numberOfRetries;
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
  const s = Array.from(samples).sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.9))];
}
