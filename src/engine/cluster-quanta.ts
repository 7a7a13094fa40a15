/**
 * Quanta, not jobs, of a clustered run (docs/bps.md, "Clustering"): the journal has one row per
 * engine job, and a cluster job runs several quanta. A quantum of a cluster succeeded when the
 * cluster did, or when its own result file exists (it finished before the cluster was stopped);
 * the others take the cluster's state: of a running cluster the first is running and the rest
 * pending, of a failed one the first failed and the rest are blocked. Read-only, like status.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_INDEX, clusterIndexSchema, type ClusterIndex } from '../task/cluster-file.js';
import { emptyCounts, type StateCounts } from './journal-read.js';
import type { JobState } from './states.js';

export interface QuantaCounts extends StateCounts {
  label: string;
  total: number;
}

export interface QuantaStatus {
  /** per task label */
  labels: QuantaCounts[];
  totals: StateCounts & { total: number };
  /** engine jobs that run clusters, and the quanta they hold */
  clusterJobs: number;
  clusteredQuanta: number;
}

/** The run's cluster index, or undefined for a run without clusters (or one it cannot read). */
export function readClusterIndex(submitDir: string): ClusterIndex | undefined {
  const file = join(submitDir, CLUSTER_INDEX);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = clusterIndexSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // status still shows the jobs
  }
}

/** The state of each quantum of a cluster job in `state` (attempted: it was ever dispatched). */
function memberStates(state: JobState, results: string[], attempted: boolean): JobState[] {
  if (state === 'succeeded') return results.map(() => 'succeeded');
  let first = true;
  return results.map((r) => {
    // a cluster never dispatched has no finished quanta: no need to look
    if (attempted && existsSync(r)) return 'succeeded';
    const s: JobState =
      state === 'running'
        ? first
          ? 'running'
          : 'pending'
        : state === 'failed'
          ? first
            ? 'failed'
            : 'blocked'
          : state;
    first = false;
    return s;
  });
}

/**
 * Quanta per task label of a clustered run, from the journal's job rows; undefined when the run
 * has no clusters (its jobs are its quanta).
 *
 * @example
 * ```ts
 * const q = quantaStatus(submitDir, () => journal.jobs()); // q?.totals.succeeded: quanta, not jobs
 * ```
 */
export function quantaStatus(
  submitDir: string,
  /** the journal's job rows, read only for a clustered run */
  jobs: () => readonly { id: string; label: string; state: JobState; attempt: number }[],
): QuantaStatus | undefined {
  const index = readClusterIndex(submitDir);
  if (!index) return undefined;
  const byLabel = new Map<string, QuantaCounts>();
  const totals = { ...emptyCounts(), total: 0 };
  const add = (label: string, s: JobState): void => {
    let c = byLabel.get(label);
    if (!c) {
      c = { label, ...emptyCounts(), total: 0 };
      byLabel.set(label, c);
    }
    c[s]++;
    c.total++;
    totals[s]++;
    totals.total++;
  };
  let clusterJobs = 0;
  let clusteredQuanta = 0;
  for (const j of jobs()) {
    const c = index.clusters[j.id];
    if (!c) {
      add(j.label, j.state);
      continue;
    }
    clusterJobs++;
    clusteredQuanta += c.quanta.length;
    const states = memberStates(
      j.state,
      c.quanta.map((q) => q.result),
      j.attempt > 0,
    );
    c.quanta.forEach((q, i) => add(q.label, states[i]));
  }
  return { labels: [...byLabel.values()], totals, clusterJobs, clusteredQuanta };
}
