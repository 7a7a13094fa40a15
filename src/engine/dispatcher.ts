/**
 * Choosing and starting jobs: the scheduler packs ready jobs into the workers' free budgets
 * (holding back, with a deadline, jobs expected to run past it); each dispatch is journaled and
 * the journal flushed before any job is handed to the executor.
 */
import type { DispatchJob, Executor } from './executor.js';
import { jobLogPath } from './log-path.js';
import { failAndBlock } from './outcomes.js';
import type { Worker } from './run-state.js';
import type { RunContext } from './run-types.js';
import { RUNNING } from './states.js';

export function dispatchReady(ctx: RunContext, executor: Executor): void {
  const { opts: o, state } = ctx;
  const { sched, wf, journal, labels, labelOf } = ctx.run;
  let canStart: ((j: number) => boolean) | undefined;
  if (o.deadline) {
    const limit = o.deadline - (o.deadlineMarginSec ?? 60) * 1000;
    // a label's p90 run time once some of its jobs finished; before that the job's own time limit
    // (bps requestWalltime) when it has one, else defaultJobSec
    const measured = labels.map((_, li) => state.p90DurationMs(li));
    const fallbackMs = (o.defaultJobSec ?? 300) * 1000;
    canStart = (j) => {
      const limitSec = wf.jobs[j].timeoutSec;
      const expected = measured[labelOf[j]] ?? (limitSec ? limitSec * 1000 : fallbackMs);
      return Date.now() + expected <= limit;
    };
  }
  const { dispatches, unfit } = sched.pick(state.workers, canStart);
  for (const j of unfit) {
    const msg = `needs ${sched.memoryMB[j]} MB and ${sched.cpus[j]} cores, but the largest worker has ${state.largestWorkerMemoryMB} MB and ${state.mostWorkerCores} cores; lower requestMemory/requestCpus or use bigger workers`;
    failAndBlock(ctx, j, { outcome: 'failed', message: msg });
    ctx.log.warn({ job: wf.jobs[j].id, msg }, 'job cannot fit any worker');
  }
  if (dispatches.length === 0) return;
  const toStart: [DispatchJob, string][] = [];
  for (const d of dispatches) {
    const j = d.job;
    const job = wf.jobs[j];
    const w = d.worker as Worker;
    const attempt = state.startAttempt(j, w);
    const logPath = jobLogPath(o.submitDir, job.label, job.id, attempt);
    journal.job(j, job.id, RUNNING, {
      attempt,
      memory_mb: sched.memoryMB[j],
      worker_id: w.id,
      node: w.node,
      // set when the worker starts it (jobStarted): a worker with prefetch may hold it queued first
      started_at: null,
      ended_at: null,
      exit_code: null,
      signal: null,
      outcome: null,
      message: null,
      log_path: logPath,
    });
    toStart.push([
      {
        id: job.id,
        label: job.label,
        attempt,
        payload: job.task
          ? { kind: 'task', ...job.task }
          : {
              kind: 'command',
              argv: job.argv as string[],
              ...(job.env ? { env: job.env } : {}),
              ...(job.cwd ? { cwd: job.cwd } : {}),
            },
        memoryMB: sched.memoryMB[j],
        cpus: sched.cpus[j],
        ...(job.timeoutSec ? { timeoutSec: job.timeoutSec } : {}),
        enforceMemory: wf.enforceMemory,
        logPath,
        priority: sched.priority[j],
      },
      w.id,
    ]);
  }
  journal.flush(); // committed before acted on
  for (const [dj, wid] of toStart) executor.dispatch(dj, wid);
}
