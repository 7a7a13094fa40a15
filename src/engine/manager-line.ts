/**
 * Who drives a run, in one line for `quanta status` and the dashboard: a live manager, one that
 * is provably gone (lease.ts `holderGone`), none yet (a prepared run, perhaps waiting in Slurm's
 * queue), or none.
 */
import type { LeaseRow } from './lease.js';

/** The run's latest Slurm batch job (`<submitDir>/slurm-jobs.json`) and its state, when known. */
export interface BatchJobState {
  jobId: string;
  /** scontrol's JobState (PENDING, RUNNING, COMPLETED, ...); undefined when Slurm cannot say */
  state?: string;
}

export interface ManagerView {
  submitDir: string;
  manager?: LeaseRow;
  /** why the lease's holder is gone (its pid is dead on this host, or its heartbeat is stale) */
  managerGone?: string;
  /** the run has not started: no journal yet */
  prepared?: boolean;
  batchJob?: BatchJobState;
}

/** A batch job Slurm still holds in its queue (waiting for nodes, a dependency, a release). */
export function batchQueued(b: BatchJobState | undefined): boolean {
  return !!b?.state && /^(PENDING|CONFIGURING|REQUEUED|RESIZING|SUSPENDED)/.test(b.state);
}

function batchRunning(b: BatchJobState | undefined): boolean {
  return !!b?.state && /^(RUNNING|COMPLETING)/.test(b.state);
}

/** `manager: ...` */
export function managerLine(s: ManagerView): string {
  const b = s.batchJob;
  if (s.manager && !s.managerGone) {
    return `manager: pid ${s.manager.pid} on ${s.manager.host} since ${new Date(s.manager.since).toISOString()}`;
  }
  if (s.prepared) {
    if (b && batchQueued(b))
      return `manager: none yet: waiting for the Slurm job ${b.jobId} (${b.state}) to start the run`;
    if (b && batchRunning(b))
      return `manager: none yet: the Slurm job ${b.jobId} (${b.state}) is starting the run`;
    if (b?.state && /^CANCELLED/.test(b.state))
      return `manager: none yet: the Slurm job ${b.jobId} was cancelled before it started the run; \`quanta sbatch ${s.submitDir} --submit\` submits it again`;
    if (b?.state)
      return (
        `manager: none yet: the Slurm job ${b.jobId} (${b.state}) did not start the run; ` +
        `see ${s.submitDir}/slurm-${b.jobId}.stderr, then \`quanta sbatch ${s.submitDir} --submit\` again`
      );
    if (b)
      return `manager: none yet: the run was submitted as Slurm job ${b.jobId} (its state is unknown here)`;
    return `manager: none yet: the run has not started; \`quanta restore ${s.submitDir}\` (or \`quanta sbatch ${s.submitDir} --submit\`) starts it`;
  }
  const next =
    b && batchQueued(b) ? `waiting for the Slurm job ${b.jobId} (${b.state}) to continue the run` : '';
  if (s.manager && s.managerGone) {
    return (
      `manager: gone (pid ${s.manager.pid} on ${s.manager.host}: ${s.managerGone}); ` +
      (next || 'the run is not being driven; `quanta restore` continues it')
    );
  }
  return `manager: none (${next || 'the run is not being driven; `quanta restore` continues it'})`;
}
