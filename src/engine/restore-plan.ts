/**
 * Restore decides here, and only here, what each job of a run is when the run (re)starts, and
 * why. Given the states the journal saved (all pending for a new run), the DAG, `--retry-failed`
 * and `--labels`:
 *
 * | journal says          | becomes                               | why            |
 * | --------------------- | ------------------------------------- | -------------- |
 * | succeeded             | succeeded (never runs again)          | `succeeded`    |
 * | running/ready/cancel. | pending, ready when its needs are met | `interrupted`  |
 * | failed                | failed; with --retry-failed: re-run   | `failed` / `retry-failed` |
 * | blocked               | re-derived: blocked below a failure that stays, else re-run | `blocked` / `retry-failed` / `waiting` |
 * | pending               | pending, ready when its needs are met | `waiting`      |
 *
 * With `--labels`, jobs of other labels are never made ready: they stay pending (`not-selected`).
 * A pure function: no journal, no files; run-setup.ts journals the changes and loads the states
 * into the scheduler, which trusts them.
 */
import { UsageError } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import { BLOCKED, CANCELLED, FAILED, PENDING, READY, RUNNING, SUCCEEDED } from './states.js';

export const RESTORE_REASONS = [
  'succeeded',
  'failed',
  'blocked',
  'not-selected',
  'retry-failed',
  'interrupted',
  'waiting',
] as const;
export type RestoreReason = (typeof RESTORE_REASONS)[number];

export interface RestoreInput {
  /** needs[i]: the jobs job i depends on (indices) */
  needs: ArrayLike<ArrayLike<number>>;
  /** state codes from the journal (states.ts) */
  saved: ArrayLike<number>;
  /** task label of each job, as an index into `labels` */
  labelOf: ArrayLike<number>;
  labels: readonly string[];
  retryFailed?: boolean;
  /** `--labels`: only jobs of these labels may be made ready */
  onlyLabels?: readonly string[];
}

export interface RestoreChange {
  job: number;
  /** state code now (the journal still has the saved one) */
  state: number;
  why: RestoreReason;
}

export interface RestorePlan {
  /** the state of each job when the run goes on */
  states: Uint8Array;
  /** 1 when the job may be made ready (`--labels`) */
  eligible: Uint8Array;
  why: (job: number) => RestoreReason;
  /** jobs whose state differs from the journal's, to be journaled */
  changes: RestoreChange[];
  /** jobs per reason */
  summary: Record<RestoreReason, number>;
}

/** `--labels` as a set of label indices; an unknown label is a user error naming the known ones. */
export function selectLabels(labels: readonly string[], wanted: readonly string[]): Set<number> {
  const out = new Set<number>();
  for (const l of wanted) {
    const i = labels.indexOf(l);
    if (i < 0) {
      const s = didYouMean(l, [...labels]);
      throw new UsageError(
        'UNKNOWN_LABEL',
        `--labels: no task label '${l}' in this run${s ? ` (did you mean '${s}'?)` : ''} (labels: ${labels.join(', ')})`,
        { key: 'labels' },
      );
    }
    out.add(i);
  }
  return out;
}

export function planRestore(input: RestoreInput): RestorePlan {
  const { needs, saved, labelOf } = input;
  const n = needs.length;
  const chosen = input.onlyLabels?.length ? selectLabels(input.labels, input.onlyLabels) : undefined;
  const eligible = new Uint8Array(n);
  for (let i = 0; i < n; i++) eligible[i] = !chosen || chosen.has(labelOf[i]) ? 1 : 0;

  const states = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = saved[i];
    if (s === SUCCEEDED) states[i] = SUCCEEDED;
    else if (s === FAILED && !input.retryFailed) states[i] = FAILED;
    else states[i] = PENDING; // blocked ones are re-derived below from the failures that stay
  }
  const kids: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) for (let k = 0; k < needs[i].length; k++) kids[needs[i][k]].push(i);
  for (let i = 0; i < n; i++) {
    if (states[i] !== FAILED) continue;
    const stack = [i];
    while (stack.length) {
      for (const k of kids[stack.pop() as number]) {
        if (states[k] !== PENDING) continue;
        states[k] = BLOCKED;
        stack.push(k);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (states[i] !== PENDING || !eligible[i]) continue;
    let met = true;
    for (let k = 0; k < needs[i].length && met; k++) met = states[needs[i][k]] === SUCCEEDED;
    if (met) states[i] = READY;
  }

  const why = (i: number): RestoreReason => {
    const s = saved[i];
    if (states[i] === SUCCEEDED) return 'succeeded';
    if (states[i] === FAILED) return 'failed';
    if (states[i] === BLOCKED) return 'blocked';
    if (!eligible[i]) return 'not-selected';
    if (s === FAILED || s === BLOCKED) return input.retryFailed ? 'retry-failed' : 'waiting';
    if (s === RUNNING || s === READY || s === CANCELLED) return 'interrupted';
    return 'waiting';
  };
  const summary = Object.fromEntries(RESTORE_REASONS.map((r) => [r, 0])) as Record<RestoreReason, number>;
  const changes: RestoreChange[] = [];
  for (let i = 0; i < n; i++) {
    const w = why(i);
    summary[w]++;
    if (states[i] !== saved[i]) changes.push({ job: i, state: states[i], why: w });
  }
  return { states, eligible, why, changes, summary };
}
