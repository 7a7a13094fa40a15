/**
 * Choosing and starting jobs: the scheduler packs ready jobs into the workers' free budgets
 * (holding back, with a deadline, jobs expected to run past it); each dispatch is journaled and
 * the journal flushed before any job is handed to the executor.
 */
import { join } from 'node:path';
import type { DispatchJob, Executor } from './executor.js';
import { p90 } from './retry.js';
import type { RunState, Worker } from './run-types.js';
import { RUNNING } from './states.js';

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._+-]/g, '_');
}

export function dispatchReady(st: RunState, executor: Executor): void {
  const { sched, wf, attempts, journal, labels, labelOf } = st.run;
  const workers = [...st.workers.values()];
  const o = st.opts;
  let canStart: ((j: number) => boolean) | undefined;
  if (o.deadline) {
    const limit = o.deadline - (o.deadlineMarginSec ?? 60) * 1000;
    // a label's p90 run time once some of its jobs finished; before that the job's own time limit
    // (bps requestWalltime) when it has one, else defaultJobSec
    const measured = labels.map((l) => p90(st.durations.get(l) ?? []));
    const fallbackMs = (o.defaultJobSec ?? 300) * 1000;
    canStart = (j) => {
      const limitSec = wf.jobs[j].timeoutSec;
      const expected = measured[labelOf[j]] ?? (limitSec ? limitSec * 1000 : fallbackMs);
      return Date.now() + expected <= limit;
    };
  }
  const { dispatches, unfit } = sched.pick(workers, canStart);
  const biggest = workers.reduce((m, w) => Math.max(m, w.memoryMB), 0);
  const mostCores = workers.reduce((m, w) => Math.max(m, w.cores), 0);
  for (const j of unfit) {
    const msg = `needs ${sched.memoryMB[j]} MB and ${sched.cpus[j]} cores, but the largest worker has ${biggest} MB and ${mostCores} cores; lower requestMemory/requestCpus or use bigger workers`;
    const blocked = sched.fail(j);
    journal.job(j, wf.jobs[j].id, 'failed', { outcome: 'failed', message: msg });
    for (const b of blocked)
      journal.job(b, wf.jobs[b].id, 'blocked', { message: `needs ${wf.jobs[j].id}, which failed` });
    st.log.warn({ job: wf.jobs[j].id, msg }, 'job cannot fit any worker');
  }
  if (dispatches.length === 0) return;
  const now = Date.now();
  const toStart: [DispatchJob, string][] = [];
  for (const d of dispatches) {
    const j = d.job;
    const job = wf.jobs[j];
    const attempt = ++attempts[j];
    const logPath = join(o.submitDir, 'logs', safeName(job.label), `${safeName(job.id)}.${attempt}.log`);
    const w = d.worker as Worker;
    st.runningOn.set(j, w);
    st.dispMem.set(j, sched.memoryMB[j]);
    journal.job(j, job.id, RUNNING, {
      attempt,
      memory_mb: sched.memoryMB[j],
      worker_id: w.id,
      node: w.node,
      started_at: now,
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
      },
      w.id,
    ]);
  }
  journal.flush(); // committed before acted on
  for (const [dj, wid] of toStart) executor.dispatch(dj, wid);
}
