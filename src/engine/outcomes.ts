/**
 * Applying job results to a run: success (directly, or after its outputs are verified and
 * registered), retry with more memory, failure with everything downstream blocked, re-queue of
 * lost or interrupted attempts. Every transition goes to the journal buffer; the caller flushes.
 */
import type { JobResult } from './executor.js';
import { verifyOutputs, type VerifiedOutput } from './outputs.js';
import { decideRetry } from './retry.js';
import type { RunState } from './run-types.js';
import { CANCELLED, READY, RUNNING } from './states.js';

export function applyResults(st: RunState, results: JobResult[]): void {
  const { sched, wf, attempts, journal } = st.run;
  for (const r of results) {
    const j = st.run.index.get(r.id);
    if (j === undefined || sched.state[j] !== RUNNING || attempts[j] !== r.attempt) continue; // stale
    const w = st.runningOn.get(j);
    if (w) {
      w.freeMemoryMB += st.dispMem.get(j) ?? 0;
      w.freeCores += sched.cpus[j];
    }
    st.runningOn.delete(j);
    st.dispMem.delete(j);
    const fields = {
      started_at: r.startedAt,
      ended_at: r.endedAt,
      exit_code: r.exitCode,
      signal: r.signal,
      outcome: r.outcome,
      message: r.message ?? null,
      peak_memory: r.peakMemoryMB,
    };
    const job = wf.jobs[j];
    if (r.outcome === 'succeeded') {
      recordDuration(st, job.label, r.endedAt - r.startedAt);
      if (job.outputs?.length) st.toRegister.push({ job: j, result: r });
      else succeed(st, j, fields);
      continue;
    }
    const resumable = st.stopping === 'deadline' || st.stopping === 'interrupt';
    if (r.outcome === 'lost' || (r.outcome === 'cancelled' && resumable)) {
      attempts[j]--; // not the job's fault: this attempt does not count
      sched.requeue(j);
      journal.job(j, job.id, sched.state[j], { ...fields, attempt: attempts[j], ready_at: Date.now() });
      continue;
    }
    if (r.outcome === 'cancelled') {
      sched.cancelRunning(j);
      journal.job(j, job.id, CANCELLED, fields);
      continue;
    }
    failAttempt(st, j, r.outcome, fields, r.message ?? r.outcome);
  }
}

function failAttempt(
  st: RunState,
  j: number,
  outcome: JobResult['outcome'],
  fields: Record<string, unknown>,
  why: string,
  retryable = true,
): void {
  const { sched, wf, attempts, journal } = st.run;
  const job = wf.jobs[j];
  const d = decideRetry({
    outcome,
    attempts: attempts[j],
    numberOfRetries: job.numberOfRetries ?? wf.numberOfRetries,
    memoryMB: sched.memoryMB[j],
    memoryMultiplier: job.memoryMultiplier ?? wf.memoryMultiplier,
    maxWorkerMemoryMB: Math.max(0, ...[...st.workers.values()].map((w) => w.memoryMB)),
  });
  if (d.retry && retryable && !st.stopping) {
    sched.memoryMB[j] = d.memoryMB;
    sched.requeue(j);
    journal.job(
      j,
      job.id,
      sched.state[j],
      { ...fields, memory_mb: d.memoryMB, ready_at: Date.now() },
      { retry: why },
    );
    st.log.warn({ job: job.id, attempt: attempts[j], why, memoryMB: d.memoryMB }, 'retrying job');
    return;
  }
  const blocked = sched.fail(j);
  journal.job(j, job.id, 'failed', fields);
  for (const b of blocked)
    journal.job(b, wf.jobs[b].id, 'blocked', { message: `needs ${job.id}, which failed` });
  st.log.warn({ job: job.id, attempts: attempts[j], why, blocked: blocked.length }, 'job failed');
}

function succeed(st: RunState, j: number, fields: Record<string, unknown>): void {
  const { sched, wf, journal } = st.run;
  const now = Date.now();
  journal.job(j, wf.jobs[j].id, 'succeeded', fields);
  for (const k of sched.succeed(j)) journal.job(k, wf.jobs[k].id, READY, { ready_at: now });
}

/** Verify the outputs of jobs that exited 0 and register them in one batch; then succeed them. */
export async function registerOutputs(st: RunState): Promise<void> {
  const batch = st.toRegister;
  st.toRegister = [];
  const { wf } = st.run;
  const ok: { job: number; result: JobResult; outputs: VerifiedOutput[] }[] = [];
  const checked = await Promise.all(batch.map((b) => verifyOutputs(wf.jobs[b.job], wf.butlerRoot)));
  batch.forEach((b, i) => {
    const fields = {
      started_at: b.result.startedAt,
      ended_at: b.result.endedAt,
      exit_code: b.result.exitCode,
      peak_memory: b.result.peakMemoryMB,
    };
    const c = checked[i];
    if (c.missing)
      failAttempt(
        st,
        b.job,
        'failed',
        { ...fields, outcome: 'failed', message: `missing output ${c.missing}` },
        `missing output ${c.missing}`,
      );
    else ok.push({ ...b, outputs: c.outputs });
  });
  if (ok.length && st.registrar) {
    try {
      await st.registrar.register(ok.flatMap((o) => o.outputs));
    } catch (e) {
      const msg = `registering outputs failed: ${(e as Error).message}`;
      for (const o of ok) {
        // not retried: rerunning the job cannot fix what the registry refused
        failAttempt(st, o.job, 'failed', { outcome: 'failed', message: msg }, msg, false);
      }
      return;
    }
  }
  for (const o of ok) {
    succeed(st, o.job, {
      started_at: o.result.startedAt,
      ended_at: o.result.endedAt,
      exit_code: 0,
      outcome: 'succeeded',
      message: null,
      peak_memory: o.result.peakMemoryMB,
    });
  }
}

function recordDuration(st: RunState, label: string, ms: number): void {
  let d = st.durations.get(label);
  if (!d) st.durations.set(label, (d = []));
  d.push(ms);
  if (d.length > 200) d.splice(0, d.length - 200);
}
