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
 * A run-always job (`runWhen: "always"`) is never blocked; it is ready once every job upstream of
 * it has ended (succeeded, failed, blocked). One that ended already runs again (`needs-rerun`)
 * when restore re-runs a job upstream of it (`--retry-failed`): it ran on partial results.
 *
 * With `--labels`, jobs of other labels are never made ready: they stay pending (`not-selected`);
 * a selected job that waits for one of them that has not succeeded cannot run in this restore
 * either (`needs-unselected`), and the run then ends `incomplete`, naming those labels.
 * A pure function: no journal, no files; run-setup.ts journals the changes and loads the states
 * into the scheduler, which trusts them.
 */
import { UsageError } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import { BLOCKED, CANCELLED, FAILED, PENDING, READY, RUNNING, SUCCEEDED } from './states.js';
import { alwaysJobs, upstreamOf } from './upstream.js';

export const RESTORE_REASONS = [
  'succeeded',
  'failed',
  'blocked',
  'not-selected',
  'needs-unselected',
  'retry-failed',
  'needs-rerun',
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
  /** 1 for run-always jobs (`runWhen: "always"`) */
  always?: ArrayLike<number>;
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
  /** selected jobs that wait for unfinished jobs of labels not selected (`--labels`), and those labels */
  unselected: UnselectedInputs;
}

export interface UnselectedInputs {
  /** selected jobs left pending: a job upstream of each is of a label not selected and not succeeded */
  jobs: number;
  /** the labels not selected that they wait for, in label order */
  labels: string[];
  /** 1 for each such job */
  starved: Uint8Array;
}

/**
 * The jobs `--labels` selected that cannot run now: pending, and waiting (directly or through other
 * selected pending jobs) for a job of a label not selected that has not succeeded. Pure; the engine
 * asks it again when a run ends with such jobs left, to name the labels.
 */
export function unselectedInputs(
  needs: ArrayLike<ArrayLike<number>>,
  states: ArrayLike<number>,
  eligible: ArrayLike<number>,
  labelOf: ArrayLike<number>,
  labels: readonly string[],
): UnselectedInputs {
  const n = needs.length;
  const starved = new Uint8Array(n);
  const kids: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) for (let k = 0; k < needs[i].length; k++) kids[needs[i][k]].push(i);
  const waitedFor = new Set<number>();
  let jobs = 0;
  for (let src = 0; src < n; src++) {
    if (eligible[src] || states[src] === SUCCEEDED) continue;
    const stack = [src];
    while (stack.length) {
      for (const k of kids[stack.pop() as number]) {
        if (!eligible[k] || states[k] !== PENDING) continue;
        waitedFor.add(labelOf[src]);
        if (starved[k]) continue;
        starved[k] = 1;
        jobs++;
        stack.push(k);
      }
    }
  }
  return { jobs, labels: [...waitedFor].sort((a, b) => a - b).map((l) => labels[l]), starved };
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
        if (states[k] !== PENDING || input.always?.[k]) continue;
        states[k] = BLOCKED;
        stack.push(k);
      }
    }
  }
  const rerun = new Uint8Array(n);
  const alw = alwaysJobs(input.always, n);
  const ups = upstreamOf(needs, alw);
  const waiting = (s: number): boolean => s === PENDING || s === READY;
  // fewer jobs upstream first: a run-always job above another one is decided before it
  const order = alw.map((_, k) => k).sort((x, y) => ups[x].length - ups[y].length);
  for (const k of order) {
    const a = alw[k];
    const above = ups[k].some((u) => waiting(states[u]));
    if ((states[a] === SUCCEEDED || states[a] === FAILED) && above) {
      states[a] = PENDING;
      rerun[a] = 1;
    }
    if (states[a] === PENDING && !above && eligible[a]) states[a] = READY;
  }
  for (let i = 0; i < n; i++) {
    if (states[i] !== PENDING || !eligible[i] || input.always?.[i]) continue;
    let met = true;
    for (let k = 0; k < needs[i].length && met; k++) met = states[needs[i][k]] === SUCCEEDED;
    if (met) states[i] = READY;
  }

  const unselected = unselectedInputs(needs, states, eligible, labelOf, input.labels);
  const why = (i: number): RestoreReason => {
    const s = saved[i];
    if (states[i] === SUCCEEDED) return 'succeeded';
    if (states[i] === FAILED) return 'failed';
    if (states[i] === BLOCKED) return 'blocked';
    if (!eligible[i]) return 'not-selected';
    if (unselected.starved[i]) return 'needs-unselected';
    if (rerun[i]) return 'needs-rerun';
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
  return { states, eligible, why, changes, summary, unselected };
}
